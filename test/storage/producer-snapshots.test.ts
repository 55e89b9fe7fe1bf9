// Producer state in the partition log: `<offset>.snapshot` files on segment
// roll and on clean shutdown, and producer state rebuilt after a crash from the
// newest snapshot plus the batch headers after it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateRecordSet } from '../../src/protocol/records/batch.js';
import { PartitionLog, partitionDirName } from '../../src/storage/partition-log.js';
import type { LogConfig } from '../../src/storage/types.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';

const tp = { topic: 'idem', partition: 0 };
const NOW = 1_700_000_000_000;
const PID = 4242;

function logDir(dir: string): string {
  return path.join(dir, partitionDirName(tp));
}

function open(dir: string, config: LogConfig, opts: { cleanShutdown?: boolean; now?: number; expirationMs?: number } = {}): Promise<PartitionLog> {
  return PartitionLog.open(logDir(dir), tp, config, {
    now: () => opts.now ?? NOW,
    cleanShutdown: opts.cleanShutdown ?? false,
    producerState: { producerIdExpirationMs: opts.expirationMs ?? 86_400_000 },
  });
}

function idempotentBatch(seq: number, n: number, epoch = 0, pid = PID): Buffer {
  return buildRecordBatch(Array.from({ length: n }, (_, i) => ({ key: `k${seq + i}`, value: 'x'.repeat(200) })), {
    producerId: pid, producerEpoch: epoch, baseSequence: seq, baseTimestamp: NOW,
  });
}

/** Checks like the store does, then appends; returns the base offset or the check's outcome. */
function produce(log: PartitionLog, batch: Buffer): number | string {
  const v = validateRecordSet(batch, { maxMessageBytes: 1 << 20, now: NOW });
  assert.ok(v.ok, 'valid batch');
  const check = log.checkProducerAppend(batch);
  if (check.kind === 'duplicate') return `duplicate@${check.batch.firstOffset}`;
  if (check.kind === 'error') return `error ${check.errorCode}`;
  return log.append(batch, v, NOW).baseOffset;
}

function snapshots(dir: string): string[] {
  return fs.readdirSync(logDir(dir)).filter((n) => n.endsWith('.snapshot')).sort();
}

test('a snapshot is written at each roll and at clean shutdown; the next start replays nothing', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 4096 });
    const log = await open(dir, config);
    let seq = 0;
    for (let i = 0; i < 40; i++, seq += 5) assert.equal(produce(log, idempotentBatch(seq, 5)), seq);
    assert.ok(log.segmentCount > 3, 'rolled several times');
    const rolled = snapshots(dir);
    assert.equal(rolled.length, 2, `the two newest are kept: ${rolled.join(',')}`);
    assert.equal(Number(rolled[1]!.slice(0, 20)), log.segmentBaseOffsets().at(-1), 'named by the new segment base offset');
    await log.close();
    assert.equal(snapshots(dir).at(-1), `${String(200).padStart(20, '0')}.snapshot`, 'snapshot at the log end on close');

    const reopened = await open(dir, config, { cleanShutdown: true });
    // The last batch comes back from the snapshot: its retry is a duplicate, the next sequence is accepted.
    assert.equal(produce(reopened, idempotentBatch(195, 5)), 'duplicate@195');
    assert.equal(produce(reopened, idempotentBatch(201, 1)), 'error 45');
    assert.equal(produce(reopened, idempotentBatch(200, 1)), 200);
    await reopened.close();
  } finally {
    rmDir(dir);
  }
});

test('after a crash, state comes from the last roll snapshot plus the headers after it: the last five batches dedupe', async () => {
  const dir = tempDir();
  try {
    const config = logConfig({ segmentBytes: 8192 });
    const log = await open(dir, config);
    let seq = 0;
    for (let i = 0; i < 23; i++, seq += 2) produce(log, idempotentBatch(seq, 2));
    produce(log, idempotentBatch(0, 3, 0, 7)); // a second producer
    // No close: the process "died" here (files are as a SIGKILL leaves them; data was written with writeSync).
    const bases = log.segmentBaseOffsets();
    assert.ok(bases.length >= 2, 'rolled');
    const lastSnapshot = Number(snapshots(dir).at(-1)!.slice(0, 20));
    assert.ok(lastSnapshot > 0 && lastSnapshot < 46, `a roll snapshot below the log end (${lastSnapshot})`);

    const recovered = await open(dir, config, { cleanShutdown: false });
    assert.equal(recovered.logEndOffset, 49);
    for (let i = 18; i < 23; i++) assert.equal(produce(recovered, idempotentBatch(i * 2, 2)), `duplicate@${i * 2}`, `batch ${i}`);
    assert.equal(produce(recovered, idempotentBatch(0, 3, 0, 7)), 'duplicate@46');
    assert.equal(produce(recovered, idempotentBatch(46, 1)), 49);
    assert.equal(produce(recovered, idempotentBatch(3, 1, 0, 7)), 50);
    await recovered.close();
  } finally {
    rmDir(dir);
  }
});

test('a corrupt or stray snapshot is ignored: state is rebuilt from the log', async () => {
  const dir = tempDir();
  try {
    const config = logConfig();
    const log = await open(dir, config);
    for (let i = 0; i < 4; i++) produce(log, idempotentBatch(i, 1, 2));
    await log.close();
    const file = path.join(logDir(dir), `${String(4).padStart(20, '0')}.snapshot`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    fs.writeFileSync(file, bytes);
    // A snapshot past the log end (left by a truncated tail) must not be trusted either.
    fs.writeFileSync(path.join(logDir(dir), `${String(99).padStart(20, '0')}.snapshot`), bytes);

    const reopened = await open(dir, config, { cleanShutdown: true });
    assert.deepEqual(snapshots(dir), [], 'both unusable snapshots removed');
    assert.equal(produce(reopened, idempotentBatch(3, 1, 2)), 'duplicate@3');
    assert.equal(produce(reopened, idempotentBatch(4, 1, 1)), 'error 47', 'epoch 2 was rebuilt from the headers');
    assert.equal(produce(reopened, idempotentBatch(4, 1, 2)), 4);
    await reopened.close();
  } finally {
    rmDir(dir);
  }
});

test('expired producers are left out when state is loaded and removed by removeExpiredProducers', async () => {
  const dir = tempDir();
  try {
    const config = logConfig();
    const log = await open(dir, config, { expirationMs: 60_000 });
    produce(log, idempotentBatch(0, 1));
    assert.equal(log.removeExpiredProducers(NOW + 59_999), 0);
    assert.equal(log.removeExpiredProducers(NOW + 60_000), 1);
    // Unknown again: any sequence goes.
    assert.equal(produce(log, idempotentBatch(9, 1)), 1);
    await log.close();
    const later = await open(dir, config, { cleanShutdown: true, now: NOW + 120_000, expirationMs: 60_000 });
    assert.equal(later.producerState.producerCount, 0);
    assert.equal(produce(later, idempotentBatch(0, 1)), 2);
    await later.close();
  } finally {
    rmDir(dir);
  }
});
