// The consumer protocol embedded in JoinGroup and SyncGroup (protocol type
// "consumer"): how classic consumers carry their subscription and receive their
// assignment, read and written where a consumer group deals with classic
// members (mixed groups, online upgrade and downgrade).

import {
  ConsumerProtocolAssignmentMessage, ConsumerProtocolSubscriptionMessage, type ConsumerProtocolAssignment, type ConsumerProtocolSubscription,
} from '../protocol/generated/index.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import type { Assignment } from './assignors/assignor.js';
import type { ConsumerGroupMember } from './consumer-group.js';
import { toWire, type TopicSource } from './consumer-group-topics.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * A consumer-protocol message: an int16 version, then the message, read by `decode` at that version
 * (which may read an older layout: newer versions only add fields). Null when the bytes do not parse.
 */
export function decodeVersioned<T>(bytes: Buffer, decode: (r: Reader, version: number) => T): T | null {
  try {
    const r = new Reader(bytes);
    const version = r.int16();
    return version < 0 ? null : decode(r, version);
  } catch {
    return null;
  }
}

/** A ConsumerProtocolSubscription (newer versions read as the newest known); null when malformed. */
export function decodeSubscription(metadata: Buffer): ConsumerProtocolSubscription | null {
  return decodeVersioned(metadata, (r, v) => ConsumerProtocolSubscriptionMessage.decode(r, Math.min(v, ConsumerProtocolSubscriptionMessage.maxVersion)));
}

/** A ConsumerProtocolAssignment (an empty buffer is no assignment); null when malformed. */
export function decodeAssignment(bytes: Buffer): ConsumerProtocolAssignment | null {
  if (bytes.length === 0) return { assignedPartitions: [], userData: null };
  return decodeVersioned(bytes, (r, v) => ConsumerProtocolAssignmentMessage.decode(r, Math.min(v, ConsumerProtocolAssignmentMessage.maxVersion)));
}

/** The member's partitions (or others) as a ConsumerProtocolAssignment, in the version of its subscription. */
export function encodeAssignment(topics: TopicSource, member: ConsumerGroupMember, partitions: Assignment = member.assigned): Buffer {
  const metadata = member.classic?.supportedProtocols[0]?.metadata;
  const version = metadata !== undefined && metadata.length >= 2 ? Math.max(0, Math.min(metadata.readInt16BE(0), ConsumerProtocolAssignmentMessage.maxVersion)) : 0;
  const assignedPartitions: { topic: string; partitions: number[] }[] = [];
  for (const t of toWire(partitions)) {
    const topic = topics.getTopicById(t.topicId);
    if (topic !== undefined) assignedPartitions.push({ topic: topic.name, partitions: t.partitions });
  }
  const w = new Writer(64);
  w.int16(version);
  ConsumerProtocolAssignmentMessage.encode(w, version, { assignedPartitions, userData: null });
  return w.toBuffer();
}
