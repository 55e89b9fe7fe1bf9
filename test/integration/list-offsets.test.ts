// ListOffsets over a real listener: earliest (-2), latest (-1), max timestamp
// (-3, KIP-734), lookup by timestamp, a timestamp past every record, unknown partitions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type ListOffsetsResponseListOffsetsPartitionResponse } from '../../src/protocol/generated/index.js';
import { buildRecordBatch } from '../helpers/record-batch.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, produce, uniqueTopic, watchBrokerErrors } from './support.js';

const BASE_TS = 1_700_000_000_000;

let broker: EmbeddedBroker;
let c: WireClient;
/** 100 records over 10 batches, record i at BASE_TS + 10 * i. */
let steady: string;
/** Three batches whose largest timestamp is in the middle batch. */
let shuffled: string;
let empty: string;
const watch = watchBrokerErrors();

before(async () => {
  broker = await startEmbeddedBroker();
  c = await WireClient.connect(broker.host, broker.port);
  steady = uniqueTopic('steady');
  shuffled = uniqueTopic('shuffled');
  empty = uniqueTopic('empty');
  await createTopic(c, steady, 1);
  await createTopic(c, shuffled, 1);
  await createTopic(c, empty, 1);
  for (let b = 0; b < 10; b++) {
    const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${b * 10 + i}`, value: `v${b * 10 + i}`, timestamp: BASE_TS + 10 * (b * 10 + i) }));
    assertError((await produce(c, steady, 0, buildRecordBatch(records))).errorCode, ErrorCode.NONE);
  }
  // Offsets 0-2, 3-4, 5: the largest timestamp (BASE_TS + 5000) is offset 3.
  for (const timestamps of [[1000, 1001, 1002], [5000, 2000], [3000]]) {
    const batch = buildRecordBatch(timestamps.map((t, i) => ({ value: `x${i}`, timestamp: BASE_TS + t })));
    assertError((await produce(c, shuffled, 0, batch)).errorCode, ErrorCode.NONE);
  }
});

after(async () => {
  c?.close();
  await broker?.stop();
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

async function listOffset(topic: string, partition: number, timestamp: number, version = 9): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const res = await c.request(ApiKey.ListOffsets, version, {
    replicaId: -1, isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp, currentLeaderEpoch: -1 }] }],
  });
  assert.equal(res.topics.length, 1);
  assert.equal(res.topics[0]!.name, topic);
  return res.topics[0]!.partitions[0]!;
}

test('-2 (earliest) is the log start offset and -1 (latest) the high watermark, in every version', async () => {
  for (let version = 1; version <= 9; version++) {
    const earliest = await listOffset(steady, 0, -2, version);
    assertError(earliest.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(earliest.offset, 0, `v${version}`);
    assert.equal(earliest.timestamp, -1);
    const latest = await listOffset(steady, 0, -1, version);
    assert.equal(latest.offset, 100, `v${version}`);
    assert.equal(latest.timestamp, -1);
    if (version >= 4) assert.equal(latest.leaderEpoch, 0, `v${version}`);
  }
  const e = await listOffset(empty, 0, -2);
  const l = await listOffset(empty, 0, -1);
  assert.deepEqual([e.offset, l.offset], [0, 0]);
});

test('-3 (max timestamp, KIP-734) finds the record with the largest timestamp, even mid-log', async () => {
  const s = await listOffset(shuffled, 0, -3, 7);
  assertError(s.errorCode, ErrorCode.NONE);
  assert.deepEqual([s.offset, s.timestamp], [3, BASE_TS + 5000]);
  const t = await listOffset(steady, 0, -3, 9);
  assert.deepEqual([t.offset, t.timestamp], [99, BASE_TS + 990]);
  const none = await listOffset(empty, 0, -3);
  assertError(none.errorCode, ErrorCode.NONE);
  assert.deepEqual([none.offset, none.timestamp], [-1, -1]);
});

test('-4 (earliest local, KIP-1005) is the log start offset; -5 (latest tiered) is -1 with no tiered storage', async () => {
  const local = await listOffset(steady, 0, -4, 8);
  assertError(local.errorCode, ErrorCode.NONE);
  assert.equal(local.offset, 0);
  const tiered = await listOffset(steady, 0, -5, 9);
  assertError(tiered.errorCode, ErrorCode.NONE);
  assert.equal(tiered.offset, -1);
});

test('a timestamp finds the earliest record at or after it', async () => {
  // Exactly a record's timestamp, in the middle of the log.
  let r = await listOffset(steady, 0, BASE_TS + 500);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.deepEqual([r.offset, r.timestamp], [50, BASE_TS + 500]);
  // Between two records: the later one.
  r = await listOffset(steady, 0, BASE_TS + 505);
  assert.deepEqual([r.offset, r.timestamp], [51, BASE_TS + 510]);
  // Before everything: the first record.
  r = await listOffset(steady, 0, 0);
  assert.deepEqual([r.offset, r.timestamp], [0, BASE_TS]);
  // Out-of-order timestamps: the first offset whose timestamp is at least the target.
  r = await listOffset(shuffled, 0, BASE_TS + 1500);
  assert.deepEqual([r.offset, r.timestamp], [3, BASE_TS + 5000]);
  r = await listOffset(shuffled, 0, BASE_TS + 1001, 1);
  assert.deepEqual([r.offset, r.timestamp], [1, BASE_TS + 1001]);
});

test('a timestamp past every record gets offset -1 and timestamp -1', async () => {
  const r = await listOffset(steady, 0, BASE_TS + 1_000_000);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.deepEqual([r.offset, r.timestamp], [-1, -1]);
  const e = await listOffset(empty, 0, BASE_TS);
  assert.deepEqual([e.offset, e.timestamp], [-1, -1]);
});

test('an unknown partition or topic gets UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const p = await listOffset(steady, 5, -1);
  assertError(p.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(p.offset, -1);
  const t = await listOffset(uniqueTopic('missing'), 0, -2);
  assertError(t.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});
