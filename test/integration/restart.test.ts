// Crash and restart of a broker process on the same data directory: every
// record acknowledged with acks=-1 comes back after SIGKILL, byte for byte and
// at the same offsets; topics, their ids and configs survive; producer ids
// handed out later are larger than any handed out before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, asStored, createTopic, produce, splitBatches } from './support.js';

const N = 2000;
const PER_REQUEST = [1, 7, 50, 100, 142, 200, 300, 500]; // repeated until N records: uneven batches on purpose
const TOPIC = 'restart-data';
const OTHER = 'restart-config';

interface Produced {
  /** The bytes the broker must return for partition 0, batch after batch. */
  stored: Buffer[];
  topicIds: Map<string, string>;
  producerIds: number[];
}

async function produceEverything(b: BrokerProcess): Promise<Produced> {
  const c = await WireClient.connect(b.host, b.port);
  try {
    const topicIds = new Map<string, string>();
    topicIds.set(TOPIC, await createTopic(c, TOPIC, 2));
    topicIds.set(OTHER, await createTopic(c, OTHER, 3, { 'retention.ms': '86400000', 'cleanup.policy': 'compact', 'max.message.bytes': '65536' }));
    const stored: Buffer[] = [];
    let offset = 0;
    let i = 0;
    while (offset < N) {
      const n = Math.min(PER_REQUEST[i++ % PER_REQUEST.length]!, N - offset);
      const records = Array.from({ length: n }, (_, j) => ({
        key: `key-${offset + j}`,
        value: `value-${offset + j}-${'x'.repeat((offset + j) % 37)}`,
        timestamp: 1_700_000_000_000 + offset + j,
        headers: (offset + j) % 5 === 0 ? [{ key: 'h', value: String(offset + j) }] : [],
      }));
      const batch = buildRecordBatch(records);
      const p = await produce(c, TOPIC, 0, batch, { acks: -1 });
      assertError(p.errorCode, ErrorCode.NONE);
      assert.equal(p.baseOffset, offset);
      stored.push(asStored(batch, offset));
      offset += n;
    }
    // Something in the other partition too, so recovery has more than one log to open.
    assertError((await produce(c, TOPIC, 1, buildRecordBatch([{ value: 'p1' }]), { acks: -1 })).errorCode, ErrorCode.NONE);
    const producerIds: number[] = [];
    for (let k = 0; k < 5; k++) {
      const res = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assertError(res.errorCode, ErrorCode.NONE);
      assert.equal(res.producerEpoch, 0);
      producerIds.push(res.producerId);
    }
    assert.equal(new Set(producerIds).size, producerIds.length, `distinct producer ids: ${producerIds.join(',')}`);
    assert.ok(producerIds.every((id) => id >= 0));
    return { stored, topicIds, producerIds };
  } finally {
    c.close();
  }
}

async function fetchEverything(c: WireClient): Promise<{ records: Buffer; highWatermark: number }> {
  const chunks: Buffer[] = [];
  let offset = 0;
  let highWatermark = -1;
  for (let guard = 0; guard < 1000; guard++) {
    const res = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 64 * 1024, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 32 * 1024 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    assertError(p.errorCode, ErrorCode.NONE, `fetch at ${offset}`);
    highWatermark = p.highWatermark;
    const { batches } = splitBatches(p.records);
    if (batches.length === 0) break;
    for (const b of batches) {
      assert.equal(b.baseOffset, offset, 'batches follow each other without gaps or repeats');
      chunks.push(b.bytes);
      offset = b.lastOffset + 1;
    }
  }
  return { records: Buffer.concat(chunks), highWatermark };
}

/** ERROR lines the broker process wrote (a recovery that had to give something up says so at ERROR). */
function errorLines(b: BrokerProcess): string[] {
  return b.output().split('\n').filter((l) => / ERROR \[/.test(l));
}

async function crashAndRecover(extraArgs: string[]): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-restart-'));
  let b: BrokerProcess | null = null;
  try {
    b = await startBrokerProcess({ dataDir, cleanup: false, args: extraArgs });
    const produced = await produceEverything(b);
    await b.kill();
    b = await startBrokerProcess({ dataDir, cleanup: false, args: extraArgs });
    const c = await WireClient.connect(b.host, b.port);
    try {
      // Every acknowledged record, in order, at its offset, byte-identical.
      const { records, highWatermark } = await fetchEverything(c);
      assert.equal(highWatermark, N);
      const batches = splitBatches(records).batches;
      assert.equal(batches.reduce((n, x) => n + x.recordCount, 0), N);
      assert.equal(batches.length, produced.stored.length);
      batches.forEach((x, i) => assert.deepEqual(x.bytes, produced.stored[i], `batch ${i} at offset ${x.baseOffset}`));
      assert.deepEqual(records, Buffer.concat(produced.stored));

      const offsets = await c.request(ApiKey.ListOffsets, 7, {
        replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }, { partitionIndex: 1, timestamp: -1 }] }],
      });
      assert.deepEqual(offsets.topics[0]!.partitions.map((p) => [p.partitionIndex, p.offset]), [[0, N], [1, 1]]);

      // Topics keep their ids and partition counts, configs their values.
      const meta = await c.request(ApiKey.Metadata, 12, { topics: null });
      const byName = new Map(meta.topics.map((t) => [t.name, t]));
      for (const [name, id] of produced.topicIds) {
        assert.equal(byName.get(name)?.topicId, id, `${name} keeps its id`);
      }
      assert.equal(byName.get(TOPIC)!.partitions.length, 2);
      assert.equal(byName.get(OTHER)!.partitions.length, 3);
      const described = await c.request(ApiKey.DescribeConfigs, 4, {
        resources: [{ resourceType: 2, resourceName: OTHER, configurationKeys: ['retention.ms', 'cleanup.policy', 'max.message.bytes', 'segment.bytes'] }],
      });
      const configs = new Map(described.results[0]!.configs.map((e) => [e.name, [e.value, e.configSource]]));
      assert.deepEqual(configs.get('retention.ms'), ['86400000', 1]);
      assert.deepEqual(configs.get('cleanup.policy'), ['compact', 1]);
      assert.deepEqual(configs.get('max.message.bytes'), ['65536', 1]);
      assert.deepEqual(configs.get('segment.bytes'), ['1073741824', 5]);

      // Producer ids keep growing across the crash: none is handed out twice.
      const after = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assertError(after.errorCode, ErrorCode.NONE);
      assert.ok(after.producerId > Math.max(...produced.producerIds), `producer id ${after.producerId} after restart, ${produced.producerIds.join(',')} before`);

      // And the log takes new records right after the recovered ones.
      const next = await produce(c, TOPIC, 0, buildRecordBatch([{ value: 'after-restart' }]), { acks: -1 });
      assert.equal(next.baseOffset, N);
      assert.deepEqual(errorLines(b), [], 'the restarted broker logged errors');
    } finally {
      c.close();
    }
  } catch (err) {
    if (b !== null && err instanceof Error) err.message += `\n--- broker output ---\n${b.output().slice(-4000)}`;
    throw err;
  } finally {
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test(`SIGKILL after ${N} acknowledged records: all of them come back after restart`, { timeout: 60_000 }, async () => {
  await crashAndRecover([]);
});

test(`the same with log.flush.interval.messages=1 (an fsync per record)`, { timeout: 60_000 }, async () => {
  await crashAndRecover(['--override', 'log.flush.interval.messages=1']);
});

test('producer ids survive a clean restart too', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-pid-'));
  let b: BrokerProcess | null = null;
  try {
    b = await startBrokerProcess({ dataDir, cleanup: false });
    const ids = async (n: number): Promise<number[]> => {
      const c = await WireClient.connect(b!.host, b!.port);
      try {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          for (const version of [0, 2, 5]) {
            const r = await c.request(ApiKey.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 });
            assertError(r.errorCode, ErrorCode.NONE, `v${version}`);
            out.push(r.producerId);
          }
        }
        return out;
      } finally {
        c.close();
      }
    };
    const before = await ids(4);
    assert.equal(new Set(before).size, before.length);
    assert.equal(await b.stop(), 0);
    b = await startBrokerProcess({ dataDir, cleanup: false });
    const after = await ids(2);
    assert.ok(Math.min(...after) > Math.max(...before), `after ${after.join(',')} before ${before.join(',')}`);
  } finally {
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGKILL with produce requests in flight: the log comes back as a whole-batch prefix holding every acknowledged batch', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-inflight-'));
  let b: BrokerProcess | null = null;
  const BATCHES = 300;
  const PER_BATCH = 10;
  try {
    b = await startBrokerProcess({ dataDir, cleanup: false });
    const c = await WireClient.connect(b.host, b.port);
    await createTopic(c, TOPIC, 1);
    const batches = Array.from({ length: BATCHES }, (_, i) => buildRecordBatch(
      Array.from({ length: PER_BATCH }, (_, j) => ({ key: `k${i}-${j}`, value: Buffer.alloc(200, (i + j) % 256) }))));
    let acked = 0;
    let killed: Promise<void> | null = null;
    // All pipelined at once; the broker is killed once 50 of them are acknowledged.
    const inFlight = batches.map((batch, i) => c.request(ApiKey.Produce, 9, {
      acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: Buffer.from(batch) }] }],
    }).then((res) => {
      const p = res.responses[0]!.partitionResponses[0]!;
      assertError(p.errorCode, ErrorCode.NONE);
      assert.equal(p.baseOffset, i * PER_BATCH);
      acked = Math.max(acked, i + 1);
      if (acked === 50) killed = b!.kill();
    }, () => undefined));
    await Promise.all(inFlight);
    await killed;
    c.close();
    assert.ok(acked >= 50);

    b = await startBrokerProcess({ dataDir, cleanup: false });
    const c2 = await WireClient.connect(b.host, b.port);
    try {
      const { records, highWatermark } = await fetchEverything(c2);
      const got = splitBatches(records).batches;
      assert.ok(got.length >= acked, `${got.length} batches recovered, ${acked} were acknowledged`);
      assert.equal(highWatermark, got.length * PER_BATCH);
      got.forEach((x, i) => assert.deepEqual(x.bytes, asStored(batches[i]!, i * PER_BATCH), `batch ${i}`));
      assert.deepEqual(errorLines(b), [], 'the restarted broker logged errors');
    } finally {
      c2.close();
    }
  } catch (err) {
    if (b !== null && err instanceof Error) err.message += `\n--- broker output ---\n${b.output().slice(-4000)}`;
    throw err;
  } finally {
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
