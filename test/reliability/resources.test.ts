// Resource pressure, short version (npm test): 1,000 concurrent connections,
// 20 byte-at-a-time clients beside a normal producer, idle and half-sent
// frames under connections.max.idle.ms (on a broker of its own), oversized frames and batches, 1,000
// partitions through create/metadata/produce/restart
// (test/reliability/harness/resources.ts). `npm run reliability` runs 5,000
// connections, 200 slow clients and 10,000 partitions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { errorLines } from './harness/live-fuzz.js';
import { idleConnections, manyConnections, manyPartitions, oversizedFrames, slowClients } from './harness/resources.js';

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const IDLE_MS = 600;
const TOPIC = 'pressure';
let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess({ args: ['--override', `socket.request.max.bytes=${MAX_REQUEST_BYTES}`] });
  const c = await WireClient.connect(broker.host, broker.port);
  const res = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
  assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
  c.close();
});

after(async () => {
  const errors = errorLines(broker.output());
  await broker?.stop();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

test('1,000 concurrent connections are each answered, and the broker keeps serving', async () => {
  const r = await manyConnections(broker, 1000);
  assert.deepEqual(r.failures, []);
  assert.equal(r.answered, 1000);
  assert.ok(r.brokerFdsWithAllOpen >= 1000, `broker had ${r.brokerFdsWithAllOpen} fds open`);
});

test('20 clients sending a byte every 15 ms do not hold up a normal producer, and all get answers', async () => {
  const r = await slowClients(broker, 20, 15, TOPIC);
  assert.deepEqual(r.failures, []);
  assert.equal(r.slowAnswered, 20);
  assert.ok(r.normalRequests >= 10, `only ${r.normalRequests} normal requests`);
});

test('slow-client finding: connections.max.idle.ms closes silent and half-sent connections, not trickling ones (the property was accepted but had no effect)', async () => {
  // A broker of its own: opening many connections takes longer than this idle timeout.
  const idleBroker = await startBrokerProcess({ args: ['--override', `connections.max.idle.ms=${IDLE_MS}`] });
  const r = await idleConnections(idleBroker, IDLE_MS).finally(() => idleBroker.stop());
  assert.deepEqual(r.failures, []);
  assert.ok(r.halfFrameClosedAfterMs! >= IDLE_MS * 0.9, `closed after ${r.halfFrameClosedAfterMs} ms`);
  assert.ok(r.tricklingAliveAfterMs > IDLE_MS * 2);
});

test('frames over socket.request.max.bytes close the connection; a batch over message.max.bytes is MESSAGE_TOO_LARGE', async () => {
  const r = await oversizedFrames(broker, MAX_REQUEST_BYTES, TOPIC);
  assert.deepEqual(r.failures, []);
  assert.equal(r.batchOverMaxMessageBytes, 'MESSAGE_TOO_LARGE');
});

test('1,000 partitions: created, listed, produced to and intact after a restart', async () => {
  const r = await manyPartitions((dataDir) => startBrokerProcess(dataDir === undefined ? { cleanup: false } : { dataDir }), 1000, 50);
  assert.deepEqual(r.failures, []);
  assert.equal(r.producedPartitions, 50);
});
