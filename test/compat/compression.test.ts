// Each compression codec produced by each client and read by each other: the
// Apache Kafka Java client (compat/java Scenarios codecs: compression.type=gzip,
// snappy, lz4, zstd), librdkafka (kcat -z) and kafkajs (gzip, the one codec it
// has built in). Stored batches are checked to really carry the codec, and a
// compression.type=gzip topic shows recompression: snappy from Java, read by kafkajs.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { createTopic, fetchPartition, splitBatches } from '../integration/support.js';
import { describe, requireJava, requireKcat, run, uniqueTopic } from './clients.js';

const { CompressionTypes, Kafka: KafkaClient, logLevel } = kafkajs;
const require = createRequire(import.meta.url);

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const CODEC_ID = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
const N = 300;

/** What every producer sends: record i is key-i with a repetitive value (the Java scenario's codecValue). */
const expected = Array.from({ length: N }, (_, i) => `${i}|key-${i}|value-${i}-${'abcdefgh'.repeat(8)}`);

let broker: BrokerProcess;
let runSh: string;
let kcat: string;
let wire: WireClient;

before(async () => {
  runSh = requireJava();
  kcat = await requireKcat();
  broker = await startBrokerProcess();
  wire = await WireClient.connect(broker.host, broker.port);
});

after(async () => {
  wire?.close();
  await broker?.stop();
});

function failure(what: string, r: Parameters<typeof describe>[1]): string {
  return `${describe(what, r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
}

/** The codec ids of every stored batch of partition 0. */
async function storedCodecs(topic: string): Promise<number[]> {
  const p = await fetchPartition(wire, topic, 0, 0);
  return splitBatches(p.records).batches.map((b) => b.attributes & 7);
}

interface KafkajsFetched { offset: string; key: Buffer | null; value: Buffer | null }
interface KafkajsBroker {
  fetch(req: Record<string, unknown>): Promise<{ responses: { partitions: { errorCode: number; messages: KafkajsFetched[] }[] }[] }>;
}

/** Partition 0 read with kafkajs's own Broker.fetch and record decoders (as test/compat/kafkajs.test.ts does). */
async function kafkajsRead(topic: string): Promise<string[]> {
  const Cluster = require('kafkajs/src/cluster') as new (opts: Record<string, unknown>) => {
    connect(): Promise<void>; disconnect(): Promise<void>; addTargetTopic(t: string): Promise<void>;
    findLeaderForPartitions(t: string, p: number[]): Record<string, number[]>; findBroker(q: { nodeId: string }): Promise<KafkajsBroker>;
  };
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as { createLogger: (o: Record<string, unknown>) => unknown; LEVELS: { NOTHING: number } };
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)();
  const cluster = new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }), socketFactory, brokers: [broker.bootstrap],
    clientId: 'tributary-compat-codecs', connectionTimeout: 3000, requestTimeout: 10_000, enforceRequestTimeout: true,
    metadataMaxAge: 300_000, retry: { retries: 2 }, allowAutoTopicCreation: false, maxInFlightRequests: null, isolationLevel: 1,
  });
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const leader = Object.keys(cluster.findLeaderForPartitions(topic, [0]))[0]!;
    const b = await cluster.findBroker({ nodeId: leader });
    const out: string[] = [];
    for (let round = 0; round < 20 && out.length < N; round++) {
      const res = await b.fetch({ maxWaitTime: 100, isolationLevel: 1, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(out.length), maxBytes: 1 << 20 }] }] });
      const p = res.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0, `kafkajs fetch of ${topic}`);
      for (const m of p.messages) if (Number(m.offset) >= out.length) out.push(`${m.offset}|${m.key?.toString()}|${m.value?.toString()}`);
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}

test('every codec from every producer is stored as sent and read by every consumer', { timeout: 90_000 }, async () => {
  const topics = {
    java: Object.fromEntries(CODECS.map((c) => [c, uniqueTopic(`java-${c}`)])) as Record<(typeof CODECS)[number], string>,
    kcat: Object.fromEntries(CODECS.map((c) => [c, uniqueTopic(`kcat-${c}`)])) as Record<(typeof CODECS)[number], string>,
    kafkajs: uniqueTopic('kafkajs-gzip'),
    recompressed: uniqueTopic('to-gzip'),
  };
  for (const t of [...Object.values(topics.java), ...Object.values(topics.kcat), topics.kafkajs]) await createTopic(wire, t, 1);
  await createTopic(wire, topics.recompressed, 1, { 'compression.type': 'gzip' });

  // Producers: Java (all codecs, plus snappy into the gzip topic), kcat (all codecs), kafkajs (gzip).
  const javaProduce = await run(runSh, ['dev.tributary.compat.Scenarios', 'codecs', '--bootstrap-server', broker.bootstrap, '--count', String(N),
    '--produce', [...CODECS.map((c) => `${topics.java[c]}=${c}`), `${topics.recompressed}=snappy`].join(',')], { timeoutMs: 60_000 });
  assert.equal(javaProduce.code, 0, failure('Java codecs produce', javaProduce));
  const lines = expected.map((e) => e.split('|').slice(1).join(':')).join('\n') + '\n';
  for (const c of CODECS) {
    const r = await run(kcat, ['-P', '-b', broker.bootstrap, '-t', topics.kcat[c], '-p', '0', '-K:', '-z', c], { input: lines, timeoutMs: 30_000 });
    assert.equal(r.code, 0, failure(`kcat -P -z ${c}`, r));
  }
  const kafka = new KafkaClient({ clientId: 'tributary-compat-codecs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topics.kafkajs, acks: -1, compression: CompressionTypes.GZIP,
      messages: expected.map((e) => { const [, key, value] = e.split('|'); return { partition: 0, key, value }; }),
    });
  } finally {
    await producer.disconnect();
  }

  // Stored as each client compressed it (compression.type=producer), or as gzip where the topic says so.
  for (const c of CODECS) {
    for (const who of ['java', 'kcat'] as const) {
      const codecs = await storedCodecs(topics[who][c]);
      assert.ok(codecs.length > 0 && codecs.every((x) => x === CODEC_ID[c]), `${who} ${c}: stored batch codecs ${codecs.join(',')}`);
    }
  }
  assert.deepEqual([...new Set(await storedCodecs(topics.kafkajs))], [CODEC_ID.gzip]);
  assert.deepEqual([...new Set(await storedCodecs(topics.recompressed))], [CODEC_ID.gzip], 'snappy from Java recompressed to gzip');

  const all = [...Object.values(topics.java), ...Object.values(topics.kcat), topics.kafkajs, topics.recompressed];
  // Consumers: the Java client (one JVM for every topic), kcat, and kafkajs for the gzip topics.
  const javaRead = await run(runSh, ['dev.tributary.compat.Scenarios', 'codecs', '--bootstrap-server', broker.bootstrap, '--count', String(N),
    '--read', all.join(',')], { timeoutMs: 60_000 });
  assert.equal(javaRead.code, 0, failure('Java codecs read', javaRead));
  const byTopic = new Map<string, string[]>();
  for (const line of javaRead.stdout.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { topic: string; records: string[] };
    byTopic.set(j.topic, j.records);
  }
  for (const t of all) assert.deepEqual(byTopic.get(t), expected, `Java consumer reading ${t}`);

  for (const t of all) {
    const r = await run(kcat, ['-C', '-b', broker.bootstrap, '-t', t, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s\\n'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, failure(`kcat -C ${t}`, r));
    assert.deepEqual(r.stdout.trimEnd().split('\n'), expected, `kcat reading ${t}`);
  }

  for (const t of [topics.java.gzip, topics.kcat.gzip, topics.kafkajs, topics.recompressed]) {
    assert.deepEqual(await kafkajsRead(t), expected, `kafkajs reading ${t}`);
  }
});
