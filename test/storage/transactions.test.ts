// Transactions in the partition log: the last stable offset, read_committed
// reads stopping at it, the aborted-transaction index (`.txnindex`) and its
// rebuild after a crash, and marker checks against producer state.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { readBatchHeader, validateRecordSet } from '../../src/protocol/records/batch.js';
import { buildMarkerBatch, readMarker } from '../../src/protocol/records/control-records.js';
import { PartitionLog, partitionDirName } from '../../src/storage/partition-log.js';
import type { AbortedTxn } from '../../src/storage/transaction-index.js';
import type { LogConfig } from '../../src/storage/types.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';

const tp = { topic: 'txn', partition: 0 };
const NOW = 1_700_000_000_000;

function open(dir: string, config: LogConfig = logConfig(), cleanShutdown = false): Promise<PartitionLog> {
  return PartitionLog.open(path.join(dir, partitionDirName(tp)), tp, config, { now: () => NOW, cleanShutdown });
}

class Producer {
  seq = 0;
  constructor(readonly pid: number, public epoch = 0) {}
  batch(n: number, transactional = true): Buffer {
    const b = buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `p${this.pid}-${this.seq + i}`, value: 'v' })), {
      producerId: this.pid, producerEpoch: this.epoch, baseSequence: this.seq, transactional, baseTimestamp: NOW,
    });
    this.seq += n;
    return b;
  }
}

function produce(log: PartitionLog, batch: Buffer): number {
  const v = validateRecordSet(batch, { maxMessageBytes: 1 << 20, now: NOW });
  assert.ok(v.ok);
  const check = log.checkProducerAppend(batch);
  assert.equal(check.kind, 'ok', JSON.stringify(check));
  return log.append(batch, v, NOW).baseOffset;
}

function mark(log: PartitionLog, p: Producer, commit: boolean, coordinatorEpoch = 0): number {
  const check = log.checkMarker(p.pid, p.epoch, coordinatorEpoch);
  assert.equal(check.kind, 'ok', JSON.stringify(check));
  const batch = buildMarkerBatch({ producerId: p.pid, producerEpoch: p.epoch, coordinatorEpoch, type: commit ? 'COMMIT' : 'ABORT' }, NOW);
  return log.append(batch, { recordCount: 1 }, NOW).baseOffset;
}

/** Reads everything read_committed can see, a segment at a time; the aborted transactions reported, by marker offset. */
function readAllCommitted(log: PartitionLog): { batches: number; aborted: AbortedTxn[] } {
  const aborted = new Map<number, AbortedTxn>();
  let batches = 0;
  for (let offset = log.logStartOffset; offset < log.lastStableOffset; ) {
    const r = log.read(offset, 1 << 24, true, true);
    assert.ok(r.records.length > 0, `progress at ${offset}`);
    for (const t of r.abortedTransactions) aborted.set(t.lastOffset, t);
    const offsets = batchOffsets(r.records);
    batches += offsets.length;
    const last = readBatchHeader(r.records, r.records.length - lastBatchSize(r.records));
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return { batches, aborted: [...aborted.values()].sort((a, b) => a.lastOffset - b.lastOffset) };
}

function lastBatchSize(records: Buffer): number {
  let pos = 0;
  let size = 0;
  while (pos < records.length) {
    size = readBatchHeader(records, pos).batchLength + 12;
    pos += size;
  }
  return size;
}

function batchOffsets(records: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < records.length; ) {
    const h = readBatchHeader(records, pos);
    out.push(h.baseOffset);
    pos += h.batchLength + 12;
  }
  return out;
}

test('the last stable offset stops at the oldest open transaction; read_committed reads stop there', async () => {
  const dir = tempDir();
  try {
    const log = await open(dir);
    const a = new Producer(1);
    const b = new Producer(2);
    assert.equal(produce(log, buildRecordBatch([{ value: 'plain' }])), 0);
    assert.equal(produce(log, a.batch(2)), 1); // a's txn starts at 1
    assert.equal(produce(log, b.batch(1)), 3); // b's txn starts at 3
    assert.equal(log.lastStableOffset, 1);
    assert.equal(log.highWatermark, 4);
    assert.deepEqual(batchOffsets(log.read(0, 1 << 20, true, true).records), [0], 'read_committed stops before a');
    assert.deepEqual(batchOffsets(log.read(0, 1 << 20, true, false).records), [0, 1, 3], 'read_uncommitted sees all');
    assert.equal(log.read(1, 1 << 20, true, true).records.length, 0, 'nothing stable at the LSO');

    assert.equal(mark(log, a, true), 4); // a commits
    assert.equal(log.lastStableOffset, 3, 'b still open');
    assert.equal(mark(log, b, false), 5); // b aborts
    assert.equal(log.lastStableOffset, 6);
    const r = log.read(0, 1 << 20, true, true);
    assert.deepEqual(batchOffsets(r.records), [0, 1, 3, 4, 5]);
    assert.deepEqual(r.abortedTransactions, [{ producerId: 2, firstOffset: 3, lastOffset: 5, lastStableOffset: 6 }]);
    assert.deepEqual(log.read(4, 1 << 20, true, true).abortedTransactions.map((t) => t.producerId), [2], 'marker still ahead');
    assert.deepEqual(log.read(6, 1 << 20, true, true).abortedTransactions, []);
    assert.deepEqual(readMarker(log.read(5, 1 << 20, true).records), { type: 'ABORT', coordinatorEpoch: 0 });
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('the aborted-transaction index and open transactions survive a clean restart and a crash', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 600 });
    let log = await open(dir, config);
    const ps = [new Producer(10), new Producer(11), new Producer(12)];
    const aborted: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const p of ps) produce(log, p.batch(2));
      for (const [i, p] of ps.entries()) {
        const commit = (round + i) % 2 === 0;
        const at = mark(log, p, commit);
        if (!commit) aborted.push(at);
      }
    }
    const open10 = produce(log, ps[0]!.batch(1)); // left open
    assert.ok(log.segmentCount > 3, 'rolled');
    const expect = readAllCommitted(log);
    assert.equal(log.lastStableOffset, open10);
    assert.deepEqual(expect.aborted.map((t) => t.lastOffset), aborted);
    const txnFiles = fs.readdirSync(path.join(dir, partitionDirName(tp))).filter((n) => n.endsWith('.txnindex'));
    assert.ok(txnFiles.length >= 2, `txn index files per segment: ${txnFiles.join(',')}`);
    await log.close();

    log = await open(dir, config, true);
    assert.equal(log.lastStableOffset, open10, 'open transaction restored from the snapshot');
    assert.deepEqual(readAllCommitted(log), expect);
    // A crash: no snapshots, so recovery replays every batch header and marker.
    (log as unknown as { closed: boolean }).closed = true;
    for (const n of fs.readdirSync(path.join(dir, partitionDirName(tp)))) {
      if (n.endsWith('.snapshot')) fs.rmSync(path.join(dir, partitionDirName(tp), n));
    }
    log = await open(dir, config, false);
    assert.equal(log.lastStableOffset, open10);
    assert.deepEqual(readAllCommitted(log), expect, 'no duplicates, none lost');
    mark(log, ps[0]!, false);
    assert.equal(log.lastStableOffset, log.highWatermark);
    await log.close();
  } finally {
    rmDir(dir);
  }
});

test('markers are checked: a stale producer epoch or coordinator epoch is fenced', async () => {
  const dir = tempDir();
  try {
    const log = await open(dir);
    const p = new Producer(7, 3);
    produce(log, p.batch(1));
    assert.equal(mark(log, p, true, 5), 1);
    const stale = log.checkMarker(7, 2, 5);
    assert.ok(stale.kind === 'error' && stale.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH);
    const zombie = log.checkMarker(7, 3, 4);
    assert.ok(zombie.kind === 'error' && zombie.errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    // A marker with a bumped epoch (abort after a timeout) fences the producer's old epoch.
    const bumped = new Producer(7, 4);
    assert.equal(mark(log, bumped, false, 5), 2);
    const fenced = log.checkProducerAppend(new Producer(7, 3).batch(1));
    assert.ok(fenced.kind === 'error' && fenced.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH);
    // A non-transactional write while a transaction is open is INVALID_TXN_STATE.
    const q = new Producer(8);
    produce(log, q.batch(1));
    const plain = log.checkProducerAppend(q.batch(1, false));
    assert.ok(plain.kind === 'error' && plain.errorCode === ErrorCode.INVALID_TXN_STATE);
    await log.close();
  } finally {
    rmDir(dir);
  }
});
