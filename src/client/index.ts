// The platform's Kafka client: what services import (never storage/).

export { KafkaClient, type KafkaClientOptions } from './kafka-client.js';
export { KafkaClientError } from './errors.js';
export type { Transport } from './connection.js';
export type { Producer, ProducedRecord, ProducerOptions } from './producer.js';
export type { ConsumedRecord, FetchOptions, FetchResult } from './fetch.js';
export type { CreateTopicOptions, TopicDescription } from './admin.js';
export type { Assignment, GroupMember, GroupMemberInfo, JoinGroupOptions } from './group-member.js';
export type { CommittedOffset, Committer, OffsetToCommit } from './offsets.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { ErrorCode } from '../protocol/generated/index.js';
