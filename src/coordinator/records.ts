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

/** A decoded or to-be-written record; a null value is a tombstone. */
export type CoordinatorRecord =
  | { type: 'offset-commit'; key: OffsetCommitKey; value: OffsetCommitValue | null }
  | { type: 'group-metadata'; key: { group: string }; value: GroupMetadataValue | null }
  /** A record type this coordinator does not handle yet (KIP-848 records): kept aside on load. */
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
    case 'unknown':
      throw new RangeError(`cannot encode a record of unknown type ${record.keyVersion}`);
  }
  return w.toBuffer();
}

export function encodeValue(record: CoordinatorRecord): Buffer | null {
  if (record.type === 'unknown') throw new RangeError(`cannot encode a record of unknown type ${record.keyVersion}`);
  if (record.value === null) return null;
  return record.type === 'offset-commit' ? encodeOffsetCommitValue(record.value) : encodeGroupMetadataValue(record.value);
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
    default:
      return { type: 'unknown', keyVersion };
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
