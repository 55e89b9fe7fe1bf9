// How fetched bytes become records: control batches are skipped, and with
// read_committed the aborted transactions of the response's list are dropped
// as Kafka's consumer drops them (the broker does not write transactions yet,
// so the bytes are built here: transactional batches and their markers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFetched } from '../../src/client/fetch.js';
import { ErrorCode, KafkaClientError } from '../../src/client/index.js';
import { ControlRecordType } from '../../src/protocol/records/batch-reader.js';
import { buildRecordBatch } from '../helpers/record-batch.js';

const T = 1_760_000_000_000;

/** A transactional batch of producer `pid` at `offset` with the given values. */
function txnBatch(pid: number, offset: number, values: string[]): Buffer {
  return buildRecordBatch(values.map((value) => ({ key: null, value, timestamp: T })), {
    baseOffset: offset, transactional: true, producerId: pid, producerEpoch: 0, baseSequence: 0,
  });
}

/** The transaction marker (control batch) of producer `pid` at `offset`. */
function marker(pid: number, offset: number, type: number): Buffer {
  const key = Buffer.from([0, 0, 0, type]);
  return buildRecordBatch([{ key, value: Buffer.from([0, 0, 0, 0, 0, 0]), timestamp: T }], {
    baseOffset: offset, transactional: true, control: true, producerId: pid, producerEpoch: 0,
  });
}

function plain(offset: number, values: string[]): Buffer {
  return buildRecordBatch(values.map((value) => ({ key: null, value, timestamp: T })), { baseOffset: offset });
}

// Offsets: 0-1 pid 1 (aborted), 2-3 pid 2 (committed), 4 plain, 5 abort marker of pid 1,
// 6 commit marker of pid 2, 7-8 pid 1 again (a new transaction, committed), 9 its commit marker.
const log = Buffer.concat([
  txnBatch(1, 0, ['a1', 'a2']),
  txnBatch(2, 2, ['c1', 'c2']),
  plain(4, ['p']),
  marker(1, 5, ControlRecordType.Abort),
  marker(2, 6, ControlRecordType.Commit),
  txnBatch(1, 7, ['n1', 'n2']),
  marker(1, 9, ControlRecordType.Commit),
]);
const aborted = [{ producerId: 1, firstOffset: 0 }];
const values = (r: { records: { value: Buffer | null }[] }): (string | undefined)[] => r.records.map((x) => x.value?.toString());

test('read_uncommitted: every data record, no control record', () => {
  const r = decodeFetched('t', 0, 0, log, null, 'Fetch t-0');
  assert.deepEqual(values(r), ['a1', 'a2', 'c1', 'c2', 'p', 'n1', 'n2']);
  assert.equal(r.nextOffset, 10, 'past the last marker too');
});

test('read_committed: the aborted transaction is dropped up to its marker, the producer\'s next one is kept', () => {
  const r = decodeFetched('t', 0, 0, log, aborted, 'Fetch t-0');
  assert.deepEqual(values(r), ['c1', 'c2', 'p', 'n1', 'n2']);
  assert.deepEqual(r.records.map((x) => x.offset), [2, 3, 4, 7, 8]);
  assert.equal(r.nextOffset, 10);
});

test('read_committed with an empty aborted list keeps every data record', () => {
  assert.deepEqual(values(decodeFetched('t', 0, 0, log, [], 'Fetch t-0')), ['a1', 'a2', 'c1', 'c2', 'p', 'n1', 'n2']);
});

test('an aborted transaction that starts after the fetch offset only drops its own batches', () => {
  const bytes = Buffer.concat([txnBatch(3, 10, ['x']), txnBatch(3, 11, ['y']), marker(3, 12, ControlRecordType.Abort), txnBatch(3, 13, ['z'])]);
  const r = decodeFetched('t', 0, 10, bytes, [{ producerId: 3, firstOffset: 11 }], 'Fetch t-0');
  assert.deepEqual(values(r), ['x', 'z']);
});

test('records before the fetch offset are dropped, a fetch of only control batches still advances', () => {
  assert.deepEqual(values(decodeFetched('t', 0, 3, log, null, 'Fetch t-0')), ['c2', 'p', 'n1', 'n2']);
  const onlyMarkers = Buffer.concat([marker(1, 5, ControlRecordType.Abort), marker(2, 6, ControlRecordType.Commit)]);
  const r = decodeFetched('t', 0, 5, onlyMarkers, null, 'Fetch t-0');
  assert.deepEqual(r.records, []);
  assert.equal(r.nextOffset, 7);
  assert.deepEqual(decodeFetched('t', 0, 5, null, null, 'Fetch t-0'), { records: [], nextOffset: 5 });
});

test('corrupt bytes are CORRUPT_MESSAGE, not a crash', () => {
  const bad = Buffer.from(log);
  bad[70]! ^= 0x55;
  assert.throws(() => decodeFetched('t', 0, 0, bad, null, 'Fetch t-0'),
    (e: unknown) => e instanceof KafkaClientError && e.code === ErrorCode.CORRUPT_MESSAGE && /^Fetch t-0: record batch at offset 0 is corrupt/.test(e.message));
});
