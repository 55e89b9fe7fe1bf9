// Producer state (Kafka 4's ProducerStateManager semantics): duplicates answered
// with the original offsets, sequence gaps and fenced epochs refused, sequence
// wrap, expiry, and Kafka's snapshot layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/errors.js';
import {
  CorruptSnapshotError, NUM_BATCHES_TO_RETAIN, ProducerStateManager, parseSnapshot,
  type AppendedProducerBatch, type ProducerBatch, type ProducerCheck,
} from '../../src/coordinator/producer-state.js';
import { crc32c } from '../../src/protocol/records/crc32c.js';

const INT32_MAX = 0x7fffffff;
const PID = 1000;

function batch(baseSequence: number, count: number, producerEpoch = 0, producerId = PID): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: count - 1, isTransactional: false, isControl: false };
}

/** A tiny log: checks like a client append, then applies at the next offsets. */
class Harness {
  readonly state = new ProducerStateManager('t-0', { producerIdExpirationMs: 60_000 });
  nextOffset = 0;

  produce(b: ProducerBatch, timestamp = 1_000): ProducerCheck & { baseOffset?: number } {
    const check = this.state.checkClientBatch(b, this.nextOffset);
    if (check.kind !== 'ok') return check;
    const appended: AppendedProducerBatch = { ...b, firstOffset: this.nextOffset, lastOffset: this.nextOffset + b.lastOffsetDelta, maxTimestamp: timestamp };
    this.state.applyBatch(appended);
    this.nextOffset += b.lastOffsetDelta + 1;
    return { ...check, baseOffset: appended.firstOffset };
  }
}

function assertOk(r: ProducerCheck & { baseOffset?: number }, baseOffset: number): void {
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.message : r.kind);
  assert.equal(r.baseOffset, baseOffset);
}

function assertError(r: ProducerCheck, code: ErrorCode): void {
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') assert.equal(ErrorCode[r.errorCode], ErrorCode[code], r.message);
}

test('a retried batch within the last five is a duplicate carrying its original offsets', () => {
  const h = new Harness();
  const bases: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = h.produce(batch(i * 3, 3), 5_000 + i);
    assertOk(r, i * 3);
    bases.push(i * 3);
  }
  // Batches 2..6 are cached; each retry answers with its first and last offset and timestamp.
  for (let i = 7 - NUM_BATCHES_TO_RETAIN; i < 7; i++) {
    const r = h.state.checkClientBatch(batch(i * 3, 3), h.nextOffset);
    assert.equal(r.kind, 'duplicate');
    if (r.kind === 'duplicate') {
      assert.deepEqual([r.batch.firstOffset, r.batch.lastOffset, r.batch.timestamp], [bases[i], (bases[i] as number) + 2, 5_000 + i]);
    }
  }
  // Older than the cache: out of order, as in Kafka.
  assertError(h.state.checkClientBatch(batch(3, 3), h.nextOffset), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  // The same first sequence with a different count is not that batch.
  assertError(h.state.checkClientBatch(batch(18, 2), h.nextOffset), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(h.nextOffset, 21);
});

test('a sequence gap or a replay of an uncached sequence is OUT_OF_ORDER_SEQUENCE_NUMBER; the next sequence goes on', () => {
  const h = new Harness();
  assertOk(h.produce(batch(0, 2)), 0);
  assertError(h.produce(batch(5, 1)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assertError(h.produce(batch(1, 1)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assertOk(h.produce(batch(2, 1)), 2);
});

test('a producer unknown to the partition may start at any sequence (Kafka 4, KIP-360)', () => {
  const h = new Harness();
  assertOk(h.produce(batch(42, 2)), 0);
  assertOk(h.produce(batch(44, 1)), 2);
  assertError(h.produce(batch(46, 1)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('epochs: a lower epoch is fenced with INVALID_PRODUCER_EPOCH, a higher one must start at sequence 0', () => {
  const h = new Harness();
  assertOk(h.produce(batch(0, 1, 3)), 0);
  assertError(h.produce(batch(1, 1, 2)), ErrorCode.INVALID_PRODUCER_EPOCH);
  assertError(h.produce(batch(1, 1, 4)), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assertOk(h.produce(batch(0, 1, 4)), 1);
  // The new epoch's cache holds only its own batches: epoch 3's batch is gone.
  assertError(h.state.checkClientBatch(batch(0, 1, 3), h.nextOffset), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(h.state.checkClientBatch(batch(0, 1, 4), h.nextOffset).kind, 'duplicate');
});

test('sequences wrap from Int32.MAX to 0, inside a batch and between batches', () => {
  const h = new Harness();
  assertOk(h.produce(batch(INT32_MAX - 1, 2)), 0);
  assertOk(h.produce(batch(0, 3)), 2);
  const other = 7;
  assertOk(h.produce(batch(INT32_MAX - 1, 3, 0, other)), 5);
  const entry = h.state.entry(other);
  assert.equal(entry?.lastSeq, 0, 'last sequence of a batch crossing Int32.MAX');
  assert.equal(h.state.checkClientBatch(batch(INT32_MAX - 1, 3, 0, other), h.nextOffset).kind, 'duplicate');
  assertOk(h.produce(batch(1, 1, 0, other)), 8);
});

test('batches without a producer id are never checked and only move the end offset', () => {
  const h = new Harness();
  assertOk(h.produce({ ...batch(-1, 4), producerId: -1, producerEpoch: -1 }), 0);
  assert.equal(h.state.producerCount, 0);
  assert.equal(h.state.mapEndOffset, 4);
});

test('a non-transactional batch while the producer has a transaction open is INVALID_TXN_STATE', () => {
  const h = new Harness();
  assertOk(h.produce({ ...batch(0, 1), isTransactional: true }), 0);
  assert.deepEqual(h.state.ongoingTransactionFirstOffsets(), [0]);
  assertError(h.produce(batch(1, 1)), ErrorCode.INVALID_TXN_STATE);
  assertOk(h.produce({ ...batch(1, 1), isTransactional: true }), 1);
});

test('producers idle longer than producer.id.expiration.ms are forgotten; then any sequence is accepted again', () => {
  const h = new Harness();
  assertOk(h.produce(batch(0, 1), 1_000), 0);
  assertOk(h.produce(batch(0, 1, 0, 2), 50_000), 1);
  assert.equal(h.state.removeExpired(60_999), 0);
  assert.equal(h.state.removeExpired(61_000), 1);
  assert.equal(h.state.entry(PID), undefined);
  assert.notEqual(h.state.entry(2), undefined);
  assertOk(h.produce(batch(17, 1)), 2);
});

test("snapshots use Kafka's layout and restore epoch, last batch and transaction state", () => {
  const h = new Harness();
  assertOk(h.produce(batch(0, 3, 2), 7_000), 0);
  assertOk(h.produce(batch(3, 2, 2), 7_001), 3);
  assertOk(h.produce({ ...batch(0, 1, 0, 9), isTransactional: true }, 7_002), 5);
  const snap = h.state.serializeSnapshot();
  // version int16, crc uint32, count int32, then 46-byte entries.
  assert.equal(snap.readInt16BE(0), 1);
  assert.equal(snap.readUInt32BE(2), crc32c(snap.subarray(6)));
  assert.equal(snap.readInt32BE(6), 2);
  assert.equal(snap.length, 10 + 2 * 46);
  const entries = parseSnapshot(snap);
  const e = entries.find((x) => x.producerId === PID)!;
  assert.deepEqual([e.producerEpoch, e.lastSeq, e.lastDataOffset, e.lastOffsetDelta, e.lastTimestamp, e.currentTxnFirstOffset], [2, 4, 4, 1, 7_001, -1]);
  const t = entries.find((x) => x.producerId === 9)!;
  assert.equal(t.currentTxnFirstOffset, 5);

  const restored = new ProducerStateManager('t-0', { producerIdExpirationMs: 60_000 });
  restored.loadSnapshot(snap, 6, 8_000);
  assert.equal(restored.mapEndOffset, 6);
  // Only the last batch survives a snapshot (as in Kafka): its retry is a duplicate, the next sequence goes on.
  const dup = restored.checkClientBatch(batch(3, 2, 2), 6);
  assert.equal(dup.kind, 'duplicate');
  if (dup.kind === 'duplicate') assert.deepEqual([dup.batch.firstOffset, dup.batch.lastOffset], [3, 4]);
  assert.equal(restored.checkClientBatch(batch(5, 1, 2), 6).kind, 'ok');
  assertError(restored.checkClientBatch(batch(0, 3, 2), 6), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(restored.ongoingTransactionFirstOffsets(), [5]);
  // Expired entries are dropped on load, as Kafka does.
  const later = new ProducerStateManager('t-0', { producerIdExpirationMs: 60_000 });
  later.loadSnapshot(snap, 6, 67_001);
  assert.equal(later.entry(PID), undefined);
  assert.notEqual(later.entry(9), undefined, 'a producer with an open transaction never expires');
});

test('corrupt snapshots are refused with CorruptSnapshotError and leave the state alone', () => {
  const h = new Harness();
  assertOk(h.produce(batch(0, 1)), 0);
  const snap = h.state.serializeSnapshot();
  const flipped = Buffer.from(snap);
  flipped[20] = (flipped[20] as number) ^ 1;
  for (const bad of [flipped, snap.subarray(0, snap.length - 1), Buffer.alloc(3), Buffer.concat([Buffer.from([0, 2]), snap.subarray(2)])]) {
    assert.throws(() => h.state.loadSnapshot(bad, 1, 0), CorruptSnapshotError);
  }
  assert.equal(h.state.entry(PID)?.lastSeq, 0);
});
