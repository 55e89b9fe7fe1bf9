// Reads borrow from the read-buffer pool only when the caller lends them out
// (the Fetch path), and a lending read that does not return its buffer hands
// it straight back.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readBatchHeader, validateRecordSet } from '../../src/protocol/records/batch.js';
import { readBufferStats, recycleResponseChunks } from '../../src/protocol/read-buffers.js';
import { PartitionLog, partitionDirName } from '../../src/storage/partition-log.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';

const tp = { topic: 'lend', partition: 0 };
const NOW = 1_700_000_000_000;

/** A log of `batches` batches of 100 records x 1 KiB (about 100 KiB each). */
async function withLog(batches: number, fn: (log: PartitionLog) => void): Promise<void> {
  const dir = tempDir();
  const log = await PartitionLog.open(path.join(dir, partitionDirName(tp)), tp, logConfig(), { now: () => NOW, cleanShutdown: false });
  try {
    for (let i = 0; i < batches; i++) {
      const batch = buildSimpleBatch(100, { prefix: `b${i}`, valueSize: 1024, baseTimestamp: NOW });
      const v = validateRecordSet(batch, { maxMessageBytes: 10_000_000, now: NOW });
      assert.ok(v.ok);
      log.append(batch, v, NOW);
    }
    fn(log);
  } finally {
    await log.close();
    rmDir(dir);
  }
}

test('only a lending read borrows a pooled buffer; the bytes are the same either way', async () => {
  await withLog(8, (log) => {
    const s0 = readBufferStats();
    const kept = log.read(0, 1 << 20, true);
    assert.equal(readBufferStats().lent, s0.lent, 'a plain read borrows nothing');
    assert.ok(kept.records.length > 500_000);

    const lent = log.read(0, 1 << 20, true, { lendForResponse: true });
    assert.equal(readBufferStats().lent, s0.lent + 1, 'a lending read borrows one buffer');
    assert.ok(lent.records.equals(kept.records), 'same bytes');
    assert.notEqual(lent.records.buffer, kept.records.buffer);

    // Handing back the plain read's bytes (as a connection does with a response's chunks) is a no-op ...
    recycleResponseChunks([kept.records]);
    assert.equal(readBufferStats().returned, s0.returned);
    // ... while the lent one goes back once.
    recycleResponseChunks([lent.records, lent.records.subarray(10)]);
    assert.equal(readBufferStats().returned, s0.returned + 1);
  });
});

test('a lending read that returns no bytes hands its buffer straight back', async () => {
  await withLog(2, (log) => {
    const first = log.read(0, 1 << 20, true);
    const batchSize = readBatchHeader(first.records, 0).batchLength + 12;
    assert.ok(batchSize > 100_000);
    const s0 = readBufferStats();
    // 70,000 bytes allowed, no KIP-74 exception: the first batch does not fit, nothing is returned,
    // but the chunk read (70,000 + index interval + look-ahead) was a pooled size.
    const r = log.read(0, 70_000, false, { lendForResponse: true });
    assert.equal(r.errorCode, 0);
    assert.equal(r.records.length, 0);
    const s1 = readBufferStats();
    assert.equal(s1.lent, s0.lent + 1);
    assert.equal(s1.returned, s0.returned + 1, 'the empty read gave its buffer back');
    assert.notEqual(r.records.buffer.byteLength, 131_072, 'the empty answer is not a view of the returned buffer');

    // KIP-74: with minOneBatch the first batch comes whole even though the chunk read was smaller;
    // the short chunk is handed back and only the buffer holding the batch stays lent.
    const whole = log.read(0, 70_000, true, { lendForResponse: true });
    assert.equal(whole.records.length, batchSize);
    assert.ok(whole.records.equals(first.records.subarray(0, batchSize)));
    const s2 = readBufferStats();
    assert.equal(s2.lent, s1.lent + 2);
    assert.equal(s2.returned, s1.returned + 1);
  });
});

test('bytes a plain read handed out stay intact after a response carried them and lending reads reuse the pool', async () => {
  await withLog(40, (log) => {
    // A reader that keeps views of what it read (like group state loaded from __consumer_offsets)
    // and later sends them in a response: the connection then hands the response's chunks back.
    const kept = log.read(0, 200_000, true);
    assert.ok(kept.records.length > 100_000);
    const expected = Buffer.from(kept.records);
    recycleResponseChunks([kept.records]);
    // Fetches of the same size class and others, their buffers handed back after "writing".
    for (let round = 0; round < 20; round++) {
      for (const max of [100_000, 200_000, 400_000]) {
        const r = log.read(((round * 7) % 35) * 100, max, true, { lendForResponse: true });
        assert.ok(r.records.length > 0);
        recycleResponseChunks([r.records]);
      }
    }
    assert.ok(kept.records.equals(expected), 'the kept bytes were not reused for another read');
  });
});
