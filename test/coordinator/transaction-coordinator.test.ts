// The transaction coordinator over the in-memory store with a fake clock:
// __transaction_state records, replay on start (a transaction caught between
// PrepareCommit and its markers is completed by the next coordinator),
// transaction.timeout.ms aborts with a bumped epoch, transactional.id.expiration.ms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { BlockProducerIdAllocator } from '../../src/coordinator/producer-ids.js';
import { ManualClock } from '../../src/coordinator/timer.js';
import { DEFAULT_TRANSACTION_COORDINATOR_CONFIG, TransactionCoordinator, type TransactionCoordinatorConfig } from '../../src/coordinator/transaction-coordinator.js';
import { TxnState, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from '../../src/coordinator/transaction-log.js';
import { FakeStore } from './fake-store.js';

const CONFIG: TransactionCoordinatorConfig = { ...DEFAULT_TRANSACTION_COORDINATOR_CONFIG, numPartitions: 3, abortTimedOutIntervalMs: 1000, removeExpiredIntervalMs: 60_000, idExpirationMs: 600_000 };

async function coordinator(store: FakeStore, clock: ManualClock, ids = new BlockProducerIdAllocator(1000, () => {})): Promise<TransactionCoordinator> {
  const c = new TransactionCoordinator(store, ids, CONFIG, clock, clock);
  await c.start();
  return c;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

test('TransactionLogKey/Value round-trip; an Empty transaction is written with a null partition list', () => {
  assert.equal(decodeTxnKey(encodeTxnKey('my-txn')), 'my-txn');
  const ongoing = { producerId: 42, producerEpoch: 3, timeoutMs: 60_000, state: TxnState.Ongoing, partitions: new Map([['t', new Set([0, 2])]]), lastUpdateTimestamp: 10, startTimestamp: 5 };
  assert.deepEqual(decodeTxnValue(encodeTxnValue(ongoing)), ongoing);
  const empty = encodeTxnValue({ ...ongoing, state: TxnState.Empty });
  // version(2) pid(8) epoch(2) timeout(4) state(1), then the array length.
  assert.equal(empty.readInt32BE(17), -1);
  assert.deepEqual(decodeTxnValue(empty).partitions, new Map());
  assert.throws(() => decodeTxnValue(Buffer.from([0, 9])), /unknown TransactionLogValue version 9/);
  assert.throws(() => decodeTxnValue(empty.subarray(0, 10)));
});

test('a transaction caught between PrepareCommit and its markers is completed by the next coordinator', async () => {
  const store = new FakeStore();
  await store.createTopic({ name: 'data', partitions: 2, configs: {}, validateOnly: false });
  const clock = new ManualClock();
  const a = await coordinator(store, clock);
  const p = await a.initProducerId('t1', 60_000, { producerId: -1, producerEpoch: -1 });
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(await a.addPartitions('t1', p.producerId, p.producerEpoch, [{ topic: 'data', partitions: [0, 1] }]), ErrorCode.NONE);
  store.failTxnMarkers = true;
  assert.equal(await a.endTransaction('t1', p.producerId, p.producerEpoch, true), ErrorCode.NONE, 'answered once PrepareCommit is written');
  assert.equal(a.describeTransactions(['t1'])[0]!.transactionState, 'PrepareCommit');
  assert.equal(await a.addPartitions('t1', p.producerId, p.producerEpoch, [{ topic: 'data', partitions: [0] }]), ErrorCode.CONCURRENT_TRANSACTIONS);
  a.stop(); // the broker goes away before any marker is written

  store.failTxnMarkers = false;
  const b = await coordinator(store, clock);
  await until(() => b.describeTransactions(['t1'])[0]!.transactionState === 'CompleteCommit', 'completed after the restart');
  for (const partition of [0, 1]) {
    assert.deepEqual(store.markers({ topic: 'data', partition }), [{ producerId: p.producerId, producerEpoch: p.producerEpoch, type: 'COMMIT' }]);
  }
  const next = await b.initProducerId('t1', 60_000, { producerId: -1, producerEpoch: -1 });
  assert.deepEqual([next.producerId, next.producerEpoch], [p.producerId, p.producerEpoch + 1]);
  b.stop();
});

test('transaction.timeout.ms aborts with a bumped epoch, which fences the producer', async () => {
  const store = new FakeStore();
  await store.createTopic({ name: 'data', partitions: 1, configs: {}, validateOnly: false });
  const clock = new ManualClock();
  const c = await coordinator(store, clock);
  const p = await c.initProducerId('slow', 5000, { producerId: -1, producerEpoch: -1 });
  assert.equal(await c.addPartitions('slow', p.producerId, p.producerEpoch, [{ topic: 'data', partitions: [0] }]), ErrorCode.NONE);
  clock.advance(4000);
  await settle();
  assert.equal(c.describeTransactions(['slow'])[0]!.transactionState, 'Ongoing', 'not yet');
  clock.advance(2000);
  await until(() => c.describeTransactions(['slow'])[0]!.transactionState === 'CompleteAbort', 'aborted');
  assert.deepEqual(store.markers({ topic: 'data', partition: 0 }), [{ producerId: p.producerId, producerEpoch: p.producerEpoch + 1, type: 'ABORT' }]);
  assert.equal(await c.endTransaction('slow', p.producerId, p.producerEpoch, true), ErrorCode.PRODUCER_FENCED);
  assert.equal(c.verifyProduce(p.producerId, p.producerEpoch, 'data', 0), ErrorCode.INVALID_PRODUCER_EPOCH);
  c.stop();
});

test('transactional.id.expiration.ms forgets idle ids with a tombstone that survives a restart', async () => {
  const store = new FakeStore();
  const clock = new ManualClock();
  const c = await coordinator(store, clock);
  assert.equal((await c.initProducerId('idle', 1000, { producerId: -1, producerEpoch: -1 })).errorCode, ErrorCode.NONE);
  assert.equal((await c.initProducerId('busy', 1000, { producerId: -1, producerEpoch: -1 })).errorCode, ErrorCode.NONE);
  clock.advance(400_000);
  await c.initProducerId('busy', 1000, { producerId: -1, producerEpoch: -1 }); // used again: not idle
  assert.equal(await c.removeExpiredTransactionalIds(), 0);
  clock.advance(300_000);
  assert.equal(await c.removeExpiredTransactionalIds(), 1);
  assert.equal(c.describeTransactions(['idle'])[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  c.stop();
  const again = await coordinator(store, clock);
  assert.deepEqual(again.describeTransactions(['idle', 'busy']).map((d) => d.errorCode), [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ErrorCode.NONE]);
  again.stop();
});
