// Kafka's Java admin tooling (4.1.1) against the broker: TopicCommand
// --alter --partitions, DeleteRecordsCommand with its JSON file,
// LeaderElectionCommand, the AdminClient calls behind kafka-configs.sh and
// kafka-log-dirs.sh (AdminScenarios: ConfigCommand is in the core jar), and a
// consumer whose seek carries a leader epoch (validated with OffsetForLeaderEpoch).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, produce } from '../integration/support.js';
import { describe, requireJava, run, uniqueTopic } from './clients.js';

const ADMIN = 'dev.tributary.compat.AdminScenarios';
const TOPICS_TOOL = 'org.apache.kafka.tools.TopicCommand';
const DELETE_RECORDS_TOOL = 'org.apache.kafka.tools.DeleteRecordsCommand';
const ELECTION_TOOL = 'org.apache.kafka.tools.LeaderElectionCommand';

let broker: BrokerProcess;
let runSh: string;
let c: WireClient;
let tmp: string;

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess();
  c = await WireClient.connect(broker.host, broker.port);
  tmp = mkdtempSync(join(tmpdir(), 'tributary-java-admin-'));
});

after(async () => {
  c?.close();
  await broker?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

async function java(main: string, args: string[]) {
  const r = await run(runSh, [main, ...args], { timeoutMs: 40_000 });
  return { ...r, text: describe(main, r) };
}

function line(stdout: string, prefix: string): string {
  const l = stdout.split('\n').find((x) => x.startsWith(prefix + ' '));
  assert.ok(l !== undefined, `no "${prefix}" line in:\n${stdout}`);
  return l.slice(prefix.length + 1);
}

test('kafka-topics --alter --partitions, kafka-delete-records, kafka-leader-election', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('java-admin');
  await createTopic(c, topic, 1);
  assertError((await produce(c, topic, 0, buildSimpleBatch(10))).errorCode, ErrorCode.NONE);

  let r = await java(TOPICS_TOOL, ['--bootstrap-server', broker.bootstrap, '--alter', '--topic', topic, '--partitions', '3']);
  assert.equal(r.code, 0, r.text);
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  assert.equal(meta.topics[0]!.partitions.length, 3);
  r = await java(TOPICS_TOOL, ['--bootstrap-server', broker.bootstrap, '--alter', '--topic', topic, '--partitions', '2']);
  assert.notEqual(r.code, 0, 'decreasing partitions must fail');
  assert.match(r.stdout + r.stderr, /InvalidPartitionsException|would not be an increase/, r.text);

  const json = join(tmp, 'offsets.json');
  writeFileSync(json, JSON.stringify({ partitions: [{ topic, partition: 0, offset: 4 }], version: 1 }));
  r = await java(DELETE_RECORDS_TOOL, ['--bootstrap-server', broker.bootstrap, '--offset-json-file', json]);
  assert.equal(r.code, 0, r.text);
  assert.match(r.stdout, new RegExp(`partition: ${topic}-0\\s+low_watermark: 4`), r.text);
  const lo = await c.request(ApiKey.ListOffsets, 7, {
    replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2 }] }],
  });
  assert.equal(Number(lo.topics[0]!.partitions[0]!.offset), 4);

  r = await java(ELECTION_TOOL, ['--bootstrap-server', broker.bootstrap, '--election-type', 'preferred', '--topic', topic, '--partition', '0']);
  assert.match(r.stdout + r.stderr, /Valid replica already elected for partitions/, r.text);
});

test('kafka-configs equivalent (AdminClient incrementalAlterConfigs/describeConfigs) and kafka-log-dirs', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('java-configs');
  await createTopic(c, topic, 1);
  assertError((await produce(c, topic, 0, buildSimpleBatch(3))).errorCode, ErrorCode.NONE);
  let r = await java(ADMIN, ['configs', '--bootstrap-server', broker.bootstrap, '--topic', topic]);
  assert.equal(r.code, 0, r.text);
  assert.equal(line(r.stdout, 'TOPIC retention.ms'), '3600000 DYNAMIC_TOPIC_CONFIG');
  assert.equal(line(r.stdout, 'TOPIC cleanup.policy'), 'delete,compact DYNAMIC_TOPIC_CONFIG');
  assert.equal(line(r.stdout, 'TOPIC-DELETED retention.ms'), '604800000 DEFAULT_CONFIG');
  assert.equal(line(r.stdout, 'ERROR bad-value'), 'InvalidConfigurationException');
  assert.equal(line(r.stdout, 'ERROR unknown-name'), 'InvalidConfigurationException');
  assert.equal(line(r.stdout, 'ERROR unknown-topic'), 'UnknownTopicOrPartitionException');
  assert.equal(line(r.stdout, 'BROKER log.retention.bytes'), '1048576000 DYNAMIC_BROKER_CONFIG');
  assert.equal(line(r.stdout, 'BROKER log.retention.ms'), '7200000 DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.equal(line(r.stdout, 'TOPIC-INHERITED retention.ms'), '7200000 DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.equal(line(r.stdout, 'ERROR read-only'), 'InvalidRequestException');
  assert.equal(line(r.stdout, 'BROKER-DELETED log.retention.bytes'), '-1 DEFAULT_CONFIG');

  r = await java(ADMIN, ['log-dirs', '--bootstrap-server', broker.bootstrap, '--topic', topic]);
  assert.equal(r.code, 0, r.text);
  const [dir, err, total, usable] = line(r.stdout, 'DIR').split(' ');
  assert.equal(dir, broker.dataDir);
  assert.equal(err, 'none');
  assert.ok(Number(total) > 0 && Number(usable) > 0, r.text);
  const [partition, size, lag] = line(r.stdout, 'REPLICA').split(' ').map(Number);
  assert.equal(partition, 0);
  assert.equal(size, buildSimpleBatch(3).length);
  assert.equal(lag, 0);
  assert.equal(line(r.stdout, 'REASSIGNMENTS'), '0');
});

test('a Java consumer validates a seek with a leader epoch (OffsetForLeaderEpoch) and fetches from it', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('java-ofle');
  await createTopic(c, topic, 1);
  assertError((await produce(c, topic, 0, buildSimpleBatch(6))).errorCode, ErrorCode.NONE);
  const r = await java(ADMIN, ['validate-position', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--offset', '2']);
  assert.equal(r.code, 0, r.text);
  assert.equal(line(r.stdout, 'FIRST'), '2');
  // Beyond the end of epoch 0: only OffsetForLeaderEpoch can tell the consumer (a plain fetch would be out of range).
  const beyond = await java(ADMIN, ['validate-position', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--offset', '100']);
  assert.match(line(beyond.stdout, 'FAILED'), /^LogTruncationException .*offset=6, leaderEpoch=0/, beyond.text);
});
