// Log compaction driven by the broker's own cleaner timer, seen through Fetch:
// the latest value per key survives, tombstones go once delete.retention.ms has
// passed, offsets are never reused, and compressed batches are cleaned too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { CompressionCodec, RECORD_BATCH_OVERHEAD, assembleBatch, batchFieldsOf, rawRecords, readBatchHeader } from '../../src/protocol/records/batch.js';
import { compress, decompress } from '../../src/protocol/records/compression.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { buildRecordBatch, type TestRecord } from '../helpers/record-batch.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, fetchPartition, produce, sleep, splitBatches, uniqueTopic, watchBrokerErrors } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
const watch = watchBrokerErrors();

before(async () => {
  broker = await startEmbeddedBroker({ overrides: ['log.cleaner.backoff.ms=100'] });
  c = await WireClient.connect(broker.host, broker.port);
});

after(async () => {
  c?.close();
  await broker?.stop();
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

function batch(recs: TestRecord[], codec: number): Buffer {
  const plain = buildRecordBatch(recs);
  if (codec === CompressionCodec.None) return plain;
  const h = readBatchHeader(plain, 0);
  const fields = batchFieldsOf(h);
  fields.attributes = (h.attributes & ~7) | codec;
  return assembleBatch(fields, compress(codec, plain.subarray(RECORD_BATCH_OVERHEAD)));
}

interface Seen {
  offset: number;
  key: string;
  tombstone: boolean;
}

/** Everything a consumer would read from offset 0, record by record. */
async function consumeAll(topic: string): Promise<{ records: Seen[]; highWatermark: number }> {
  const records: Seen[] = [];
  let offset = 0;
  let highWatermark = 0;
  for (;;) {
    const p = await fetchPartition(c, topic, 0, offset, { partitionMaxBytes: 1 << 20 });
    assertError(p.errorCode, ErrorCode.NONE);
    highWatermark = p.highWatermark;
    const { batches } = splitBatches(p.records);
    if (batches.length === 0) break;
    for (const b of batches) {
      const h = readBatchHeader(b.bytes, 0);
      const body = decompress(h.attributes & 7, b.bytes.subarray(RECORD_BATCH_OVERHEAD), 64 << 20);
      for (const r of rawRecords(body, h.recordCount)) {
        const o = h.baseOffset + r.offsetDelta;
        if (o >= offset) records.push({ offset: o, key: r.key?.toString() ?? '', tombstone: r.nullValue });
      }
      offset = Math.max(offset, b.lastOffset + 1);
    }
    if (offset >= highWatermark) break;
  }
  return { records, highWatermark };
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

test('5000 keys with updates and tombstones are compacted by the background cleaner', { timeout: 60_000 }, async () => {
  const topic = uniqueTopic('compacted');
  await createTopic(c, topic, 1, {
    'cleanup.policy': 'compact',
    'internal.segment.bytes': '16384',
    'min.cleanable.dirty.ratio': '0.01',
    'delete.retention.ms': '1500',
  });
  const keys = 5000;
  let produced = 0;
  const send = async (recs: TestRecord[], codec: number): Promise<void> => {
    for (let i = 0; i < recs.length; i += 100) {
      const r = await produce(c, topic, 0, batch(recs.slice(i, i + 100), codec));
      assertError(r.errorCode, ErrorCode.NONE);
      assert.equal(r.baseOffset, produced, 'offsets are assigned densely');
      produced += Math.min(100, recs.length - i);
    }
  };
  const now = Date.now();
  await send(Array.from({ length: keys }, (_, k) => ({ key: `k${k}`, value: `first-${k}`, timestamp: now })), CompressionCodec.None);
  await send(Array.from({ length: keys / 2 }, (_, k) => ({ key: `k${k}`, value: `second-${k}`, timestamp: now })), CompressionCodec.Zstd);
  await send(Array.from({ length: keys / 10 }, (_, k) => ({ key: `k${k}`, value: null, timestamp: now })), CompressionCodec.Lz4);
  // Some more so the tombstones are in a closed segment, not the active one.
  await send(Array.from({ length: 300 }, (_, k) => ({ key: `tail-${k}`, value: 'x'.repeat(50), timestamp: now })), CompressionCodec.None);
  const end = produced;

  // The cleaner runs every 100 ms: first the duplicates go, the tombstones stay (for delete.retention.ms).
  await until('duplicates compacted away', 20_000, async () => {
    const { records } = await consumeAll(topic);
    const firstKeys = records.filter((r) => r.key.startsWith('k'));
    return firstKeys.length === keys;
  });
  let { records, highWatermark } = await consumeAll(topic);
  assert.equal(highWatermark, end);
  const byKey = new Map(records.map((r) => [r.key, r]));
  assert.equal(byKey.size, records.length, 'each key once');
  for (let k = 0; k < keys; k++) {
    const r = byKey.get(`k${k}`)!;
    if (k < keys / 10) assert.deepEqual([r.offset, r.tombstone], [keys + keys / 2 + k, true], `k${k}`);
    else if (k < keys / 2) assert.equal(r.offset, keys + k, `k${k}`);
    else assert.equal(r.offset, k, `k${k}`);
  }

  // After delete.retention.ms the next passes drop the tombstones.
  await until('tombstones removed after delete.retention.ms', 20_000, async () => {
    ({ records } = await consumeAll(topic));
    return !records.some((r) => r.tombstone);
  });
  assert.equal(records.filter((r) => r.key.startsWith('k')).length, keys - keys / 10);

  // Offsets are never reused.
  const next = await produce(c, topic, 0, batch([{ key: 'k0', value: 'back' }], CompressionCodec.Gzip));
  assertError(next.errorCode, ErrorCode.NONE);
  assert.equal(next.baseOffset, end);
});
