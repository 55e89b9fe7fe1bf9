import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { PartitionLog, partitionDirName } from '../../src/storage/partition-log.js';
import { decodeRecords, readBatchHeader, validateRecordSet } from '../../src/protocol/records/batch.js';
import { buildRecordBatch, buildSimpleBatch } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';
import type { LogConfig } from '../../src/storage/types.js';

const tp = { topic: 'orders', partition: 0 };
const NOW = 1_700_000_000_000;

async function openLog(dir: string, config: LogConfig, cleanShutdown = false): Promise<PartitionLog> {
  return PartitionLog.open(path.join(dir, partitionDirName(tp)), tp, config, { now: () => NOW, cleanShutdown });
}

/** Appends `n` batches of `per` records; batch i's records have timestamps base + i*per + j. */
function appendBatches(log: PartitionLog, n: number, per: number, opts: { valueSize?: number; base?: number } = {}): number[] {
  const bases: number[] = [];
  for (let i = 0; i < n; i++) {
    const batch = buildSimpleBatch(per, { baseTimestamp: (opts.base ?? NOW) + i * per, prefix: `b${i}`, valueSize: opts.valueSize });
    const v = validateRecordSet(batch, { maxMessageBytes: 10_000_000, now: NOW });
    assert.ok(v.ok);
    bases.push(log.append(batch, v, NOW).baseOffset);
  }
  return bases;
}

/** Decodes every record of a record set (several batches). */
function recordsOf(buf: Buffer): { offset: number; value: string; timestamp: number }[] {
  const out: { offset: number; value: string; timestamp: number }[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const h = readBatchHeader(buf, pos);
    const size = h.batchLength + 12;
    for (const r of decodeRecords(buf.subarray(pos, pos + size))) {
      out.push({ offset: r.offset, value: r.value?.toString() ?? '', timestamp: r.timestamp });
    }
    pos += size;
  }
  return out;
}

function readAll(log: PartitionLog, from: number): { offset: number; value: string; timestamp: number }[] {
  const out: { offset: number; value: string; timestamp: number }[] = [];
  let offset = from;
  while (offset < log.highWatermark) {
    const r = log.read(offset, 1 << 20, true);
    assert.equal(r.errorCode, 0);
    const recs = recordsOf(r.records).filter((x) => x.offset >= offset);
    assert.ok(recs.length > 0, `no progress at ${offset}`);
    out.push(...recs);
    offset = (recs[recs.length - 1] as { offset: number }).offset + 1;
  }
  return out;
}

test('append assigns offsets in place and read returns the same bytes', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig());
    assert.equal(log.logEndOffset, 0);
    const batch = buildSimpleBatch(3);
    const r1 = log.append(batch, { recordCount: 3 }, NOW);
    assert.deepEqual(r1, { baseOffset: 0, lastOffset: 2, logAppendTime: -1, logStartOffset: 0 });
    assert.equal(readBatchHeader(batch, 0).baseOffset, 0);
    const batch2 = buildSimpleBatch(2);
    const r2 = log.append(batch2, { recordCount: 2 }, NOW);
    assert.equal(r2.baseOffset, 3);
    assert.equal(readBatchHeader(batch2, 0).baseOffset, 3);
    assert.equal(log.logEndOffset, 5);
    assert.equal(log.highWatermark, 5);
    const read = log.read(0, 1 << 20, false);
    assert.equal(read.errorCode, 0);
    assert.deepEqual(read.records, Buffer.concat([batch, batch2]));
    // Fetch from inside the second batch returns the batch that contains it.
    const mid = log.read(4, 1 << 20, false);
    assert.deepEqual(mid.records, batch2);
    // Every appended batch remains a valid batch.
    assert.equal(validateRecordSet(read.records, { maxMessageBytes: 1 << 20, now: NOW, origin: 'internal' }).ok, true);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('out of range and empty reads', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig());
    appendBatches(log, 2, 5);
    assert.equal(log.read(10, 1000, true).records.length, 0);
    assert.equal(log.read(10, 1000, true).errorCode, 0);
    assert.equal(log.read(11, 1000, true).errorCode, 1);
    assert.equal(log.read(-1, 1000, true).errorCode, 1);
    const r = log.read(11, 1000, true);
    assert.equal(r.highWatermark, 10);
    assert.equal(r.logStartOffset, 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('maxBytes is honoured with whole batches; minOneBatch returns an oversized first batch (KIP-74)', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig());
    appendBatches(log, 5, 4, { valueSize: 100 });
    const one = log.read(0, 1 << 20, false).records;
    const batchSize = readBatchHeader(one, 0).batchLength + 12;
    const two = log.read(0, batchSize * 2 + 10, false).records;
    assert.equal(two.length, batchSize * 2);
    const none = log.read(0, batchSize - 1, false);
    assert.equal(none.records.length, 0);
    const forced = log.read(0, 10, true);
    assert.equal(forced.records.length, batchSize);
    assert.equal(readBatchHeader(forced.records, 0).baseOffset, 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('round trip across segment rolls with index lookups landing on the right batch', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 8 * 1024, indexIntervalBytes: 512 });
    const log = await openLog(dir, config);
    appendBatches(log, 200, 3, { valueSize: 40 });
    assert.equal(log.logEndOffset, 600);
    assert.ok(log.segmentCount > 5, `segments: ${log.segmentCount}`);
    const files = fs.readdirSync(path.join(dir, 'orders-0'));
    assert.ok(files.includes('00000000000000000000.log'));
    assert.ok(files.some((f) => /^\d{20}\.index$/.test(f)));
    // Every offset reads back its own batch first.
    for (let offset = 0; offset < 600; offset += 7) {
      const r = log.read(offset, 200, true);
      const h = readBatchHeader(r.records, 0);
      assert.ok(h.baseOffset <= offset && offset <= h.baseOffset + h.lastOffsetDelta, `offset ${offset} got batch ${h.baseOffset}`);
      assert.equal(h.baseOffset, offset - (offset % 3));
    }
    const all = readAll(log, 0);
    assert.equal(all.length, 600);
    assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 600 }, (_, i) => i));
    // Reopen (clean) and read again: indexes loaded from files.
    await log.close();
    const again = await openLog(dir, config, true);
    assert.equal(again.logEndOffset, 600);
    assert.equal(readAll(again, 0).length, 600);
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('offsetForTimestamp and maxTimestampOffset', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig({ segmentBytes: 4096, indexIntervalBytes: 256 }));
    // 100 batches of 5 records, timestamps NOW .. NOW+499 in offset order.
    appendBatches(log, 100, 5, { valueSize: 20 });
    // One batch with out-of-order timestamps: the max record is in the middle.
    const odd = buildRecordBatch([
      { value: 'a', timestamp: NOW + 1000 },
      { value: 'b', timestamp: NOW + 5000 },
      { value: 'c', timestamp: NOW + 2000 },
    ]);
    log.append(odd, { recordCount: 3 }, NOW);
    appendBatches(log, 3, 2, { base: NOW + 600 });
    assert.deepEqual(log.offsetForTimestamp(NOW), { offset: 0, timestamp: NOW });
    assert.deepEqual(log.offsetForTimestamp(NOW - 100), { offset: 0, timestamp: NOW });
    assert.deepEqual(log.offsetForTimestamp(NOW + 123), { offset: 123, timestamp: NOW + 123 });
    assert.deepEqual(log.offsetForTimestamp(NOW + 499), { offset: 499, timestamp: NOW + 499 });
    // First record >= NOW+500 is the odd batch's first record (NOW+1000) at offset 500.
    assert.deepEqual(log.offsetForTimestamp(NOW + 500), { offset: 500, timestamp: NOW + 1000 });
    assert.deepEqual(log.offsetForTimestamp(NOW + 3000), { offset: 501, timestamp: NOW + 5000 });
    assert.equal(log.offsetForTimestamp(NOW + 6000), null);
    assert.deepEqual(log.maxTimestampOffset(), { offset: 501, timestamp: NOW + 5000 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('LogAppendTime stamps the broker time and reports it', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig({ messageTimestampType: 'LogAppendTime' }));
    const batch = buildSimpleBatch(3, { baseTimestamp: 5 });
    const r = log.append(batch, { recordCount: 3 }, NOW + 42);
    assert.equal(r.logAppendTime, NOW + 42);
    const read = log.read(0, 1 << 20, true);
    assert.deepEqual(recordsOf(read.records).map((x) => x.timestamp), [NOW + 42, NOW + 42, NOW + 42]);
    assert.equal(validateRecordSet(read.records, { maxMessageBytes: 1 << 20, now: NOW }).ok, true);
    assert.deepEqual(log.maxTimestampOffset(), { offset: 0, timestamp: NOW + 42 });
    assert.deepEqual(log.offsetForTimestamp(NOW), { offset: 0, timestamp: NOW + 42 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('onAppend notifies listeners with the new high watermark until unsubscribed', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig());
    const seen: number[] = [];
    const off = log.onAppend((hw) => seen.push(hw));
    appendBatches(log, 2, 3);
    off();
    appendBatches(log, 1, 3);
    assert.deepEqual(seen, [3, 6]);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('recovery truncates a torn tail and garbage, keeps what came before, and appends continue', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 16 * 1024, indexIntervalBytes: 1024 });
    const log = await openLog(dir, config);
    appendBatches(log, 60, 4, { valueSize: 50 });
    const end = log.logEndOffset;
    const segs = log.segmentBaseOffsets();
    const activeBase = segs[segs.length - 1] as number;
    // Simulate a crash: no close(). Cut the last batch in half.
    const activePath = path.join(dir, 'orders-0', `${String(activeBase).padStart(20, '0')}.log`);
    const lastBatch = log.read(end - 1, 1 << 20, true).records;
    const size = fs.statSync(activePath).size;
    fs.truncateSync(activePath, size - Math.floor(lastBatch.length / 2));
    const reopened = await openLog(dir, config);
    assert.equal(reopened.logEndOffset, end - 4);
    const all = readAll(reopened, 0);
    assert.equal(all.length, end - 4);
    assert.equal(all[all.length - 1]?.value.length, 50);
    const r = reopened.append(buildSimpleBatch(2), { recordCount: 2 }, NOW);
    assert.equal(r.baseOffset, end - 4);
    // Crash again, now with garbage appended after valid data.
    fs.appendFileSync(activePath, Buffer.from('this is not a record batch, just junk bytes of a torn write.....'));
    const third = await openLog(dir, config);
    assert.equal(third.logEndOffset, end - 2);
    assert.equal(readAll(third, 0).length, end - 2);
    await third.close();
    await log.closeForDelete();
    await reopened.closeForDelete();
  } finally {
    rmDir(dir);
  }
});

test('recovery detects a flipped byte (CRC) in the active segment', async () => {
  const dir = tempDir();
  try {
    const config = logConfig();
    const log = await openLog(dir, config);
    appendBatches(log, 10, 2);
    const file = path.join(dir, 'orders-0', '00000000000000000000.log');
    const buf = fs.readFileSync(file);
    // Corrupt a byte inside the 8th batch.
    const batchSize = buf.readInt32BE(8) + 12;
    buf[batchSize * 7 + 70] ^= 0x55;
    fs.writeFileSync(file, buf);
    const reopened = await openLog(dir, config);
    assert.equal(reopened.logEndOffset, 14);
    assert.equal(fs.statSync(file).size, batchSize * 7);
    await reopened.close();
    await log.closeForDelete();
  } finally {
    rmDir(dir);
  }
});

test('deleted or corrupt index files are rebuilt', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 8 * 1024, indexIntervalBytes: 300 });
    const log = await openLog(dir, config);
    appendBatches(log, 100, 3, { valueSize: 30 });
    await log.close();
    const pdir = path.join(dir, 'orders-0');
    const indexes = fs.readdirSync(pdir).filter((f) => f.endsWith('.index'));
    const timeIndexes = fs.readdirSync(pdir).filter((f) => f.endsWith('.timeindex'));
    assert.ok(indexes.length > 2);
    const firstIndexSize = fs.statSync(path.join(pdir, indexes[0] as string)).size;
    assert.ok(firstIndexSize > 0);
    fs.rmSync(path.join(pdir, indexes[0] as string));
    fs.writeFileSync(path.join(pdir, indexes[1] as string), Buffer.from('garbage'));
    fs.rmSync(path.join(pdir, timeIndexes[2] as string));
    const reopened = await openLog(dir, config, true);
    assert.equal(reopened.logEndOffset, 300);
    const all = readAll(reopened, 0);
    assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 300 }, (_, i) => i));
    assert.deepEqual(reopened.offsetForTimestamp(NOW + 150), { offset: 150, timestamp: NOW + 150 });
    await reopened.close();
    assert.equal(fs.statSync(path.join(pdir, indexes[0] as string)).size, firstIndexSize);
  } finally {
    rmDir(dir);
  }
});

test('retention by bytes deletes the oldest closed segments and moves logStartOffset', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 4096, retentionBytes: 10_000 });
    const log = await openLog(dir, config);
    appendBatches(log, 100, 2, { valueSize: 60 });
    const before = log.segmentCount;
    const sizeBefore = log.sizeInBytes;
    assert.ok(sizeBefore > 20_000);
    const deleted = log.applyRetention(NOW);
    assert.ok(deleted > 0);
    assert.equal(log.segmentCount, before - deleted);
    assert.ok(log.sizeInBytes >= 10_000 && log.sizeInBytes < 10_000 + 4096, `size ${log.sizeInBytes}`);
    const bases = log.segmentBaseOffsets();
    assert.equal(log.logStartOffset, bases[0]);
    const files = fs.readdirSync(path.join(dir, 'orders-0')).filter((f) => f.endsWith('.log'));
    assert.equal(files.length, log.segmentCount);
    assert.equal(log.read(0, 1000, true).errorCode, 1);
    assert.equal(log.read(log.logStartOffset, 1000, true).errorCode, 0);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('retention by time deletes closed segments whose newest record is too old, never the active one', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 2048, retentionMs: 60_000 });
    const log = await openLog(dir, config);
    appendBatches(log, 30, 2, { valueSize: 60, base: NOW - 3_600_000 });
    const oldEnd = log.logEndOffset;
    log.roll(NOW);
    appendBatches(log, 3, 2, { valueSize: 60, base: NOW });
    assert.equal(log.applyRetention(NOW + 1000) > 0, true);
    assert.equal(log.logStartOffset, oldEnd);
    assert.equal(log.segmentBaseOffsets()[0], oldEnd);
    // Everything is old: the active segment stays.
    log.applyRetention(NOW + 10_000_000);
    assert.equal(log.segmentCount, 1);
    assert.equal(log.logEndOffset, oldEnd + 6);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('deleteRecordsBefore moves logStartOffset, deletes whole segments and survives reopen', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 2048 });
    const log = await openLog(dir, config);
    appendBatches(log, 40, 2, { valueSize: 40 });
    const segsBefore = log.segmentCount;
    assert.deepEqual(log.deleteRecordsBefore(35), { errorCode: 0, lowWatermark: 35 });
    assert.ok(log.segmentCount < segsBefore);
    assert.equal(log.read(34, 1000, true).errorCode, 1);
    const r = log.read(35, 1000, true);
    assert.equal(r.errorCode, 0);
    assert.equal(r.logStartOffset, 35);
    assert.equal(log.deleteRecordsBefore(1000).errorCode, 1);
    assert.equal(log.deleteRecordsBefore(10).lowWatermark, 35);
    await log.close();
    const reopened = await openLog(dir, config, true);
    assert.equal(reopened.logStartOffset, 35);
    assert.equal(reopened.logEndOffset, 80);
    await reopened.close();
    const crashed = await openLog(dir, config, false);
    assert.equal(crashed.logStartOffset, 35);
    await crashed.close();
  } finally {
    rmDir(dir);
  }
});

test('writeback: with the flush left to the OS, each writebackBytes appended starts one fdatasync, in the background', async () => {
  const dir = tempDir();
  const calls: number[] = [];
  const original = fsModule.fdatasync;
  fsModule.fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    calls.push(fd);
    original(fd, cb);
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  try {
    const open = (sub: string, writebackBytes?: number): Promise<PartitionLog> =>
      PartitionLog.open(path.join(dir, sub), tp, logConfig(), { now: () => NOW, ...(writebackBytes !== undefined ? { writebackBytes } : {}) });
    const small = await open('small', 64 * 1024);
    // Six rounds of 7 batches of 10 x 1 KiB records (~72 KiB, the seventh batch crosses 64 KiB),
    // each round after the previous writeback is done: one fdatasync per round.
    let offsets: number[] = [];
    for (let round = 1; round <= 6; round++) {
      offsets = appendBatches(small, 7, 10, { valueSize: 1024, base: NOW + round * 1000 });
      const deadline = Date.now() + 2000;
      while (calls.length < round && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(calls.length, round, `round ${round} wrote back once`);
      // Let that writeback (and anything coalesced behind it) finish before the next round.
      await small.flush();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(calls.length, 6, 'flush() found nothing left to write');
    // Nobody waits for a writeback: with the flush left to the OS, waiting still resolves at once.
    appendBatches(small, 7, 10, { valueSize: 1024, base: NOW + 9000 });
    let resolved = false;
    void small.waitForFlush(offsets.at(-1)! + 70).then(() => (resolved = true));
    await Promise.resolve();
    assert.equal(resolved, true);
    await small.close();

    calls.length = 0;
    const never = await open('never', 0);
    appendBatches(never, 40, 10, { valueSize: 1024 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, 0, 'writebackBytes 0 leaves writeback to the kernel');
    await never.close();

    calls.length = 0;
    const byDefault = await open('default');
    appendBatches(byDefault, 40, 10, { valueSize: 1024 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, 0, 'the default threshold (16 MiB) is not reached by ~410 KiB');
    await byDefault.close();
  } finally {
    fsModule.fdatasync = original;
    syncBuiltinESMExports();
    rmDir(dir);
  }
});

test('flush policy: defaults resolve at once; flush.messages=1 waits for a shared fdatasync', async () => {
  const dir = tempDir();
  try {
    const lazy = await openLog(dir, logConfig());
    const [b] = appendBatches(lazy, 1, 1);
    let resolved = false;
    void lazy.waitForFlush(b as number).then(() => (resolved = true));
    await Promise.resolve();
    assert.equal(resolved, true);
    await lazy.close();

    const dir2 = path.join(dir, 'strict');
    const strict = await PartitionLog.open(dir2, tp, logConfig({ flushMessages: 1 }), { now: () => NOW });
    const calls = { n: 0 };
    const original = fsModule.fdatasync;
    fsModule.fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      calls.n++;
      original(fd, cb);
    }) as typeof fs.fdatasync;
    syncBuiltinESMExports();
    try {
      const order: string[] = [];
      const offsets = appendBatches(strict, 20, 1);
      const waits = offsets.map((o) => strict.waitForFlush(o).then(() => order.push(`w${o}`)));
      order.push('sync');
      await Promise.all(waits);
      assert.equal(order[0], 'sync');
      assert.equal(order.length, 21);
      // Group commit: 20 appends, far fewer fdatasyncs.
      assert.ok(calls.n >= 1 && calls.n <= 3, `fdatasync calls: ${calls.n}`);
      // Already durable offsets resolve immediately.
      await strict.waitForFlush(0);
    } finally {
      fsModule.fdatasync = original;
      syncBuiltinESMExports();
    }
    await strict.close();
  } finally {
    rmDir(dir);
  }
});

test('flush.ms: waiters resolve once the timer flushes', async () => {
  const dir = tempDir();
  try {
    const log = await PartitionLog.open(path.join(dir, 'p'), tp, logConfig({ flushMs: 30 }), {});
    const [o] = appendBatches(log, 1, 1);
    const started = Date.now();
    await log.waitForFlush(o as number);
    assert.ok(Date.now() - started >= 20);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('delete removes the directory', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig());
    appendBatches(log, 3, 1);
    await log.delete();
    assert.equal(fs.existsSync(path.join(dir, 'orders-0')), false);
  } finally {
    rmDir(dir);
  }
});

test('sanity: 1000 appends of 16 KiB batches', async () => {
  const dir = tempDir();
  try {
    const log = await openLog(dir, logConfig({ segmentBytes: 4 * 1024 * 1024 }));
    const template = buildSimpleBatch(1, { valueSize: 16 * 1024 - 100 });
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.from(template);
      const v = validateRecordSet(b, { maxMessageBytes: 1 << 20, now: NOW });
      assert.ok(v.ok);
      log.append(b, v, NOW);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(log.logEndOffset, 1000);
    console.log(`# 1000 x 16 KiB validate+append: ${ms.toFixed(1)} ms, ${log.segmentCount} segments`);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('a corrupt tail in a closed segment is cut without losing the later segments', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 2048 });
    const log = await openLog(dir, config);
    appendBatches(log, 40, 2, { valueSize: 40 });
    const bases = log.segmentBaseOffsets();
    assert.ok(bases.length >= 3);
    const second = bases[1] as number;
    const end = log.logEndOffset;
    await log.close();
    // Flip a byte in the last batch of the first (closed) segment; reopen as after a crash.
    const file = path.join(dir, 'orders-0', '00000000000000000000.log');
    const buf = fs.readFileSync(file);
    buf[buf.length - 3] ^= 0xff;
    fs.writeFileSync(file, buf);
    fs.rmSync(path.join(dir, 'orders-0', '00000000000000000000.index'));
    const reopened = await openLog(dir, config, false);
    assert.equal(reopened.logEndOffset, end);
    assert.deepEqual(reopened.segmentBaseOffsets(), bases);
    // The lost batch (2 records) is a gap: a fetch inside it gets the next segment's first batch.
    const r = reopened.read(second - 1, 1 << 20, true);
    assert.equal(readBatchHeader(r.records, 0).baseOffset, second);
    const all = readAll(reopened, 0);
    assert.equal(all.length, end - 2);
    await reopened.close();
  } finally {
    rmDir(dir);
  }
});
