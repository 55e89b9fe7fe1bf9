// The records the group coordinator keeps in __consumer_offsets, in Apache
// Kafka's own format so that Kafka's tools (and a Kafka broker reading the same
// log) understand them. A record key starts with an int16 "version" that names
// the record type (0 and 1: OffsetCommitKey, 2: GroupMetadataKey; 3 and up are
// KIP-848 consumer group records); a value starts with its schema version.
//
//   OffsetCommitKey      group string, topic string, partition int32
//   OffsetCommitValue    v0: offset int64, metadata string, commitTimestamp int64
//                        v1: + expireTimestamp int64 (OffsetCommit v2-4 retention)
//                        v2: as v0;  v3: offset, leaderEpoch int32, metadata, commitTimestamp
//                        v4: v3 fields, flexible (compact strings, tagged fields)
//   GroupMetadataKey     group string
//   GroupMetadataValue   protocolType string, generation int32, protocol nullable string,
//                        leader nullable string, currentStateTimestamp int64 (v2+),
//                        members [memberId, groupInstanceId (v3+), clientId, clientHost,
//                        rebalanceTimeout int32 (v1+), sessionTimeout int32,
//                        subscription bytes, assignment bytes]; v4 flexible
//
// Kafka 4 writes OffsetCommitValue v3 (v1 when the commit carried a retention
// time) and GroupMetadataValue v3; we write the same and read every version.
//
// KIP-848 consumer groups (Kafka 4's group-coordinator/.../common/message/*.json):
// keys are not flexible (int16 type, group string[, memberId string]); values
// are version 0, flexible (compact strings and arrays, tagged fields).
//
//   3 ConsumerGroupMetadata              Epoch int32 (tag 0: MetadataHash int64, 4.1+; read and dropped)
//   4 ConsumerGroupPartitionMetadata     Topics [TopicId uuid, TopicName, NumPartitions int32,
//                                        PartitionMetadata [Partition int32, Racks []string]]
//   5 ConsumerGroupMemberMetadata        InstanceId?, RackId?, ClientId, ClientHost, SubscribedTopicNames [],
//                                        SubscribedTopicRegex?, RebalanceTimeoutMs int32, ServerAssignor?,
//                                        tag 0: ClassicMemberMetadata? (SessionTimeoutMs int32, SupportedProtocols [Name, Metadata bytes])
//   6 ConsumerGroupTargetAssignmentMetadata  AssignmentEpoch int32
//   7 ConsumerGroupTargetAssignmentMember    TopicPartitions [TopicId uuid, Partitions []int32]
//   8 ConsumerGroupCurrentMemberAssignment   MemberEpoch int32, PreviousMemberEpoch int32, State int8
//                                        (0 stable, 1 unrevoked, 2 unreleased), AssignedPartitions,
//                                        PartitionsPendingRevocation (both [TopicId uuid, Partitions []int32])

import { ProtocolDecodeError, Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
const GROUP_METADATA_VALUE_VERSION = 3;

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetCommitValue {
  offset: number;
  /** -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit asked for its own retention (OffsetCommit v2-4). */
  expireTimestamp: number;
}

export interface GroupMetadataMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** -1 when unknown (values older than v2). */
  currentStateTimestamp: number;
  members: GroupMetadataMember[];
}

export const CONSUMER_GROUP_METADATA_KEY_VERSION = 3;
export const CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION = 4;
export const CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION = 5;
export const CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION = 6;
export const CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION = 7;
export const CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION = 8;

export interface TopicPartitionsValue {
  topicId: string;
  partitions: number[];
}

export interface ConsumerGroupMetadataValue {
  epoch: number;
}

export interface ConsumerGroupPartitionMetadataValue {
  topics: { topicId: string; topicName: string; numPartitions: number }[];
}

export interface ClassicMemberMetadata {
  sessionTimeoutMs: number;
  supportedProtocols: { name: string; metadata: Buffer }[];
}

export interface ConsumerGroupMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
  /** Set for members that use the classic protocol inside a consumer group (KIP-848 migration). */
  classicMemberMetadata: ClassicMemberMetadata | null;
}

export interface ConsumerGroupTargetAssignmentMetadataValue {
  assignmentEpoch: number;
}

export interface ConsumerGroupTargetAssignmentMemberValue {
  topicPartitions: TopicPartitionsValue[];
}

/** Kafka's MemberState byte values. */
export const MEMBER_STATE_STABLE = 0;
export const MEMBER_STATE_UNREVOKED_PARTITIONS = 1;
export const MEMBER_STATE_UNRELEASED_PARTITIONS = 2;

export interface ConsumerGroupCurrentMemberAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: number;
  assignedPartitions: TopicPartitionsValue[];
  partitionsPendingRevocation: TopicPartitionsValue[];
}

type GroupKey = { group: string };
type MemberKey = { group: string; memberId: string };

/** The KIP-848 consumer group records. */
export type ConsumerGroupRecord =
  | { type: 'consumer-group-metadata'; key: GroupKey; value: ConsumerGroupMetadataValue | null }
  | { type: 'consumer-group-partition-metadata'; key: GroupKey; value: ConsumerGroupPartitionMetadataValue | null }
  | { type: 'consumer-group-member-metadata'; key: MemberKey; value: ConsumerGroupMemberMetadataValue | null }
  | { type: 'consumer-group-target-assignment-metadata'; key: GroupKey; value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { type: 'consumer-group-target-assignment-member'; key: MemberKey; value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { type: 'consumer-group-current-member-assignment'; key: MemberKey; value: ConsumerGroupCurrentMemberAssignmentValue | null };

/** A decoded or to-be-written record; a null value is a tombstone. */
export type CoordinatorRecord =
  | { type: 'offset-commit'; key: OffsetCommitKey; value: OffsetCommitValue | null }
  | { type: 'group-metadata'; key: { group: string }; value: GroupMetadataValue | null }
  | ConsumerGroupRecord
  /** A record type this coordinator does not handle (share and streams groups, ...): counted and skipped on load. */
  | { type: 'unknown'; keyVersion: number };

export function offsetCommitRecord(key: OffsetCommitKey, value: OffsetCommitValue | null): CoordinatorRecord {
  return { type: 'offset-commit', key, value };
}

export function groupMetadataRecord(group: string, value: GroupMetadataValue | null): CoordinatorRecord {
  return { type: 'group-metadata', key: { group }, value };
}

// ---------------------------------------------------------------------------
// Encoding

function str(w: Writer, flexible: boolean, s: string | null): void {
  if (flexible) w.compactNullableString(s);
  else w.nullableString(s);
}

function bytes(w: Writer, flexible: boolean, b: Buffer): void {
  if (flexible) w.compactNullableBytes(b);
  else w.nullableBytes(b);
}

export function encodeKey(record: CoordinatorRecord): Buffer {
  const w = new Writer(64);
  switch (record.type) {
    case 'offset-commit':
      w.int16(OFFSET_COMMIT_KEY_VERSION);
      w.nullableString(record.key.group);
      w.nullableString(record.key.topic);
      w.int32(record.key.partition);
      break;
    case 'group-metadata':
      w.int16(GROUP_METADATA_KEY_VERSION);
      w.nullableString(record.key.group);
      break;
    case 'consumer-group-metadata':
    case 'consumer-group-partition-metadata':
    case 'consumer-group-target-assignment-metadata':
      w.int16(CONSUMER_GROUP_KEY_VERSIONS[record.type]);
      w.nullableString(record.key.group);
      break;
    case 'consumer-group-member-metadata':
    case 'consumer-group-target-assignment-member':
    case 'consumer-group-current-member-assignment':
      w.int16(CONSUMER_GROUP_KEY_VERSIONS[record.type]);
      w.nullableString(record.key.group);
      w.nullableString(record.key.memberId);
      break;
    case 'unknown':
      throw new RangeError(`cannot encode a record of unknown type ${record.keyVersion}`);
  }
  return w.toBuffer();
}

export function encodeValue(record: CoordinatorRecord): Buffer | null {
  if (record.type === 'unknown') throw new RangeError(`cannot encode a record of unknown type ${record.keyVersion}`);
  if (record.value === null) return null;
  switch (record.type) {
    case 'offset-commit': return encodeOffsetCommitValue(record.value);
    case 'group-metadata': return encodeGroupMetadataValue(record.value);
    default: return encodeConsumerGroupValue(record);
  }
}

const CONSUMER_GROUP_KEY_VERSIONS: Record<ConsumerGroupRecord['type'], number> = {
  'consumer-group-metadata': CONSUMER_GROUP_METADATA_KEY_VERSION,
  'consumer-group-partition-metadata': CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION,
  'consumer-group-member-metadata': CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION,
  'consumer-group-target-assignment-metadata': CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION,
  'consumer-group-target-assignment-member': CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION,
  'consumer-group-current-member-assignment': CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION,
};

function writeCompactString(w: Writer, s: string): void {
  w.compactNullableString(s);
}

function writeTopicPartitions(w: Writer, list: readonly TopicPartitionsValue[]): void {
  w.arrayLength(list.length, true);
  for (const t of list) {
    w.uuid(t.topicId);
    w.arrayLength(t.partitions.length, true);
    for (const p of t.partitions) w.int32(p);
    w.uvarint(0);
  }
}

/** A KIP-848 value: version 0, flexible. */
export function encodeConsumerGroupValue(record: ConsumerGroupRecord): Buffer | null {
  if (record.value === null) return null;
  const w = new Writer(128);
  w.int16(0);
  switch (record.type) {
    case 'consumer-group-metadata':
      w.int32(record.value.epoch);
      break;
    case 'consumer-group-partition-metadata':
      w.arrayLength(record.value.topics.length, true);
      for (const t of record.value.topics) {
        w.uuid(t.topicId);
        writeCompactString(w, t.topicName);
        w.int32(t.numPartitions);
        // No rack information: Kafka stores an empty PartitionMetadata list then.
        w.arrayLength(0, true);
        w.uvarint(0);
      }
      break;
    case 'consumer-group-member-metadata': {
      const v = record.value;
      w.compactNullableString(v.instanceId);
      w.compactNullableString(v.rackId);
      writeCompactString(w, v.clientId);
      writeCompactString(w, v.clientHost);
      w.arrayLength(v.subscribedTopicNames.length, true);
      for (const n of v.subscribedTopicNames) writeCompactString(w, n);
      w.compactNullableString(v.subscribedTopicRegex);
      w.int32(v.rebalanceTimeoutMs);
      w.compactNullableString(v.serverAssignor);
      if (v.classicMemberMetadata === null) {
        w.uvarint(0);
      } else {
        // Tag 0: ClassicMemberMetadata, a struct whose bytes are prefixed by their size.
        const c = new Writer(64);
        c.int32(v.classicMemberMetadata.sessionTimeoutMs);
        c.arrayLength(v.classicMemberMetadata.supportedProtocols.length, true);
        for (const p of v.classicMemberMetadata.supportedProtocols) {
          writeCompactString(c, p.name);
          c.compactNullableBytes(p.metadata);
          c.uvarint(0);
        }
        c.uvarint(0);
        const body = c.toBuffer();
        w.uvarint(1);
        w.uvarint(0);
        w.uvarint(body.length);
        w.raw(body);
      }
      return w.toBuffer();
    }
    case 'consumer-group-target-assignment-metadata':
      w.int32(record.value.assignmentEpoch);
      break;
    case 'consumer-group-target-assignment-member':
      writeTopicPartitions(w, record.value.topicPartitions);
      break;
    case 'consumer-group-current-member-assignment':
      w.int32(record.value.memberEpoch);
      w.int32(record.value.previousMemberEpoch);
      w.int8(record.value.state);
      writeTopicPartitions(w, record.value.assignedPartitions);
      writeTopicPartitions(w, record.value.partitionsPendingRevocation);
      break;
  }
  w.uvarint(0);
  return w.toBuffer();
}

/** The value version Kafka 4 writes: v1 only to carry an explicit expire timestamp. */
export function offsetCommitValueVersion(v: OffsetCommitValue): number {
  return v.expireTimestamp >= 0 ? 1 : 3;
}

export function encodeOffsetCommitValue(v: OffsetCommitValue, version = offsetCommitValueVersion(v)): Buffer {
  const flexible = version >= 4;
  const w = new Writer(64);
  w.int16(version);
  w.int64(v.offset);
  if (version >= 3) w.int32(v.leaderEpoch);
  str(w, flexible, v.metadata);
  w.int64(v.commitTimestamp);
  if (version === 1) w.int64(v.expireTimestamp);
  if (flexible) w.uvarint(0);
  return w.toBuffer();
}

export function encodeGroupMetadataValue(v: GroupMetadataValue, version = GROUP_METADATA_VALUE_VERSION): Buffer {
  const flexible = version >= 4;
  const w = new Writer(256);
  w.int16(version);
  str(w, flexible, v.protocolType);
  w.int32(v.generation);
  str(w, flexible, v.protocol);
  str(w, flexible, v.leader);
  if (version >= 2) w.int64(v.currentStateTimestamp);
  w.arrayLength(v.members.length, flexible);
  for (const m of v.members) {
    str(w, flexible, m.memberId);
    if (version >= 3) str(w, flexible, m.groupInstanceId);
    str(w, flexible, m.clientId);
    str(w, flexible, m.clientHost);
    if (version >= 1) w.int32(m.rebalanceTimeout);
    w.int32(m.sessionTimeout);
    bytes(w, flexible, m.subscription);
    bytes(w, flexible, m.assignment);
    if (flexible) w.uvarint(0);
  }
  if (flexible) w.uvarint(0);
  return w.toBuffer();
}

// ---------------------------------------------------------------------------
// Decoding (throws ProtocolDecodeError on malformed input)

function readStr(r: Reader, flexible: boolean): string {
  return r.string(flexible);
}

function readNullableStr(r: Reader, flexible: boolean): string | null {
  return flexible ? r.compactNullableString() : r.nullableString();
}

function readBytesField(r: Reader, flexible: boolean): Buffer {
  return Buffer.from(r.bytes(flexible));
}

export function decodeRecord(key: Buffer | null, value: Buffer | null): CoordinatorRecord {
  if (key === null) throw new ProtocolDecodeError('coordinator record without a key');
  const r = new Reader(key);
  const keyVersion = r.int16();
  switch (keyVersion) {
    case 0:
    case 1: {
      const k = { group: r.string(false), topic: r.string(false), partition: r.int32() };
      return { type: 'offset-commit', key: k, value: value === null ? null : decodeOffsetCommitValue(value) };
    }
    case 2: {
      const group = r.string(false);
      return { type: 'group-metadata', key: { group }, value: value === null ? null : decodeGroupMetadataValue(value) };
    }
    case CONSUMER_GROUP_METADATA_KEY_VERSION:
    case CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION:
    case CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION:
    case CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION:
    case CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION:
    case CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION:
      return decodeConsumerGroupRecord(keyVersion, r, value);
    default:
      return { type: 'unknown', keyVersion };
  }
}

function readConsumerGroupValueHeader(buf: Buffer, name: string): Reader {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0) throw new ProtocolDecodeError(`unknown ${name} version ${version}`);
  return r;
}

function readInt32Array(r: Reader): number[] {
  const n = r.arrayLength(true);
  if (n < 0) throw new ProtocolDecodeError('null int32 array');
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int32());
  return out;
}

function readTopicPartitions(r: Reader): TopicPartitionsValue[] {
  const n = r.arrayLength(true);
  if (n < 0) throw new ProtocolDecodeError('null TopicPartitions array');
  const out: TopicPartitionsValue[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.uuid();
    const partitions = readInt32Array(r);
    // Tag 0 (AssignmentEpochs, KIP-1251) of newer writers is skipped.
    r.taggedFields();
    out.push({ topicId, partitions });
  }
  return out;
}

function decodeConsumerGroupRecord(keyVersion: number, key: Reader, value: Buffer | null): ConsumerGroupRecord {
  const group = key.string(false);
  switch (keyVersion) {
    case CONSUMER_GROUP_METADATA_KEY_VERSION: {
      if (value === null) return { type: 'consumer-group-metadata', key: { group }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupMetadataValue');
      const epoch = r.int32();
      r.taggedFields();
      return { type: 'consumer-group-metadata', key: { group }, value: { epoch } };
    }
    case CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION: {
      if (value === null) return { type: 'consumer-group-partition-metadata', key: { group }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupPartitionMetadataValue');
      const n = r.arrayLength(true);
      if (n < 0) throw new ProtocolDecodeError('null Topics array in ConsumerGroupPartitionMetadataValue');
      const topics: ConsumerGroupPartitionMetadataValue['topics'] = [];
      for (let i = 0; i < n; i++) {
        const topicId = r.uuid();
        const topicName = r.string(true);
        const numPartitions = r.int32();
        const racks = r.arrayLength(true);
        for (let j = 0; j < racks; j++) {
          r.int32();
          const names = r.arrayLength(true);
          for (let k = 0; k < names; k++) r.string(true);
          r.taggedFields();
        }
        r.taggedFields();
        topics.push({ topicId, topicName, numPartitions });
      }
      r.taggedFields();
      return { type: 'consumer-group-partition-metadata', key: { group }, value: { topics } };
    }
    case CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION: {
      if (value === null) return { type: 'consumer-group-target-assignment-metadata', key: { group }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupTargetAssignmentMetadataValue');
      const assignmentEpoch = r.int32();
      r.taggedFields();
      return { type: 'consumer-group-target-assignment-metadata', key: { group }, value: { assignmentEpoch } };
    }
  }
  const memberId = key.string(false);
  switch (keyVersion) {
    case CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION: {
      if (value === null) return { type: 'consumer-group-member-metadata', key: { group, memberId }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupMemberMetadataValue');
      const instanceId = r.compactNullableString();
      const rackId = r.compactNullableString();
      const clientId = r.string(true);
      const clientHost = r.string(true);
      const n = r.arrayLength(true);
      if (n < 0) throw new ProtocolDecodeError('null SubscribedTopicNames in ConsumerGroupMemberMetadataValue');
      const subscribedTopicNames: string[] = [];
      for (let i = 0; i < n; i++) subscribedTopicNames.push(r.string(true));
      const subscribedTopicRegex = r.compactNullableString();
      const rebalanceTimeoutMs = r.int32();
      const serverAssignor = r.compactNullableString();
      let classicMemberMetadata: ClassicMemberMetadata | null = null;
      r.taggedFields((tag) => {
        if (tag !== 0) return false;
        const sessionTimeoutMs = r.int32();
        const count = r.arrayLength(true);
        if (count < 0) return true;
        const supportedProtocols: ClassicMemberMetadata['supportedProtocols'] = [];
        for (let i = 0; i < count; i++) {
          const name = r.string(true);
          const metadata = Buffer.from(r.bytes(true));
          r.taggedFields();
          supportedProtocols.push({ name, metadata });
        }
        r.taggedFields();
        classicMemberMetadata = { sessionTimeoutMs, supportedProtocols };
        return true;
      });
      return {
        type: 'consumer-group-member-metadata', key: { group, memberId },
        value: { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor, classicMemberMetadata },
      };
    }
    case CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION: {
      if (value === null) return { type: 'consumer-group-target-assignment-member', key: { group, memberId }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupTargetAssignmentMemberValue');
      const topicPartitions = readTopicPartitions(r);
      r.taggedFields();
      return { type: 'consumer-group-target-assignment-member', key: { group, memberId }, value: { topicPartitions } };
    }
    default: {
      if (value === null) return { type: 'consumer-group-current-member-assignment', key: { group, memberId }, value: null };
      const r = readConsumerGroupValueHeader(value, 'ConsumerGroupCurrentMemberAssignmentValue');
      const memberEpoch = r.int32();
      const previousMemberEpoch = r.int32();
      const state = r.int8();
      const assignedPartitions = readTopicPartitions(r);
      const partitionsPendingRevocation = readTopicPartitions(r);
      r.taggedFields();
      return {
        type: 'consumer-group-current-member-assignment', key: { group, memberId },
        value: { memberEpoch, previousMemberEpoch, state, assignedPartitions, partitionsPendingRevocation },
      };
    }
  }
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new ProtocolDecodeError(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = readStr(r, flexible);
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  if (flexible) r.taggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 4) throw new ProtocolDecodeError(`unknown GroupMetadataValue version ${version}`);
  const flexible = version >= 4;
  const protocolType = readStr(r, flexible);
  const generation = r.int32();
  const protocol = readNullableStr(r, flexible);
  const leader = readNullableStr(r, flexible);
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = r.arrayLength(flexible);
  if (count < 0) throw new ProtocolDecodeError('null members array in GroupMetadataValue');
  const members: GroupMetadataMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = readStr(r, flexible);
    const groupInstanceId = version >= 3 ? readNullableStr(r, flexible) : null;
    const clientId = readStr(r, flexible);
    const clientHost = readStr(r, flexible);
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = readBytesField(r, flexible);
    const assignment = readBytesField(r, flexible);
    if (flexible) r.taggedFields();
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment });
  }
  if (flexible) r.taggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
