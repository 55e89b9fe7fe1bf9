// KafkaClient: the platform's own Kafka client, what services (Schema
// Registry, Connect, ...) use instead of storage/ (ARCHITECTURE.md, principle 6).
// A facade over the cluster view and the per-concept modules.

import { createTopic, deleteTopic, describeTopic, listOffsets, type CreateTopicOptions, type TopicDescription } from './admin.js';
import { Cluster, parseBootstrap } from './cluster.js';
import type { Transport } from './connection.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { clientClosed, invalidArgument } from './errors.js';
import { fetchPartition, type FetchOptions, type FetchResult } from './fetch.js';
import { ClassicGroupMember, type GroupMember, type JoinGroupOptions } from './group-member.js';
import { commitOffsets, fetchOffsets, type CommittedOffset, type Committer, type OffsetToCommit } from './offsets.js';
import { Partitioner } from './partitioner.js';
import { ClientProducer, type Producer, type ProducerOptions } from './producer.js';

export interface KafkaClientOptions {
  /** 'host:port' of one or more brokers. */
  bootstrap: string[];
  /** Default 'tributary'. */
  clientId?: string;
  /** Default 30 000: bounds each request and the retries of each operation. */
  requestTimeoutMs?: number;
  /** Opens broker connections some other way than TCP (an embedded platform's in-process streams). */
  transport?: Transport;
}

export class KafkaClient {
  protected readonly partitioner = new Partitioner();
  protected readonly producers = new Set<ClientProducer>();
  protected readonly members = new Set<ClassicGroupMember>();

  protected constructor(protected readonly cluster: Cluster) {}

  /** Connects to a bootstrap broker and reads the cluster's metadata. */
  static async connect(opts: KafkaClientOptions): Promise<KafkaClient> {
    const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs <= 0) {
      throw invalidArgument(ErrorCode.INVALID_REQUEST, `KafkaClient.connect: requestTimeoutMs must be a positive integer, got ${requestTimeoutMs}`);
    }
    const cluster = new Cluster(parseBootstrap(opts.bootstrap), {
      clientId: opts.clientId ?? 'tributary',
      requestTimeoutMs,
      ...(opts.transport !== undefined ? { transport: opts.transport } : {}),
    });
    try {
      await cluster.retrying('KafkaClient.connect', () => cluster.metadata([]));
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return new KafkaClient(cluster);
  }

  /** Leaves the groups joined, flushes the producers, then closes every connection; later calls fail with a KafkaClientError. */
  async close(): Promise<void> {
    if (this.cluster.closed) return;
    await Promise.allSettled([...this.members].map((m) => m.leave()));
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    await this.cluster.close();
  }

  createTopic(name: string, opts?: CreateTopicOptions): Promise<void> {
    return createTopic(this.cluster, name, opts);
  }

  deleteTopic(name: string): Promise<void> {
    return deleteTopic(this.cluster, name);
  }

  describeTopic(name: string): Promise<TopicDescription | null> {
    return describeTopic(this.cluster, name);
  }

  listOffsets(topic: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number> {
    return listOffsets(this.cluster, topic, partition, at);
  }

  producer(opts?: ProducerOptions): Producer {
    if (this.cluster.closed) throw clientClosed('producer');
    const p = new ClientProducer(this.cluster, this.partitioner, opts, () => this.producers.delete(p));
    this.producers.add(p);
    return p;
  }

  fetch(topic: string, partition: number, offset: number, opts?: FetchOptions): Promise<FetchResult> {
    return fetchPartition(this.cluster, topic, partition, offset, opts);
  }

  /**
   * Joins a classic group and resolves once this member has its first
   * assignment; it then heartbeats in the background and rejoins on every
   * rebalance until leave() (or close()).
   */
  async joinGroup(groupId: string, opts: JoinGroupOptions): Promise<GroupMember> {
    this.cluster.checkOpen(`JoinGroup ${groupId}`);
    const m = new ClassicGroupMember(this.cluster, groupId, opts, () => this.members.delete(m));
    this.members.add(m);
    try {
      await m.start();
    } catch (e) {
      await m.leave();
      throw e;
    }
    return m;
  }

  /** Commits as `member` (its id and generation) when given; otherwise from outside the group (generation -1), which Kafka accepts only while the group has no members. */
  commitOffsets(groupId: string, offsets: OffsetToCommit[], member?: Committer): Promise<void> {
    return commitOffsets(this.cluster, groupId, offsets, member);
  }

  fetchOffsets(groupId: string, topics?: { topic: string; partitions: number[] }[]): Promise<CommittedOffset[]> {
    return fetchOffsets(this.cluster, groupId, topics);
  }
}
