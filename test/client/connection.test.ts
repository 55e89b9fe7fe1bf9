// The client's connections, with a broker behind a proxy that loses
// responses on purpose: version negotiation, pipelining, request timeouts,
// clean close, connection loss failing what is in flight with a retriable
// error, and the idempotent producer surviving a lost Produce response with
// no duplicate and no reordering.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Apis } from '../../src/client/apis.js';
import { BrokerConnection } from '../../src/client/connection.js';
import { ErrorCode, KafkaClient, KafkaClientError, type Assignment } from '../../src/client/index.js';
import { configFromOptions, type RunningPlatform } from '../../src/cli/start.js';
import { startPlatform } from '../../src/platform.js';
import { ApiKey, ApiVersionsResponseMessage } from '../../src/protocol/generated/index.js';
import { decodeRequestHeader, encodeResponseHeader } from '../../src/protocol/headers.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { watchBrokerErrors } from '../integration/support.js';
import { FaultProxy } from './fault-proxy.js';
import { rejectsWith, sleep, uniqueTopic } from './support.js';

let proxy: FaultProxy;
let platform: RunningPlatform;
let dataDir: string;
let client: KafkaClient;
const watch = watchBrokerErrors();
const connOpts = { clientId: 'connection-test', requestTimeoutMs: 10_000 };

before(async () => {
  proxy = await FaultProxy.start();
  dataDir = mkdtempSync(join(tmpdir(), 'tributary-client-conn-'));
  // The broker advertises the proxy, so every connection the client opens goes through it.
  platform = await startPlatform(configFromOptions({
    dataDir, httpPort: 0,
    overrides: ['listeners=PLAINTEXT://127.0.0.1:0', `advertised.listeners=PLAINTEXT://127.0.0.1:${proxy.port}`, 'group.initial.rebalance.delay.ms=0'],
  }));
  proxy.target = { host: '127.0.0.1', port: platform.kafka[0]!.port };
  client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${proxy.port}`], requestTimeoutMs: 10_000 });
});

after(async () => {
  await client.close();
  await proxy.close();
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

async function openConnection(): Promise<BrokerConnection> {
  return BrokerConnection.connect('127.0.0.1', proxy.port, connOpts);
}

/** A Fetch of partition 0 that waits up to maxWaitMs on the broker for data that never comes. */
async function longFetch(conn: BrokerConnection, topic: string, maxWaitMs: number, timeoutMs?: number) {
  const d = await client.describeTopic(topic);
  return conn.request(Apis.Fetch, (v) => ({
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: v >= 13 ? '' : topic, topicId: d!.topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
  }), timeoutMs === undefined ? {} : { timeoutMs });
}

test('versions: the highest both sides support', async () => {
  const conn = await openConnection();
  try {
    // The broker serves Produce 3-11, Fetch 4-17, Metadata 0-12, JoinGroup 0-9 (its handler table).
    assert.equal(conn.versionFor(Apis.Produce), 11);
    assert.equal(conn.versionFor(Apis.Fetch), 17);
    assert.equal(conn.versionFor(Apis.Metadata), 12);
    assert.equal(conn.versionFor(Apis.JoinGroup), 9);
  } finally {
    await conn.close();
  }
});

test('pipelined requests of different APIs each get their own response', async () => {
  const topic = uniqueTopic('pipeline');
  await client.createTopic(topic, { partitions: 2 });
  const conn = await openConnection();
  try {
    const before = proxy.requests.length;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0
      ? conn.request(Apis.Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false }).then((r) => `m:${r.topics[0]!.partitions.length}`)
      : conn.request(Apis.DescribeConfigs, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['cleanup.policy'] }] }).then((r) => `c:${r.results[0]!.configs[0]!.value}`))));
    assert.deepEqual(results, Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'm:2' : 'c:delete')));
    assert.equal(proxy.requests.length - before, 30, 'all on the one connection, none resent');
  } finally {
    await conn.close();
  }
});

test('a lost connection fails every request in flight with a retriable error', async () => {
  const topic = uniqueTopic('lost');
  await client.createTopic(topic, { partitions: 1 });
  const conn = await openConnection();
  const pending = [longFetch(conn, topic, 5000), longFetch(conn, topic, 5000)];
  await sleep(100);
  proxy.cutAll();
  for (const p of pending) {
    const err = await rejectsWith(p, ErrorCode.NETWORK_EXCEPTION, /Fetch: connection to 127\.0\.0\.1:\d+ was lost/);
    assert.equal(err.retriable, true);
  }
  assert.equal(conn.closed, true);
  await rejectsWith(conn.request(Apis.Metadata, { topics: [] }), ErrorCode.NETWORK_EXCEPTION, /closed/);
  // The client itself reconnects on its next request.
  await client.producer().send(topic, [{ key: null, value: Buffer.from('after the cut') }]);
  assert.deepEqual((await client.fetch(topic, 0, 0)).records.map((r) => r.value?.toString()), ['after the cut']);
});

test('a request without a response in time fails with REQUEST_TIMED_OUT and the connection is dropped', async () => {
  const topic = uniqueTopic('timeout');
  await client.createTopic(topic, { partitions: 1 });
  const conn = await openConnection();
  const err = await rejectsWith(longFetch(conn, topic, 3000, 200), ErrorCode.REQUEST_TIMED_OUT, /Fetch to 127\.0\.0\.1:\d+ got no response within 200 ms/);
  assert.equal(err.retriable, true);
  await conn.whenClosed;
  assert.equal(conn.closed, true);
});

test('close lets the requests in flight finish first', async () => {
  const topic = uniqueTopic('close');
  await client.createTopic(topic, { partitions: 1 });
  const conn = await openConnection();
  const started = Date.now();
  const fetch = longFetch(conn, topic, 300);
  await sleep(20);
  await conn.close();
  const res = await fetch;
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.ok(Date.now() - started >= 250, 'the fetch ran its course');
  assert.equal(conn.closed, true);
});

test('the idempotent producer survives lost Produce responses: no duplicates, order kept', async () => {
  const topic = uniqueTopic('lost-produce');
  await client.createTopic(topic, { partitions: 1 });
  const producer = client.producer();
  const value = (i: number): Buffer => Buffer.from(`record-${i}`);
  const first = await producer.send(topic, [0, 1].map((i) => ({ key: null, value: value(i) })));
  assert.deepEqual(first.map((r) => r.offset), [0, 1]);

  // One batch alone: written, its response lost, resent, and answered with its original offsets.
  const lost = proxy.loseResponseOf(ApiKey.Produce);
  const retried = await producer.send(topic, [2, 3].map((i) => ({ key: null, value: value(i) })));
  await lost;
  assert.deepEqual(retried.map((r) => r.offset), [2, 3]);

  // Several sends in flight at once while two responses are lost on the way.
  const lostTwo = proxy.loseResponseOf(ApiKey.Produce, 2);
  const sends = Array.from({ length: 6 }, (_, n) => producer.send(topic, [4 + 2 * n, 5 + 2 * n].map((i) => ({ key: null, value: value(i) }))));
  const results = await Promise.all(sends);
  await lostTwo;
  assert.deepEqual(results.flat().map((r) => r.offset), Array.from({ length: 12 }, (_, i) => 4 + i));

  const res = await client.fetch(topic, 0, 0);
  assert.equal(res.highWatermark, 16, 'nothing was written twice');
  assert.deepEqual(res.records.map((r) => r.value?.toString()), Array.from({ length: 16 }, (_, i) => `record-${i}`));
});

test('a member the coordinator expired (its heartbeats stalled) rejoins the group', async () => {
  const groupId = uniqueTopic('stalled');
  const stalls = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${proxy.port}`], clientId: 'stalls', requestTimeoutMs: 2000 });
  const events: string[] = [];
  const join = (c: KafkaClient, name: string, log: Assignment[]) => c.joinGroup(groupId, {
    protocolType: 'sr', protocols: [{ name: 'v0', metadata: Buffer.from(name) }], sessionTimeoutMs: 6000, rebalanceTimeoutMs: 10_000,
    assign: (members) => new Map(members.map((m) => [m.memberId, Buffer.from(`${members.length}`)])),
    onAssigned: (a) => log.push(a),
    onRevoked: () => events.push(`${name} revoked`),
  });
  const aLog: Assignment[] = [];
  const bLog: Assignment[] = [];
  try {
    const a = await join(stalls, 'a', aLog);
    const b = await join(client, 'b', bLog);
    await waitFor(() => aLog.at(-1)?.generation === bLog.at(-1)?.generation);
    const generation = bLog.at(-1)!.generation;
    const staleId = a.memberId;

    proxy.blackhole(ApiKey.Heartbeat, 'stalls');
    // The session of 'a' expires; 'b' is alone in the next generation.
    await waitFor(() => bLog.at(-1)!.generation > generation && bLog.at(-1)!.assignment.toString() === '1', 20_000);
    assert.equal(b.isLeader, true);
    proxy.restore();
    // The next heartbeat of 'a' is refused; it drops its assignment and joins again.
    await waitFor(() => aLog.length > 1 && aLog.at(-1)!.generation === bLog.at(-1)!.generation && bLog.at(-1)!.assignment.toString() === '2', 20_000);
    assert.ok(events.includes('a revoked'));
    assert.equal(aLog.at(-1)!.assignment.toString(), '2');
    assert.equal([a, b].filter((m) => m.isLeader).length, 1);
    assert.notEqual(a.memberId, '');
    assert.notEqual(a.memberId, staleId, 'the expired member id is not reused');
    await b.leave();
  } finally {
    proxy.restore();
    await stalls.close();
  }
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('timed out waiting for a condition');
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------
// A fake broker for ApiVersions negotiation (KIP-511).

async function fakeBroker(answer: (apiKey: number, version: number, correlationId: number, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const h = decodeRequestHeader(new Reader(frame));
        answer(h.apiKey, h.apiVersion, h.correlationId, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return { server, port: typeof a === 'object' && a !== null ? a.port : 0 };
}

function apiVersionsFrame(version: number, correlationId: number, errorCode: number, keys: { apiKey: number; minVersion: number; maxVersion: number }[]): Buffer {
  const w = new Writer();
  w.int32(0);
  encodeResponseHeader(w, ApiKey.ApiVersions, version, correlationId);
  ApiVersionsResponseMessage.encode(w, version, { errorCode, apiKeys: keys });
  const b = w.toBuffer();
  b.writeInt32BE(b.length - 4, 0);
  return b;
}

test('ApiVersions: an UNSUPPORTED_VERSION answer in v0 leads to a retry in the broker\'s version', async () => {
  const seen: number[] = [];
  const keys = [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }, { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 2 }, { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 20 }];
  const { server, port } = await fakeBroker((apiKey, version, correlationId, socket) => {
    assert.equal(apiKey, ApiKey.ApiVersions);
    seen.push(version);
    socket.write(version > 2 ? apiVersionsFrame(0, correlationId, ErrorCode.UNSUPPORTED_VERSION, keys) : apiVersionsFrame(version, correlationId, 0, keys));
  });
  try {
    const conn = await BrokerConnection.connect('127.0.0.1', port, connOpts);
    assert.deepEqual(seen, [Apis.ApiVersions.maxVersion, 2]);
    assert.equal(conn.versionFor(Apis.Metadata), Apis.Metadata.maxVersion, 'capped at the client\'s own maximum');
    assert.throws(() => conn.versionFor(Apis.Produce), (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.UNSUPPORTED_VERSION
      && /supports versions 0-2 of Produce; the client needs 3-11/.test(e.message));
    assert.throws(() => conn.versionFor(Apis.Fetch), /does not support Fetch/);
    await rejectsWith(conn.request(Apis.Fetch, {}), ErrorCode.UNSUPPORTED_VERSION, /does not support Fetch/);
    conn.destroy();
  } finally {
    server.close();
  }
});

test('a response frame with an absurd size ends the connection instead of allocating it', async () => {
  const { server, port } = await fakeBroker((_apiKey, version, correlationId, socket) => {
    if (version === Apis.ApiVersions.maxVersion && correlationId === 1) {
      socket.write(apiVersionsFrame(version, correlationId, 0, [{ apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 }]));
      return;
    }
    const evil = Buffer.alloc(8);
    evil.writeInt32BE(0x7ffffff0, 0);
    socket.write(evil);
  });
  try {
    const conn = await BrokerConnection.connect('127.0.0.1', port, connOpts);
    await rejectsWith(conn.request(Apis.Metadata, { topics: [] }), ErrorCode.NETWORK_EXCEPTION, /response frame size 2147483632 is outside/);
    await conn.whenClosed;
  } finally {
    server.close();
  }
});
