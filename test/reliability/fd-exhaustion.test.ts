// Resource-pressure finding: out of file descriptors (EMFILE) while creating a
// topic's partition logs, the broker threw from the CreateTopics handler (an
// ERROR, the connection closed) after writing the topic's metadata record, and
// left a topic with fewer logs than partitions. Now the creation is rolled back
// and answered KAFKA_STORAGE_ERROR; CreatePartitions likewise answers an error
// and keeps the old count. The broker process gets a low RLIMIT_NOFILE (prlimit).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { brokerServes, errorLines } from './harness/live-fuzz.js';

let broker: BrokerProcess;
let client: WireClient;

before(async () => {
  broker = await startBrokerProcess();
  client = await WireClient.connect(broker.host, broker.port);
  const res = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'grow', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
  execFileSync('prlimit', ['--pid', String(broker.process!.pid), '--nofile=200:200']);
});

after(async () => {
  client?.close();
  await broker?.stop();
});

test('fd exhaustion: CreateTopics beyond the descriptor limit answers KAFKA_STORAGE_ERROR and leaves no half-created topic', async () => {
  const res = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'too-many-fds', numPartitions: 500, replicationFactor: 1 }], timeoutMs: 10_000 });
  assert.equal(ErrorCode[res.topics[0]!.errorCode], 'KAFKA_STORAGE_ERROR');
  assert.match(res.topics[0]!.errorMessage ?? '', /EMFILE/);
  const meta = await client.request(ApiKey.Metadata, 12, { topics: [{ name: 'too-many-fds' }], allowAutoTopicCreation: false });
  assert.equal(ErrorCode[meta.topics[0]!.errorCode], 'UNKNOWN_TOPIC_OR_PARTITION');
  // The descriptors came back: a smaller topic fits, and new connections are served.
  const small = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'fits', numPartitions: 20, replicationFactor: 1 }], timeoutMs: 10_000 });
  assert.equal(ErrorCode[small.topics[0]!.errorCode], 'NONE');
  assert.equal(await brokerServes(broker.host, broker.port), null);
  assert.deepEqual(errorLines(broker.output()), []);
});

test('fd exhaustion: CreatePartitions beyond the descriptor limit answers KAFKA_STORAGE_ERROR and keeps the old count', async () => {
  const res = await client.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'grow', count: 500, assignments: null }], timeoutMs: 10_000, validateOnly: false });
  assert.equal(ErrorCode[res.results[0]!.errorCode], 'KAFKA_STORAGE_ERROR');
  const meta = await client.request(ApiKey.Metadata, 12, { topics: [{ name: 'grow' }], allowAutoTopicCreation: false });
  assert.equal(meta.topics[0]!.partitions.length, 1);
  assert.equal(await brokerServes(broker.host, broker.port), null);
  assert.deepEqual(errorLines(broker.output()), []);
});
