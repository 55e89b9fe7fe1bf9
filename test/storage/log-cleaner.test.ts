// The log cleaner over a real partition log: latest value per key survives,
// tombstones go once their delete horizon passed, offsets are never reused,
// batches keep codec, offsets and timestamps, reads and restarts work across
// cleaned segments, and a crash mid-cleaning (.cleaned / .swap files) recovers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  BASE_TIMESTAMP_OFFSET, CompressionCodec, DELETE_HORIZON_FLAG_MASK, RECORD_BATCH_OVERHEAD, assembleBatch, batchFieldsOf,
  rawRecords, readBatchHeader, readInt64, validateRecordSet,
} from '../../src/protocol/records/batch.js';
import { compress, decompress } from '../../src/protocol/records/compression.js';
import { buildMarkerBatch } from '../../src/protocol/records/control-records.js';
import { LogCleaner, cleanableState, readCleanerCheckpoint } from '../../src/storage/log-cleaner.js';
import { PartitionLog, partitionDirName, swapFileName } from '../../src/storage/partition-log.js';
import type { LogConfig } from '../../src/storage/types.js';
import { buildRecordBatch, type TestRecord } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';

const tp = { topic: 'compacted', partition: 0 };
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

function dirOf(root: string): string {
  return path.join(root, partitionDirName(tp));
}

function open(root: string, config: LogConfig, cleanShutdown = false): Promise<PartitionLog> {
  return PartitionLog.open(dirOf(root), tp, config, { now: () => T0, cleanShutdown });
}

/** A batch of records, compressed with `codec` (the header says so and the body really is). */
function batchOf(records: TestRecord[], codec: number = CompressionCodec.None, extra: Parameters<typeof buildRecordBatch>[1] = {}): Buffer {
  const plain = buildRecordBatch(records, extra);
  if (codec === CompressionCodec.None) return plain;
  const h = readBatchHeader(plain, 0);
  const fields = batchFieldsOf(h);
  fields.attributes = (h.attributes & ~7) | codec;
  return assembleBatch(fields, compress(codec, plain.subarray(RECORD_BATCH_OVERHEAD)));
}

function append(log: PartitionLog, batch: Buffer): number {
  const v = validateRecordSet(batch, { maxMessageBytes: 10 << 20, now: T0 });
  assert.ok(v.ok, v.ok ? '' : v.message);
  return log.append(batch, v, T0).baseOffset;
}

interface Rec {
  offset: number;
  key: string;
  value: string | null;
  timestamp: number;
  codec: number;
  horizon: number;
}

/** Every batch and record of the log, read through PartitionLog.read like a fetch would. */
function readAll(log: PartitionLog): { records: Rec[]; batches: { base: number; last: number; count: number; codec: number }[] } {
  const records: Rec[] = [];
  const batches: { base: number; last: number; count: number; codec: number }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1 << 20, true);
    assert.equal(r.errorCode, 0);
    if (r.records.length === 0) break;
    for (let pos = 0; pos < r.records.length; ) {
      const h = readBatchHeader(r.records, pos);
      const size = h.batchLength + 12;
      const codec = h.attributes & 7;
      const horizon = (h.attributes & DELETE_HORIZON_FLAG_MASK) !== 0 ? readInt64(r.records, pos + BASE_TIMESTAMP_OFFSET) : -1;
      if (h.baseOffset + h.lastOffsetDelta >= offset) {
        batches.push({ base: h.baseOffset, last: h.baseOffset + h.lastOffsetDelta, count: h.recordCount, codec });
        const body = decompress(codec, r.records.subarray(pos + RECORD_BATCH_OVERHEAD, pos + size), 64 << 20);
        for (const rec of rawRecords(body, h.recordCount)) {
          const recOffset = h.baseOffset + rec.offsetDelta;
          // Consumers never see control records.
          if (recOffset < offset || (h.attributes & 0x20) !== 0) continue;
          // The value is the second length-prefixed field of the tail; decode it through a tiny reader.
          records.push({ offset: recOffset, key: rec.key?.toString() ?? '', value: rec.nullValue ? null : valueOf(rec.tail), timestamp: h.baseTimestamp + rec.timestampDelta, codec, horizon });
        }
        offset = h.baseOffset + h.lastOffsetDelta + 1;
      }
      pos += size;
    }
  }
  return { records, batches };
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let raw = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++] as number;
    raw += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, pos];
}

function valueOf(tail: Buffer): string {
  let [len, pos] = readVarint(tail, 0);
  pos += Math.max(len, 0);
  [len, pos] = readVarint(tail, pos);
  return tail.subarray(pos, pos + len).toString();
}

function latestByKey(records: Rec[]): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const r of records) m.set(r.key, r);
  return m;
}

/** 20k keys: a first value each, updates for half, tombstones for a tenth, in batches of 100 over ~4 KiB segments. */
/** `keys` keys written once, the first half updated (gzip), the first tenth deleted (tombstones). */
async function buildKeyspace(root: string, config: LogConfig, keys = 20_000): Promise<{ log: PartitionLog; expected: Map<string, string | null>; endOffset: number }> {
  const log = await open(root, config);
  const expected = new Map<string, string | null>();
  const put = (keys: number[], value: (k: number) => string | null, codec: number, ts: number): void => {
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      append(log, batchOf(chunk.map((k, j) => ({ key: `key-${k}`, value: value(k), timestamp: ts + j })), codec, { baseTimestamp: ts }));
      for (const k of chunk) expected.set(`key-${k}`, value(k));
    }
  };
  const all = Array.from({ length: keys }, (_, i) => i);
  put(all, (k) => `v1-${k}`, CompressionCodec.None, T0);
  put(all.slice(0, keys / 2), (k) => `v2-${k}`, CompressionCodec.Gzip, T0 + 1000);
  put(all.slice(0, keys / 10), () => null, CompressionCodec.None, T0 + 2000);
  log.roll(T0);
  return { log, expected, endOffset: log.logEndOffset };
}

test('compaction of 100k keys with updates and tombstones: latest values survive, tombstones go after delete.retention.ms', { timeout: 120_000 }, async () => {
  const root = tempDir();
  const KEYS = 100_000;
  const END = KEYS + KEYS / 2 + KEYS / 10; // 160,000 records written
  try {
    const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 32 * 1024, deleteRetentionMs: DAY });
    const { log, expected, endOffset } = await buildKeyspace(root, config, KEYS);
    assert.equal(endOffset, END);
    const segmentsBefore = log.segmentCount;
    const sizeBefore = log.sizeInBytes;
    assert.ok(segmentsBefore > 50, `many small segments (${segmentsBefore})`);

    const state = cleanableState(log, T0);
    assert.equal(state.reason, 'dirty ratio');
    assert.equal(state.dirtyRatio, 1);

    const t1 = T0 + 10_000;
    const first = await new LogCleaner({ dedupeBufferSize: 64 << 20, now: () => t1 }).clean(log);
    assert.ok(first !== null, 'the pass ran');
    assert.equal(first.cleanedUpTo, END);
    assert.equal(first.recordsRemoved, END - KEYS);
    assert.equal(first.tombstonesRemoved, 0, 'tombstones are kept on the first pass');
    assert.ok(log.sizeInBytes < sizeBefore * 0.7, `smaller: ${sizeBefore} -> ${log.sizeInBytes}`);
    assert.equal(log.logEndOffset, endOffset, 'the log end does not move');
    assert.deepEqual(readCleanerCheckpoint(dirOf(root)), { firstDirtyOffset: END, earliestDeleteHorizon: t1 + DAY });

    let { records, batches } = readAll(log);
    assert.equal(records.length, KEYS, 'one record per key');
    for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, 'offsets strictly increase');
    for (const r of records) assert.equal(r.value, expected.get(r.key), r.key);
    const tomb = records.find((r) => r.key === 'key-5')!;
    assert.equal(tomb.value, null);
    assert.equal(tomb.offset, KEYS + KEYS / 2 + 5);
    assert.equal(tomb.horizon, t1 + DAY, 'a kept tombstone gets its delete horizon');
    assert.equal(tomb.timestamp, T0 + 2005, 'record timestamps survive re-basing on the horizon');
    const updated = records.find((r) => r.key === 'key-19999')!;
    assert.deepEqual([updated.offset, updated.codec, updated.timestamp], [KEYS + 19_999, CompressionCodec.Gzip, T0 + 1099]);
    const untouched = records.find((r) => r.key === `key-${KEYS - 1}`)!;
    assert.deepEqual([untouched.offset, untouched.codec], [KEYS - 1, CompressionCodec.None]);
    assert.ok(batches.every((b) => b.last - b.base === 99), 'batches keep their offset span');

    // Before the horizon nothing more goes; at it, the tombstones do.
    const beforeHorizon = await new LogCleaner({ dedupeBufferSize: 64 << 20, now: () => t1 + DAY - 1 }).clean(log);
    assert.equal(beforeHorizon?.tombstonesRemoved, 0);
    // Segments that shrank are merged by the next pass (up to segment.bytes), as Kafka groups them.
    assert.ok(log.segmentCount < segmentsBefore * 0.75, `segments merged: ${segmentsBefore} -> ${log.segmentCount}`);
    assert.equal(cleanableState(log, t1 + DAY).reason, 'delete horizon');
    const afterHorizon = await new LogCleaner({ dedupeBufferSize: 64 << 20, now: () => t1 + DAY }).clean(log);
    assert.equal(afterHorizon?.tombstonesRemoved, KEYS / 10);
    ({ records } = readAll(log));
    assert.equal(records.length, KEYS - KEYS / 10);
    assert.ok(!records.some((r) => r.value === null), 'no tombstone left');
    assert.deepEqual(readCleanerCheckpoint(dirOf(root))?.earliestDeleteHorizon, -1);

    // Offsets are never reused, and a restart reads the cleaned segments back (indexes rebuilt or loaded).
    assert.equal(append(log, batchOf([{ key: 'key-1', value: 'after' }])), END);
    await log.close();
    const reopened = await open(root, config, true);
    const again = readAll(reopened).records;
    assert.equal(again.length, KEYS - KEYS / 10 + 1);
    assert.deepEqual(again.at(-1), { offset: END, key: 'key-1', value: 'after', timestamp: again.at(-1)!.timestamp, codec: 0, horizon: -1 });
    // A fetch at a removed offset returns the next retained batch.
    const r = reopened.read(5, 1 << 16, true);
    assert.equal(r.errorCode, 0);
    assert.ok(readBatchHeader(r.records, 0).baseOffset + readBatchHeader(r.records, 0).lastOffsetDelta >= 5);
    await reopened.close();
  } finally {
    rmDir(root);
  }
});

test('a crash mid-cleaning recovers: a .cleaned file is dropped, a .swap file completes the swap', { timeout: 60_000 }, async () => {
  const root = tempDir();
  const copyA = tempDir();
  const copyB = tempDir();
  try {
    const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 16 * 1024 });
    const { log, expected } = await buildKeyspace(root, config);
    await log.close();
    fs.cpSync(root, copyA, { recursive: true });
    fs.cpSync(root, copyB, { recursive: true });

    // Clean the original as one group (segment.bytes raised for the merge), to get the cleaned segment's bytes.
    const big = logConfig({ ...config, segmentBytes: 64 << 20 });
    const cleaned = await open(root, big, true);
    const bases = cleaned.segmentBaseOffsets();
    const activeBase = bases.at(-1)!;
    await new LogCleaner({ dedupeBufferSize: 64 << 20, now: () => T0 }).clean(cleaned);
    assert.equal(cleaned.segmentCount, 2);
    const cleanedBytes = fs.readFileSync(path.join(dirOf(root), '00000000000000000000.log'));
    const cleanedRecords = readAll(cleaned).records;
    await cleaned.close();

    // Crash 1: the cleaner died while writing its output.
    fs.writeFileSync(path.join(dirOf(copyA), '00000000000000000000.log.cleaned'), cleanedBytes.subarray(0, 1000));
    const a = await open(copyA, config, false);
    assert.ok(!fs.readdirSync(dirOf(copyA)).some((n) => n.endsWith('.cleaned')), '.cleaned removed');
    assert.equal(a.segmentCount, bases.length, 'old segments intact');
    assert.equal(readAll(a).records.length, 32_000);
    await a.close();

    // Crash 2: after the rename to .swap, with some old segments already renamed away.
    fs.writeFileSync(path.join(dirOf(copyB), swapFileName(0, activeBase)), cleanedBytes);
    for (const base of bases.slice(0, 3)) {
      const name = `${String(base).padStart(20, '0')}.log`;
      fs.renameSync(path.join(dirOf(copyB), name), path.join(dirOf(copyB), `${name}.deleted`));
    }
    const b = await open(copyB, config, false);
    assert.deepEqual(b.segmentBaseOffsets(), [0, activeBase]);
    const recovered = readAll(b).records;
    assert.deepEqual(recovered, cleanedRecords);
    for (const r of recovered) assert.equal(r.value, expected.get(r.key));
    assert.ok(!fs.readdirSync(dirOf(copyB)).some((n) => n.endsWith('.swap') || n.endsWith('.deleted')), 'no swap or deleted file left');
    assert.equal(append(b, batchOf([{ key: 'x', value: 'y' }])), 32_000);
    await b.close();
  } finally {
    rmDir(root);
    rmDir(copyA);
    rmDir(copyB);
  }
});

test('min.compaction.lag.ms keeps young segments dirty; the active segment is never cleaned', async () => {
  const root = tempDir();
  try {
    const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 4096, minCompactionLagMs: 60_000 });
    const log = await open(root, config);
    for (let i = 0; i < 60; i++) append(log, batchOf([{ key: 'same', value: `v${i}`.padEnd(200, '.'), timestamp: T0 + i * 1000 }]));
    // At T0 + 100 s, records newer than T0 + 40 s are too young: their segments and all after stay dirty.
    const now = T0 + 100_000;
    const young = cleanableState(log, now);
    assert.ok(young.firstUncleanableOffset > 0 && young.firstUncleanableOffset <= 41 && young.firstUncleanableOffset < log.activeSegmentBaseOffset,
      `first uncleanable offset ${young.firstUncleanableOffset}, active segment at ${log.activeSegmentBaseOffset}`);
    await new LogCleaner({ dedupeBufferSize: 1 << 20, now: () => now }).clean(log);
    const { records } = readAll(log);
    // Only the latest within the cleaned range survived there; everything from the uncleanable offset on is intact.
    assert.equal(records.filter((r) => r.offset < young.firstUncleanableOffset).length, 1);
    assert.equal(records.filter((r) => r.offset >= young.firstUncleanableOffset).length, 60 - young.firstUncleanableOffset);
    assert.equal(records.at(-1)?.value?.trim().replace(/\.+$/, ''), 'v59');
    await log.close();
  } finally {
    rmDir(root);
  }
});

test('dirty ratio below min.cleanable.dirty.ratio waits; keyless records are dropped; control batches and a live producer last batch stay', async () => {
  const root = tempDir();
  try {
    const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 1 << 20, minCleanableDirtyRatio: 0.5 });
    const log = await open(root, config);
    append(log, batchOf([{ key: 'a', value: '1' }], CompressionCodec.None, { producerId: 11, producerEpoch: 0, baseSequence: 0 }));
    append(log, batchOf([{ key: null, value: 'keyless (written before compaction was on)' }]));
    const control = buildRecordBatch([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { control: true, producerId: 12, producerEpoch: 0 });
    const v = validateRecordSet(control, { maxMessageBytes: 1 << 20, now: T0, origin: 'internal' });
    assert.ok(v.ok, 'valid control batch');
    log.append(control, v, T0);
    append(log, batchOf([{ key: 'a', value: '2' }, { key: 'b', value: '1' }]));
    log.roll(T0);
    const cleaner = new LogCleaner({ dedupeBufferSize: 1 << 20, now: () => T0 });
    const stats = await cleaner.clean(log);
    assert.equal(stats?.recordsRemoved, 2);
    const { records, batches } = readAll(log);
    assert.deepEqual(records.map((r) => `${r.offset}:${r.key}=${r.value}`), ['3:a=2', '4:b=1']);
    // Producer 11's only batch lost its record but stays, empty, so its sequence survives; the control batch stays.
    assert.deepEqual(batches.map((b) => [b.base, b.last, b.count]), [[0, 0, 0], [2, 2, 1], [3, 4, 2]]);
    assert.equal(log.checkProducerAppend(batchOf([{ key: 'a', value: 'r' }], 0, { producerId: 11, producerEpoch: 0, baseSequence: 0 })).kind, 'duplicate');

    // Now mostly clean: a little new dirt is below the ratio, so the log waits.
    append(log, batchOf([{ key: 'b', value: '2' }]));
    log.roll(T0);
    const state = cleanableState(log, T0);
    assert.ok(state.dirtyRatio > 0 && state.dirtyRatio < 0.5, `ratio ${state.dirtyRatio}`);
    assert.equal(state.reason, null);
    assert.equal(await cleaner.cleanFilthiest([log]), null);
    await log.close();
  } finally {
    rmDir(root);
  }
});

test('transactions: aborted data never shadows committed values and is removed; an open transaction stops the cleanable range', async () => {
  const root = tempDir();
  try {
    const config = logConfig({ cleanupPolicy: ['compact'], segmentBytes: 400 });
    const log = await open(root, config);
    const txn = (pid: number, seq: number, records: TestRecord[]) =>
      buildRecordBatch(records, { producerId: pid, producerEpoch: 0, baseSequence: seq, transactional: true, baseTimestamp: T0 });
    const marker = (pid: number, commit: boolean): number => {
      const m = buildMarkerBatch({ producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, type: commit ? 'COMMIT' : 'ABORT' }, T0);
      return log.append(m, { recordCount: 1 }, T0).baseOffset;
    };
    append(log, batchOf([{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }], CompressionCodec.None, { baseTimestamp: T0 }));
    append(log, txn(1, 0, [{ key: 'a', value: 'a-committed' }]));
    marker(1, true);
    append(log, txn(2, 0, [{ key: 'b', value: 'b-aborted' }, { key: 'a', value: 'a-aborted' }]));
    marker(2, false);
    const openAt = append(log, txn(3, 0, [{ key: 'b', value: 'b-open' }]));
    for (let i = 0; i < 6; i++) append(log, batchOf([{ key: `pad-${i}`, value: 'x'.repeat(150) }], CompressionCodec.None, { baseTimestamp: T0 }));
    assert.equal(log.lastStableOffset, openAt);
    assert.ok(log.segmentCount > 3, 'rolled');

    const state = cleanableState(log, T0);
    const openSegment = log.segmentBaseOffsets().filter((b) => b <= openAt).at(-1)!;
    assert.equal(state.firstUncleanableOffset, openSegment, 'cleaning stops at the segment of the open transaction');

    const stats = await new LogCleaner({ dedupeBufferSize: 1 << 20, now: () => T0 }).clean(log);
    assert.ok(stats !== null);
    assert.equal(stats.abortedBatchesRemoved, 1);
    const values = new Map(readAll(log).records.filter((r) => r.offset < openAt).map((r) => [r.key, r.value]));
    assert.equal(values.get('a'), 'a-committed');
    assert.equal(values.get('b'), 'b1', 'the aborted b does not shadow the committed one');
    assert.ok(![...values.values()].includes('b-aborted') && ![...values.values()].includes('a-aborted'), 'aborted data removed');
    assert.ok(readAll(log).records.some((r) => r.value === 'b-open'), 'the open transaction is untouched');
    await log.close();
  } finally {
    rmDir(root);
  }
});

test('max.compaction.lag.ms rolls the active segment of a compacted topic (KIP-354), and only there', async () => {
  for (const policy of [['compact'], ['delete']] as const) {
    const root = tempDir();
    try {
      const log = await open(root, logConfig({ cleanupPolicy: [...policy], maxCompactionLagMs: 60_000 }));
      append(log, batchOf([{ key: 'k', value: 'v1' }], CompressionCodec.None, { baseTimestamp: T0 }));
      append(log, batchOf([{ key: 'k', value: 'v2' }], CompressionCodec.None, { baseTimestamp: T0 + 60_001 }));
      assert.equal(log.segmentCount, policy[0] === 'compact' ? 2 : 1, `${policy[0]}: segments`);
      await log.close();
    } finally {
      rmDir(root);
    }
  }
});
