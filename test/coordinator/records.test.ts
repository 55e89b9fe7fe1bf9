// The __consumer_offsets record formats (Kafka's OffsetCommitKey/Value and
// GroupMetadataKey/Value), byte for byte, and the batch that carries them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeGroupMetadataValue, decodeOffsetCommitValue, decodeRecord, encodeGroupMetadataValue, encodeKey, encodeOffsetCommitValue, encodeValue,
  groupMetadataRecord, offsetCommitRecord, type GroupMetadataValue,
} from '../../src/coordinator/records.js';
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.js';
import { decodeRecords, validateRecordSet } from '../../src/protocol/records/batch.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('OffsetCommitKey is version 1 then group, topic, partition', () => {
  const key = encodeKey(offsetCommitRecord({ group: 'g', topic: 't', partition: 2 }, null));
  assert.deepEqual(key, hex('0001 0001 67 0001 74 00000002'));
});

test('GroupMetadataKey is version 2 then the group', () => {
  assert.deepEqual(encodeKey(groupMetadataRecord('grp', null)), hex('0002 0003 677270'));
});

test('OffsetCommitValue is written as v3, or v1 when it carries an expire timestamp', () => {
  const v3 = encodeOffsetCommitValue({ offset: 5, leaderEpoch: 7, metadata: 'm', commitTimestamp: 1000, expireTimestamp: -1 });
  assert.deepEqual(v3, hex('0003 0000000000000005 00000007 0001 6d 00000000000003e8'));
  const v1 = encodeOffsetCommitValue({ offset: 5, leaderEpoch: 7, metadata: '', commitTimestamp: 1000, expireTimestamp: 2000 });
  assert.deepEqual(v1, hex('0001 0000000000000005 0000 00000000000003e8 00000000000007d0'));
  assert.deepEqual(decodeOffsetCommitValue(v1), { offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 1000, expireTimestamp: 2000 });
});

test('OffsetCommitValue decodes every version, including the flexible v4', () => {
  const v0 = hex('0000 000000000000000a 0002 6869 0000000000000064');
  assert.deepEqual(decodeOffsetCommitValue(v0), { offset: 10, leaderEpoch: -1, metadata: 'hi', commitTimestamp: 100, expireTimestamp: -1 });
  const v2 = hex('0002 000000000000000a 0000 0000000000000064');
  assert.deepEqual(decodeOffsetCommitValue(v2), { offset: 10, leaderEpoch: -1, metadata: '', commitTimestamp: 100, expireTimestamp: -1 });
  // v4: compact string (length + 1), then an empty tagged-field section; an unknown tag is skipped.
  const v4 = hex('0004 000000000000000a 00000003 03 6869 0000000000000064 01 05 02 abcd');
  assert.deepEqual(decodeOffsetCommitValue(v4), { offset: 10, leaderEpoch: 3, metadata: 'hi', commitTimestamp: 100, expireTimestamp: -1 });
  assert.throws(() => decodeOffsetCommitValue(hex('0005 00')), /version 5/);
  assert.throws(() => decodeOffsetCommitValue(hex('0003 0000')), /truncated/);
});

const group: GroupMetadataValue = {
  protocolType: 'consumer', generation: 3, protocol: 'range', leader: 'm1', currentStateTimestamp: 1234,
  members: [{
    memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/1.2.3.4', rebalanceTimeout: 300000, sessionTimeout: 45000,
    subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]),
  }],
};

test('GroupMetadataValue v3 layout', () => {
  const bytes = encodeGroupMetadataValue(group);
  const expected = hex(`0003 0008 636f6e73756d6572 00000003 0005 72616e6765 0002 6d31 00000000000004d2
    00000001 0002 6d31 0002 6931 0001 63 0008 2f312e322e332e34 000493e0 0000afc8 00000002 0102 00000001 03`);
  assert.deepEqual(bytes, expected);
  assert.deepEqual(decodeGroupMetadataValue(bytes), group);
});

test('GroupMetadataValue round-trips through every version, dropping what older ones lack', () => {
  for (const version of [0, 1, 2, 3, 4]) {
    const back = decodeGroupMetadataValue(encodeGroupMetadataValue(group, version));
    assert.equal(back.generation, 3);
    assert.equal(back.protocol, 'range');
    assert.equal(back.currentStateTimestamp, version >= 2 ? 1234 : -1, `v${version}`);
    assert.equal(back.members[0]!.groupInstanceId, version >= 3 ? 'i1' : null, `v${version}`);
    assert.equal(back.members[0]!.rebalanceTimeout, version >= 1 ? 300000 : -1, `v${version}`);
    assert.deepEqual(back.members[0]!.assignment, Buffer.from([3]));
  }
  const empty = decodeGroupMetadataValue(encodeGroupMetadataValue({ ...group, protocol: null, leader: null, members: [] }));
  assert.equal(empty.protocol, null);
  assert.equal(empty.leader, null);
});

test('decodeRecord tells the record types apart; tombstones have no value', () => {
  const rec = offsetCommitRecord({ group: 'g', topic: 't', partition: 0 }, { offset: 1, leaderEpoch: -1, metadata: '', commitTimestamp: 5, expireTimestamp: -1 });
  assert.deepEqual(decodeRecord(encodeKey(rec), encodeValue(rec)), rec);
  assert.deepEqual(decodeRecord(encodeKey(groupMetadataRecord('g', null)), null), groupMetadataRecord('g', null));
  // A KIP-848 record (key version 3, ConsumerGroupMetadataKey) is recognised as another type.
  assert.deepEqual(decodeRecord(hex('0003 0001 67'), hex('0000 00000001')), { type: 'unknown', keyVersion: 3 });
  assert.throws(() => decodeRecord(null, null), /without a key/);
});

test('the batch builder writes a valid v2 batch whose records decode back', () => {
  const batch = buildRecordBatch([
    { key: Buffer.from('k1'), value: Buffer.from('v1') },
    { key: Buffer.from('k2'), value: null },
    { key: null, value: Buffer.alloc(300, 7), headers: [{ key: 'h', value: null }] },
  ], 1_700_000_000_123);
  const v = validateRecordSet(batch, { maxMessageBytes: 1 << 20, now: 1_700_000_000_123 });
  assert.ok(v.ok, v.ok ? '' : v.message);
  assert.equal(v.recordCount, 3);
  const records = [...decodeRecords(batch)];
  assert.deepEqual(records.map((r) => r.key?.toString() ?? null), ['k1', 'k2', null]);
  assert.equal(records[1]!.value, null);
  assert.equal(records[2]!.value!.length, 300);
  assert.deepEqual(records[2]!.headers, [{ key: 'h', value: null }]);
  assert.ok(records.every((r, i) => r.offset === i && r.timestamp === 1_700_000_000_123));
  assert.throws(() => buildRecordBatch([], 0), /at least one record/);
});
