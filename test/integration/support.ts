// Shared steps for the broker integration tests: topic setup, produce and
// fetch through the wire client, and reading record batch headers out of
// fetched bytes (the broker never decodes records, so neither do the checks).
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode, type FetchResponsePartitionData, type ProduceResponsePartitionProduceResponse } from '../../src/protocol/generated/index.js';
import { after, before } from 'node:test';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;

export function errorName(code: number): string {
  return `${ErrorCode[code] ?? 'UNKNOWN'}(${code})`;
}

/** Asserts an error code, printing both names on failure. */
export function assertError(actual: number, expected: ErrorCode, what = 'error code'): void {
  assert.equal(errorName(actual), errorName(expected), what);
}

let topicCounter = 0;
/** A topic name unique within this process (tests in a file share a broker). */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${++topicCounter}`;
}

export async function createTopic(c: WireClient, name: string, partitions = 1, configs: Record<string, string> = {}): Promise<string> {
  const res = await c.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
    timeoutMs: 10_000,
  });
  const t = res.topics[0]!;
  assertError(t.errorCode, ErrorCode.NONE, `create ${name}: ${t.errorMessage}`);
  await waitForLeaders(c, name, partitions);
  return t.topicId;
}

/**
 * Waits until Metadata shows a leader for every partition. Ours does at once;
 * Apache Kafka (TRIBUTARY_TEST_BOOTSTRAP) takes a moment, and these tests are
 * meant to pass against it where they do not depend on our configuration.
 */
export async function waitForLeaders(c: WireClient, topic: string, partitions: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    const t = res.topics[0];
    if (t !== undefined && t.errorCode === ErrorCode.NONE && t.partitions.length === partitions && t.partitions.every((p) => p.leaderId >= 0)) return;
    if (Date.now() > deadline) assert.fail(`no leader for every partition of ${topic} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface ProduceOptions {
  acks?: number;
  version?: number;
  timeoutMs?: number;
}

/** Produces one record set to one partition; returns that partition's response. */
export async function produce(c: WireClient, topic: string, partition: number, records: Buffer, opts: ProduceOptions = {}): Promise<ProduceResponsePartitionProduceResponse> {
  // Apache Kafka may still be electing a fresh partition's leader; ours never is, so only retry there.
  for (let tries = 0; process.env['TRIBUTARY_TEST_BOOTSTRAP'] !== undefined && tries < 50; tries++) {
    const r = await produceOnce(c, topic, partition, records, opts);
    if (r.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) return r;
    await sleep(100);
  }
  return produceOnce(c, topic, partition, records, opts);
}

async function produceOnce(c: WireClient, topic: string, partition: number, records: Buffer, opts: ProduceOptions): Promise<ProduceResponsePartitionProduceResponse> {
  const res = await c.request(ApiKey.Produce, opts.version ?? PRODUCE_VERSION, {
    acks: opts.acks ?? -1,
    timeoutMs: opts.timeoutMs ?? 10_000,
    // The store writes offsets into the bytes it is handed; send a copy so the caller's stays as built.
    topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(records) }] }],
  });
  assert.equal(res.responses.length, 1);
  assert.equal(res.responses[0]!.name, topic);
  assert.equal(res.responses[0]!.partitionResponses.length, 1);
  return res.responses[0]!.partitionResponses[0]!;
}

export interface FetchOptions {
  version?: number;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
}

/** A sessionless fetch of one partition; returns that partition's data. */
export async function fetchPartition(c: WireClient, topic: string, partition: number, offset: number, opts: FetchOptions = {}): Promise<FetchResponsePartitionData> {
  const res = await c.request(ApiKey.Fetch, opts.version ?? FETCH_VERSION, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 0,
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: opts.partitionMaxBytes ?? 10 * 1024 * 1024, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
  });
  assertError(res.errorCode, ErrorCode.NONE, 'fetch top-level error');
  assert.equal(res.responses.length, 1);
  assert.equal(res.responses[0]!.partitions.length, 1);
  return res.responses[0]!.partitions[0]!;
}

export interface BatchView {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  partitionLeaderEpoch: number;
  attributes: number;
  maxTimestamp: number;
  bytes: Buffer;
}

/** Splits a fetched record set into its v2 batches (a partial trailing batch is reported as such). */
export function splitBatches(records: Buffer | null): { batches: BatchView[]; partialTail: number } {
  const batches: BatchView[] = [];
  const buf = records ?? Buffer.alloc(0);
  let pos = 0;
  while (buf.length - pos >= 12) {
    const size = buf.readInt32BE(pos + 8) + 12;
    if (pos + size > buf.length) break;
    const bytes = buf.subarray(pos, pos + size);
    const baseOffset = Number(bytes.readBigInt64BE(0));
    batches.push({
      baseOffset,
      lastOffset: baseOffset + bytes.readInt32BE(23),
      recordCount: bytes.readInt32BE(57),
      partitionLeaderEpoch: bytes.readInt32BE(12),
      attributes: bytes.readInt16BE(21),
      maxTimestamp: Number(bytes.readBigInt64BE(35)),
      bytes,
    });
    pos += size;
  }
  return { batches, partialTail: buf.length - pos };
}

/**
 * What the broker stores for a produced batch: the same bytes with the
 * assigned base offset and the leader epoch (0 here) written in; both sit
 * outside the CRC, so the rest is byte-identical.
 */
export function asStored(produced: Buffer, baseOffset: number, leaderEpoch = 0): Buffer {
  const b = Buffer.from(produced);
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  b.writeInt32BE(leaderEpoch, 12);
  return b;
}

/** Resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Collects the ERROR lines the in-process broker writes to stderr (a handler
 * that threw, a failed append): a test run that provokes one has found a bug
 * even when the client saw only a closed connection. Lines still go to stderr.
 */
export function watchBrokerErrors(): { errors(): string[]; stop(): void } {
  const original = process.stderr.write.bind(process.stderr);
  const errors: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n')) if (/ ERROR \[/.test(line)) errors.push(line);
    return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    errors: () => [...errors],
    stop: () => { process.stderr.write = original; },
  };
}

/**
 * Registers a test file's hooks: one in-process broker and one wire client for
 * the whole file, handed to `onStart`; the file fails if the broker logged an ERROR.
 */
export function useBrokerAndClient(onStart: (broker: EmbeddedBroker, client: WireClient) => void, overrides: string[] = []): void {
  let broker: EmbeddedBroker | undefined;
  let client: WireClient | undefined;
  const watch = watchBrokerErrors();
  before(async () => {
    broker = await startEmbeddedBroker({ overrides });
    client = await WireClient.connect(broker.host, broker.port);
    onStart(broker, client);
  });
  after(async () => {
    client?.close();
    await broker?.stop();
    watch.stop();
    assert.deepEqual(watch.errors(), [], 'the broker logged errors');
  });
}
