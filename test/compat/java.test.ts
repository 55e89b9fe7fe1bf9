// The Apache Kafka Java client and CLI tools (4.x, from compat/java) against the broker:
// the classes behind kafka-topics.sh, kafka-console-producer.sh and
// kafka-console-consumer.sh, used with the same options, plus our Scenarios driver.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from './clients.js';

const TOPICS = 'org.apache.kafka.tools.TopicCommand';
const PRODUCER = 'org.apache.kafka.tools.ConsoleProducer';
const CONSUMER = 'org.apache.kafka.tools.consumer.ConsoleConsumer';
const SCENARIOS = 'dev.tributary.compat.Scenarios';

let broker: BrokerProcess;
let runSh: string;

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess();
});

after(async () => {
  await broker?.stop();
});

async function java(main: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const r = await run(runSh, [main, ...args], { timeoutMs: 30_000, ...opts });
  const failure = `${describe(main.replace(/.*\./, ''), r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
  return { ...r, failure };
}

test('kafka-topics --create, --list, --describe', async () => {
  const topic = uniqueTopic('java-topics');
  const bs = ['--bootstrap-server', broker.bootstrap];

  const created = await java(TOPICS, [...bs, '--create', '--topic', topic, '--partitions', '3', '--replication-factor', '1']);
  assert.equal(created.code, 0, created.failure);
  assert.match(created.stdout, new RegExp(`Created topic ${topic}\\.`), created.failure);

  const listed = await java(TOPICS, [...bs, '--list']);
  assert.equal(listed.code, 0, listed.failure);
  assert.ok(listed.stdout.split('\n').includes(topic), listed.failure);

  const described = await java(TOPICS, [...bs, '--describe', '--topic', topic]);
  assert.equal(described.code, 0, described.failure);
  assert.match(described.stdout, /PartitionCount: 3\s+ReplicationFactor: 1/, described.failure);
  for (const p of [0, 1, 2]) {
    assert.match(described.stdout, new RegExp(`Topic: ${topic}\\s+Partition: ${p}\\s+Leader: \\d+\\s+Replicas: \\d+\\s+Isr: \\d+`),
      described.failure);
  }

  const again = await java(TOPICS, [...bs, '--create', '--topic', topic, '--partitions', '3', '--replication-factor', '1']);
  assert.notEqual(again.code, 0, 'creating an existing topic must fail');
  assert.match(again.stdout + again.stderr, /already exists/, again.failure);
});

test('console producer then console consumer on an assigned partition (no group)', async () => {
  const topic = uniqueTopic('java-console');
  const bs = ['--bootstrap-server', broker.bootstrap];
  const created = await java(TOPICS, [...bs, '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1']);
  assert.equal(created.code, 0, created.failure);

  const lines = Array.from({ length: 50 }, (_, i) => `k${i}:value ${i} ✓`);
  const produced = await java(PRODUCER, [...bs, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'],
    { input: lines.join('\n') + '\n' });
  assert.equal(produced.code, 0, produced.failure);

  // --partition makes the console consumer assign() instead of joining a group.
  const consumed = await java(CONSUMER, [...bs, '--topic', topic, '--partition', '0', '--from-beginning',
    '--max-messages', String(lines.length), '--timeout-ms', '20000',
    '--property', 'print.key=true', '--property', 'key.separator=:']);
  assert.equal(consumed.code, 0, consumed.failure);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), lines, consumed.failure);
  assert.match(consumed.stderr, new RegExp(`Processed a total of ${lines.length} messages`), consumed.failure);
});

test('console consumer --from-beginning --max-messages (consumer group)', async () => {
  const topic = uniqueTopic('java-console-group');
  const bs = ['--bootstrap-server', broker.bootstrap];
  const created = await java(TOPICS, [...bs, '--create', '--topic', topic, '--partitions', '3', '--replication-factor', '1']);
  assert.equal(created.code, 0, created.failure);
  const lines = Array.from({ length: 30 }, (_, i) => `line-${i}`);
  const produced = await java(PRODUCER, [...bs, '--topic', topic], { input: lines.join('\n') + '\n' });
  assert.equal(produced.code, 0, produced.failure);
  const consumed = await java(CONSUMER, [...bs, '--topic', topic, '--from-beginning', '--max-messages', String(lines.length),
    '--timeout-ms', '10000']);
  assert.equal(consumed.code, 0, consumed.failure);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n').sort(), [...lines].sort(), consumed.failure);
});

test('Scenarios produce-consume: keys, headers, acks=all, idempotent; read back by assignment', async () => {
  const topic = uniqueTopic('java-scenario');
  const count = 5000;
  const r = await java(SCENARIOS, ['produce-consume', '--bootstrap-server', broker.bootstrap, '--topic', topic,
    '--partitions', '3', '--count', String(count), '--timeout-ms', '30000'], { timeoutMs: 45_000 });
  assert.equal(r.code, 0, r.failure);
  const summary = lastJson(r);
  assert.equal(summary['produced'], count, r.failure);
  assert.equal(summary['consumed'], count, r.failure);
  assert.equal(summary['match'], true, r.failure);
  assert.equal(summary['producedHash'], summary['consumedHash'], r.failure);
  const partitions = summary['partitions'] as Record<string, { first: number; last: number; count: number }>;
  assert.deepEqual(Object.keys(partitions).sort(), ['0', '1', '2'], r.failure);
  let total = 0;
  for (const p of Object.values(partitions)) {
    assert.equal(p.first, 0, r.failure);
    assert.equal(p.last, p.count - 1, 'offsets are dense from 0');
    total += p.count;
  }
  assert.equal(total, count);
});
