// max.connections, max.connections.per.ip(.overrides) and queued.max.requests
// on a broker started in this process, over real TCP sockets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ApiKey, ErrorCode, type FetchResponse } from '../../src/protocol/generated/index.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { startSecureBroker } from '../helpers/secure-broker.js';
import { makeTestCerts } from '../helpers/test-certs.js';
import { WireClient } from '../helpers/wire-client.js';

const brokers: EmbeddedBroker[] = [];
const clients: WireClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const b of brokers) await b.stop();
});

async function broker(overrides: string[]): Promise<EmbeddedBroker> {
  const b = await startEmbeddedBroker({ overrides });
  brokers.push(b);
  return b;
}

async function connect(b: EmbeddedBroker): Promise<WireClient> {
  const c = await WireClient.connect(b.host, b.port);
  clients.push(c);
  return c;
}

function apiVersions(c: WireClient): Promise<unknown> {
  return c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'limits-test', clientSoftwareVersion: '1' });
}

/** A connection the broker serves: ApiVersions answered. */
async function served(b: EmbeddedBroker): Promise<WireClient> {
  const c = await connect(b);
  await apiVersions(c);
  return c;
}

/** Resolves true once `p` settles, false if it has not within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setBrokerConfig(c: WireClient, resourceName: string, name: string, value: string): Promise<void> {
  const r = await c.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 4, resourceName, configs: [{ name, configOperation: 0, value }] }], validateOnly: false,
  });
  assert.equal(ErrorCode[r.responses[0]!.errorCode], 'NONE', r.responses[0]!.errorMessage ?? '');
}

test('max.connections=3: a 4th connection is accepted by TCP but not answered until one of the 3 closes', async () => {
  // The platform's own in-process clients (the Schema Registry) are running and not counted.
  const b = await broker(['max.connections=3']);
  const [first] = [await served(b), await served(b), await served(b)];
  const fourth = await connect(b);
  const answered = apiVersions(fourth);
  assert.equal(await settlesWithin(answered, 500), false, 'the 4th is not answered while 3 are open');
  assert.equal(fourth.isClosed, false, 'and not closed either: it waits, as Kafka\'s acceptor does');
  const fifth = await connect(b);
  const fifthAnswered = apiVersions(fifth);
  const closedAt = Date.now();
  first!.close();
  assert.equal(await settlesWithin(answered, 3000), true, 'answered once a slot freed');
  await answered;
  assert.ok(Date.now() - closedAt < 3000);
  assert.equal(await settlesWithin(fifthAnswered, 300), false, 'the 5th waits for the next slot (first come, first served)');
  fourth.close();
  await fifthAnswered;
});

test('max.connections counts TLS connections too (once their handshake is done) and holds the one over the limit', async () => {
  const certs = makeTestCerts();
  const b = await startSecureBroker({
    listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverPem, 'max.connections': '1',
  });
  const tls = { ca: readFileSync(certs.caCert), servername: 'localhost' };
  try {
    const first = await WireClient.connectTls('127.0.0.1', b.port('SSL'), tls);
    clients.push(first);
    await apiVersions(first);
    const second = await WireClient.connectTls('127.0.0.1', b.port('SSL'), tls);
    clients.push(second);
    const answered = apiVersions(second);
    assert.equal(await settlesWithin(answered, 500), false, 'the second TLS connection waits');
    first.close();
    assert.equal(await settlesWithin(answered, 3000), true, 'and is served, its request intact, once the first closed');
    await answered;
  } finally {
    await b.stop();
    certs.remove();
  }
});

test('max.connections.per.ip=2: the 3rd connection from 127.0.0.1 is closed at once; a close makes room', async () => {
  const b = await broker(['max.connections.per.ip=2']);
  const [first] = [await served(b), await served(b)];
  const third = await connect(b);
  assert.equal(await third.waitForClose(2000), true, 'closed by the broker');
  await assert.rejects(apiVersions(third));
  first!.close();
  // The slot is free once the broker has seen the close; then a new connection is served.
  for (let attempt = 1; ; attempt++) {
    const c = await connect(b);
    const ok = await apiVersions(c).then(() => true, () => false);
    if (ok) break;
    assert.ok(attempt < 20, 'no connection served after one closed');
    await sleep(50);
  }
});

test('max.connections.per.ip.overrides raises the limit for 127.0.0.1', async () => {
  const b = await broker(['max.connections.per.ip=1', 'max.connections.per.ip.overrides=127.0.0.1:3']);
  await served(b);
  await served(b);
  await served(b);
  const fourth = await connect(b);
  assert.equal(await fourth.waitForClose(2000), true, 'the 4th is over the override');
});

test('max.connections changed with IncrementalAlterConfigs applies to the next connection, and raising it admits the waiting ones', async () => {
  const b = await broker([]);
  const admin = await served(b);
  const other = await served(b);
  // Cluster-wide default, as `kafka-configs --entity-type brokers --entity-default` sets it.
  await setBrokerConfig(admin, '', 'max.connections', '2');
  const third = await connect(b);
  const thirdAnswered = apiVersions(third);
  assert.equal(await settlesWithin(thirdAnswered, 500), false, 'the next connection waits under the new limit');
  // Per broker, over the default: the waiting connection is admitted without any close.
  await setBrokerConfig(admin, '1', 'max.connections', '3');
  assert.equal(await settlesWithin(thirdAnswered, 2000), true, 'admitted when the limit was raised');
  const described = await admin.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['max.connections'] }], includeSynonyms: false, includeDocumentation: false,
  });
  const entry = described.results[0]!.configs[0]!;
  assert.deepEqual([entry.name, entry.value, entry.readOnly], ['max.connections', '3', false]);
  other.close();
});

/** Fetch of partition 0 from offset 0, waiting up to maxWaitMs for one byte. */
function longPoll(c: WireClient, topic: string, maxWaitMs: number): Promise<FetchResponse> {
  return c.request(ApiKey.Fetch, 12, {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
  });
}

function produceOne(c: WireClient, topic: string): Promise<unknown> {
  const records = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], Date.now());
  return c.request(ApiKey.Produce, 9, { acks: 1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
}

function recordBytes(r: FetchResponse): number {
  return r.responses[0]!.partitions[0]!.records?.length ?? 0;
}

test('queued.max.requests=2: a third pipelined request is not handled until one of the first two is answered', async () => {
  const b = await broker(['queued.max.requests=2']);
  const admin = await served(b);
  for (const topic of ['control', 'limited']) {
    const r = await admin.request(ApiKey.CreateTopics, 7, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE);
  }

  // Control, within the limit: a produce read behind a long poll wakes it at once.
  const control = await served(b);
  const t0 = Date.now();
  const [polled] = await Promise.all([longPoll(control, 'control', 10_000), produceOne(control, 'control')]);
  assert.ok(recordBytes(polled) > 0 && Date.now() - t0 < 3000, 'the long poll got the produced record at once');

  // Over the limit: two long polls, then the produce. Were the produce handled on arrival, both polls would get
  // its record at once; it is handled only after the first poll times out empty, and then wakes the second.
  const c = await served(b);
  const start = Date.now();
  const first = longPoll(c, 'limited', 600);
  const second = longPoll(c, 'limited', 10_000);
  const produced = produceOne(c, 'limited');
  const firstResult = await first;
  const firstAt = Date.now() - start;
  const secondResult = await second;
  const secondAt = Date.now() - start;
  await produced;
  assert.equal(recordBytes(firstResult), 0, 'the first poll saw no record: the produce had not been handled');
  assert.ok(firstAt >= 550, `the first poll ran its full wait (${firstAt} ms)`);
  assert.ok(recordBytes(secondResult) > 0, 'the second poll got the record the produce wrote once it was read');
  assert.ok(secondAt < 5000, `the produce was read as soon as the first poll was answered (second answered after ${secondAt} ms)`);
});
