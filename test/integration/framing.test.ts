// Framing over a real listener: pipelined requests come back in request order
// (a slow long-poll Fetch holds back the fast request behind it), and hostile
// frames close the connection without hurting the broker or other clients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type MetadataResponse } from '../../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js';
import { Writer } from '../../src/protocol/writer.js';
import { assertError, asStored, createTopic, fetchPartition, produce, splitBatches, uniqueTopic } from './support.js';

const MAX_REQUEST_BYTES = 1024;

let broker: EmbeddedBroker;
let topic: string;

before(async () => {
  broker = await startEmbeddedBroker({ overrides: [`socket.request.max.bytes=${MAX_REQUEST_BYTES}`] });
  topic = uniqueTopic('framing');
  const c = await WireClient.connect(broker.host, broker.port);
  await createTopic(c, topic, 2);
  c.close();
});

after(async () => {
  await broker?.stop();
});

/** A fresh connection gets an ordinary answer: the broker survived whatever came before. */
async function assertBrokerServes(): Promise<void> {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const res = await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] });
    assert.equal(res.topics.length, 1);
    assertError(res.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(res.brokers[0]!.port, broker.port);
  } finally {
    c.close();
  }
}

/** Sends bytes on a new connection and asserts that the broker closes it. */
async function assertClosedBy(bytes: Buffer, what: string): Promise<void> {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    await c.sendRaw(bytes);
    assert.equal(await c.waitForClose(3000), true, `the broker should close the connection after ${what}`);
    assert.equal(c.closedByServer, true);
  } finally {
    c.close();
  }
  await assertBrokerServes();
}

/** A Metadata v1 frame listing no topics, padded through the client id to exactly `size` bytes after the prefix. */
function metadataFrameOfSize(size: number, correlationId: number): Buffer {
  const body = (w: Writer) => w.int32(0); // topics: empty array
  const bare = encodeRequestFrame(ApiKey.Metadata, 1, correlationId, '', body);
  const pad = size - (bare.length - 4);
  assert.ok(pad >= 0);
  const frame = encodeRequestFrame(ApiKey.Metadata, 1, correlationId, 'x'.repeat(pad), body);
  assert.equal(frame.length - 4, size);
  return frame;
}

test('pipelined requests are answered in request order with their own correlation ids', async () => {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const batch = buildSimpleBatch(3);
    // Sent back to back before any response is read.
    const sent = [
      c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'pipeline', clientSoftwareVersion: '1' }, { correlationId: 100 }),
      c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] }, { correlationId: 7 }),
      c.request(ApiKey.Produce, 9, { acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(batch) }] }] }, { correlationId: -5 }),
      c.request(ApiKey.ListOffsets, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] }, { correlationId: 2_000_000_000 }),
      c.request(ApiKey.Fetch, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] }, { correlationId: 0 }),
      c.request(ApiKey.DescribeCluster, 0, {}, { correlationId: 8 }),
    ] as const;
    assert.equal(c.outstanding, 6);
    const [versions, metadata, produced, offsets, fetched, cluster] = await Promise.all(sent);
    assert.deepEqual(c.received.map((r) => r.correlationId), [100, 7, -5, 2_000_000_000, 0, 8]);
    assert.deepEqual(c.received.map((r) => r.apiKey), [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.ListOffsets, ApiKey.Fetch, ApiKey.DescribeCluster]);
    assertError(versions.errorCode, ErrorCode.NONE);
    assert.equal(metadata.topics[0]!.name, topic);
    const p = produced.responses[0]!.partitionResponses[0]!;
    assertError(p.errorCode, ErrorCode.NONE);
    // Later requests see the effect of earlier ones: they run in order.
    assert.equal(offsets.topics[0]!.partitions[0]!.offset, p.baseOffset + 3);
    const records = fetched.responses[0]!.partitions[0]!.records!;
    const last = splitBatches(records).batches.at(-1)!;
    assert.deepEqual(last.bytes, asStored(batch, p.baseOffset));
    assert.equal(cluster.clusterId, metadata.clusterId);
  } finally {
    c.close();
  }
});

test('a fast Metadata pipelined behind a long-polling Fetch waits for it', async () => {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    // Partition 1 stays empty, so this fetch waits its full max_wait_ms.
    const start = Date.now();
    const slow = c.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 600, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    }, { correlationId: 1 });
    const fast = c.request(ApiKey.Metadata, 12, { topics: null }, { correlationId: 2 });
    const [fetched, metadata] = await Promise.all([slow, fast]);
    assert.deepEqual(c.received.map((r) => r.correlationId), [1, 2]);
    const [fetchAt, metadataAt] = c.received.map((r) => r.at - start);
    assert.ok(fetchAt! >= 550, `the fetch waited ${fetchAt} ms of its 600`);
    assert.ok(metadataAt! >= fetchAt!, `metadata answered at ${metadataAt} ms, before the fetch at ${fetchAt} ms`);
    assert.equal(fetched.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
    assert.ok(metadata.topics.some((t) => t.name === topic));
  } finally {
    c.close();
  }
});

test('500 pipelined requests (past the in-flight limit, so reading pauses and resumes) all come back in order', async () => {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const sent = Array.from({ length: 500 }, (_, i) => i % 3 === 0
      ? c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'many', clientSoftwareVersion: '1' }, { correlationId: 10_000 + i })
      : c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] }, { correlationId: 10_000 + i }));
    await Promise.all(sent);
    assert.deepEqual(c.received.map((r) => r.correlationId), Array.from({ length: 500 }, (_, i) => 10_000 + i));
  } finally {
    c.close();
  }
});

test(`a frame of exactly socket.request.max.bytes (${MAX_REQUEST_BYTES}) is served, one byte more closes the connection`, async () => {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const res = await c.requestFrame(metadataFrameOfSize(MAX_REQUEST_BYTES, 77), ApiKey.Metadata, 1, 77) as MetadataResponse;
    assert.equal(res.brokers[0]!.port, broker.port);
    assert.equal(c.received.at(-1)?.correlationId, 77);
    assert.equal(c.isClosed, false);
  } finally {
    c.close();
  }
  await assertClosedBy(metadataFrameOfSize(MAX_REQUEST_BYTES + 1, 78), 'a frame one byte over socket.request.max.bytes');
  // Only the size prefix matters: nothing after it is needed for the verdict.
  const hugePrefix = Buffer.alloc(4);
  hugePrefix.writeInt32BE(100 * 1024 * 1024);
  await assertClosedBy(hugePrefix, 'a 100 MiB size prefix');
});

test('a negative size prefix closes the connection', async () => {
  const neg = Buffer.alloc(4);
  neg.writeInt32BE(-1);
  await assertClosedBy(neg, 'size -1');
  neg.writeInt32BE(-2147483648);
  await assertClosedBy(neg, 'size -2^31');
});

test('garbage bytes close the connection', async () => {
  await assertClosedBy(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), 'an HTTP request');
  await assertClosedBy(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), 'a TLS ClientHello');
  // A well-sized frame too short to hold a request header.
  await assertClosedBy(Buffer.from([0, 0, 0, 3, 0, 18, 0]), 'a 3-byte frame');
  // A Metadata v12 header followed by a truncated body (a topic array claiming 1000 entries).
  const truncated = encodeRequestFrame(ApiKey.Metadata, 12, 1, 'c', (w) => { w.uvarint(1001); w.int8(5); });
  await assertClosedBy(truncated, 'a truncated Metadata body');
  // A flexible header whose client id claims more bytes than the frame has.
  await assertClosedBy(Buffer.from([0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 1, 0x7f, 0xff]), 'a client id longer than the frame');
});

test('an unknown api key closes the connection', async () => {
  await assertClosedBy(encodeRequestFrame(9999, 0, 1, 'c'), 'api key 9999');
  await assertClosedBy(encodeRequestFrame(-1, 0, 1, 'c'), 'api key -1');
});

test('an unsupported version of an API other than ApiVersions closes the connection', async () => {
  // Fetch v3 and Produce v2 were removed in Kafka 4 (KIP-896); v99 was never defined.
  await assertClosedBy(encodeRequestFrame(ApiKey.Fetch, 3, 1, 'c', (w) => w.int32(-1)), 'Fetch v3');
  await assertClosedBy(encodeRequestFrame(ApiKey.Produce, 2, 1, 'c', (w) => w.int16(1)), 'Produce v2');
  await assertClosedBy(encodeRequestFrame(ApiKey.Metadata, 99, 1, 'c'), 'Metadata v99');
  await assertClosedBy(encodeRequestFrame(ApiKey.ListOffsets, 0, 1, 'c'), 'ListOffsets v0');
});

test('responses already owed are sent before a hostile frame closes the connection', async () => {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const pending = c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }] });
    await c.sendRaw(encodeRequestFrame(9999, 0, 99, 'c'));
    // The Metadata response may or may not make it out first; either way the socket closes and the broker lives.
    await pending.catch(() => undefined);
    assert.equal(await c.waitForClose(3000), true);
  } finally {
    c.close();
  }
  await assertBrokerServes();
});

/** A small deterministic PRNG (mulberry32), so a failing garbage run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('50 connections sending random garbage at once, then produce and fetch work', async () => {
  const rand = prng(0x7269b);
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const implemented = [ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.CreateTopics, ApiKey.DeleteTopics, ApiKey.DescribeConfigs];
  const clients = await Promise.all(Array.from({ length: 50 }, () => WireClient.connect(broker.host, broker.port)));
  try {
    const rawGarbage: WireClient[] = [];
    await Promise.all(clients.map((c, i) => {
      if (i % 2 === 0) {
        // Pure noise: the size prefix is almost surely out of range.
        let bytes = randomBytes(64 + Math.floor(rand() * 512));
        while (bytes.readInt32BE(0) >= 0 && bytes.readInt32BE(0) <= MAX_REQUEST_BYTES) bytes = randomBytes(bytes.length);
        rawGarbage.push(c);
        return c.sendRaw(bytes);
      }
      // A well-framed request of an implemented API and version with a random body: the decoders face the noise.
      const apiKey = implemented[i % implemented.length]!;
      const body = randomBytes(8 + Math.floor(rand() * 400));
      return c.sendRaw(encodeRequestFrame(apiKey, 4, i, 'garbage', (w) => w.raw(body)));
    }));
    const closed = await Promise.all(rawGarbage.map((c) => c.waitForClose(5000)));
    assert.deepEqual(closed.filter((x) => !x).length, 0, 'every connection that sent an out-of-range size is closed');
  } finally {
    for (const c of clients) c.close();
  }
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const batch = buildSimpleBatch(5, { prefix: 'after-garbage' });
    const p = await produce(c, topic, 1, batch, { acks: -1 });
    assertError(p.errorCode, ErrorCode.NONE);
    const f = await fetchPartition(c, topic, 1, p.baseOffset);
    assertError(f.errorCode, ErrorCode.NONE);
    assert.deepEqual(splitBatches(f.records).batches[0]!.bytes, asStored(batch, p.baseOffset));
  } finally {
    c.close();
  }
});
