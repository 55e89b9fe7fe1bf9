// The __consumer_offsets record formats (Kafka's OffsetCommitKey/Value,
// GroupMetadataKey/Value and the KIP-848 consumer group records), byte for
// byte, and the batch that carries them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeGroupMetadataValue, decodeOffsetCommitValue, decodeRecord, encodeGroupMetadataValue, encodeKey, encodeOffsetCommitValue, encodeValue,
  groupMetadataRecord, offsetCommitRecord, type CoordinatorRecord, type GroupMetadataValue,
} from '../../src/coordinator/records.js';
import { ProtocolDecodeError } from '../../src/protocol/reader.js';
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
  // A record type of another kind of group (here 11, a share group's) is recognised as unknown.
  assert.deepEqual(decodeRecord(hex('000b 0001 67'), hex('0000 00000001 00')), { type: 'unknown', keyVersion: 11 });
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

test('KIP-848 consumer group keys: type, group (and member), not flexible', () => {
  assert.deepEqual(encodeKey({ type: 'consumer-group-metadata', key: { group: 'g' }, value: null }), hex('0003 0001 67'));
  assert.deepEqual(encodeKey({ type: 'consumer-group-partition-metadata', key: { group: 'g' }, value: null }), hex('0004 0001 67'));
  assert.deepEqual(encodeKey({ type: 'consumer-group-member-metadata', key: { group: 'g', memberId: 'm' }, value: null }), hex('0005 0001 67 0001 6d'));
  assert.deepEqual(encodeKey({ type: 'consumer-group-target-assignment-metadata', key: { group: 'g' }, value: null }), hex('0006 0001 67'));
  assert.deepEqual(encodeKey({ type: 'consumer-group-target-assignment-member', key: { group: 'g', memberId: 'm' }, value: null }), hex('0007 0001 67 0001 6d'));
  assert.deepEqual(encodeKey({ type: 'consumer-group-current-member-assignment', key: { group: 'g', memberId: 'm' }, value: null }), hex('0008 0001 67 0001 6d'));
});

// A topic id of 16 bytes 00..0f, as our 22-character base64url string.
const TOPIC_ID = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex').toString('base64url');

test('KIP-848 consumer group values, byte for byte (version 0, flexible)', () => {
  const cases: [CoordinatorRecord, string][] = [
    [{ type: 'consumer-group-metadata', key: { group: 'g' }, value: { epoch: 7 } }, '0000 00000007 00'],
    [{ type: 'consumer-group-partition-metadata', key: { group: 'g' }, value: { topics: [{ topicId: TOPIC_ID, topicName: 't', numPartitions: 3 }] } },
      '0000 02 000102030405060708090a0b0c0d0e0f 02 74 00000003 01 00 00'],
    [{ type: 'consumer-group-member-metadata', key: { group: 'g', memberId: 'm' }, value: {
      instanceId: null, rackId: 'r', clientId: 'c', clientHost: '/h', subscribedTopicNames: ['a', 'b'], subscribedTopicRegex: null,
      rebalanceTimeoutMs: 300000, serverAssignor: 'uniform', classicMemberMetadata: null,
    } }, '0000 00 02 72 02 63 03 2f68 03 02 61 02 62 00 000493e0 08 756e69666f726d 00'],
    [{ type: 'consumer-group-target-assignment-metadata', key: { group: 'g' }, value: { assignmentEpoch: 7 } }, '0000 00000007 00'],
    [{ type: 'consumer-group-target-assignment-member', key: { group: 'g', memberId: 'm' }, value: { topicPartitions: [{ topicId: TOPIC_ID, partitions: [0, 2] }] } },
      '0000 02 000102030405060708090a0b0c0d0e0f 03 00000000 00000002 00 00'],
    [{ type: 'consumer-group-current-member-assignment', key: { group: 'g', memberId: 'm' }, value: {
      memberEpoch: 7, previousMemberEpoch: 6, state: 1, assignedPartitions: [{ topicId: TOPIC_ID, partitions: [1] }],
      partitionsPendingRevocation: [],
    } }, '0000 00000007 00000006 01 02 000102030405060708090a0b0c0d0e0f 02 00000001 00 01 00'],
  ];
  for (const [record, bytes] of cases) {
    const value = encodeValue(record);
    assert.deepEqual(value, hex(bytes), record.type);
    assert.deepEqual(decodeRecord(encodeKey(record), value), record, record.type);
    assert.deepEqual(decodeRecord(encodeKey(record), null), { ...record, value: null }, `${record.type} tombstone`);
  }
});

test('KIP-848 values: tagged fields of newer Kafka versions are read past; classic member metadata round-trips; truncation is an error', () => {
  // ConsumerGroupMetadataValue with tag 0 (MetadataHash, Kafka 4.1) set.
  const withHash = hex('0000 00000009 01 00 08 0102030405060708');
  assert.deepEqual(decodeRecord(hex('0003 0001 67'), withHash), { type: 'consumer-group-metadata', key: { group: 'g' }, value: { epoch: 9 } });
  const member: CoordinatorRecord = { type: 'consumer-group-member-metadata', key: { group: 'g', memberId: 'm' }, value: {
    instanceId: 'i', rackId: null, clientId: 'c', clientHost: '/h', subscribedTopicNames: [], subscribedTopicRegex: 'a.*',
    rebalanceTimeoutMs: -1, serverAssignor: null,
    classicMemberMetadata: { sessionTimeoutMs: 45000, supportedProtocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }] },
  } };
  const bytes = encodeValue(member)!;
  assert.deepEqual(decodeRecord(encodeKey(member), bytes), member);
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeRecord(encodeKey(member), bytes.subarray(0, n)), ProtocolDecodeError, `prefix ${n}`);
  assert.throws(() => decodeRecord(hex('0003 0001 67'), hex('0001 00000001 00')), /version 1/);
});
