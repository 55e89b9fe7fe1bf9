// What the client knows of the cluster: its brokers, one connection per broker
// (opened on first use, forgotten when it drops), topic metadata with the
// leader of each partition, and group coordinators. Every operation routes
// through here; retries call `refreshTopic` / `forgetCoordinator` between attempts.

import { ErrorCode, type MetadataResponse } from '../protocol/generated/index.js';
import { Apis } from './apis.js';
import { BrokerConnection, type ConnectionOptions } from './connection.js';
import { KafkaClientError, clientClosed, responseError } from './errors.js';
import { withRetries } from './retry.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface PartitionMetadata {
  partition: number;
  leaderId: number;
  leaderEpoch: number;
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  partitions: PartitionMetadata[];
}

/** The lane of short requests (metadata, produce, admin, offsets). */
export const DEFAULT_LANE = 'default';
/** Fetches, which may wait up to their max wait on the broker. */
export const FETCH_LANE = 'fetch';

/** metadata.max.age.ms: how long topic metadata is used before it is asked for again. */
const METADATA_MAX_AGE_MS = 5 * 60_000;

/** How long a topic this client created may still be unknown to the broker it asks (metadata propagation). */
const CREATED_TOPIC_GRACE_MS = 30_000;

export function parseBootstrap(entries: readonly string[]): BrokerAddress[] {
  if (entries.length === 0) throw new KafkaClientError(ErrorCode.INVALID_REQUEST, 'bootstrap lists no broker', false);
  return entries.map((e) => {
    const i = e.lastIndexOf(':');
    const host = i > 0 ? e.slice(0, i).replace(/^\[(.*)\]$/, '$1') : '';
    const port = Number(e.slice(i + 1));
    if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new KafkaClientError(ErrorCode.INVALID_REQUEST, `bootstrap entry "${e}" is not host:port`, false);
    }
    return { host, port };
  });
}

export class Cluster {
  closed = false;
  private readonly brokers = new Map<number, BrokerAddress>();
  /**
   * Connections by "nodeId/lane"; node -1 is the bootstrap connection until
   * its broker's id is known. A broker handles one request of a connection at
   * a time (Kafka mutes a connection until it has answered), so requests that
   * may wait long (a Fetch's max wait, a JoinGroup during a rebalance) get a
   * lane of their own rather than holding up produce and heartbeats.
   */
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private readonly topics = new Map<string, TopicMetadata & { fetchedAt: number }>();
  private readonly coordinators = new Map<string, number>();
  private readonly createdTopics = new Map<string, number>();

  constructor(
    private readonly bootstrap: readonly BrokerAddress[],
    readonly opts: ConnectionOptions,
  ) {}

  get requestTimeoutMs(): number {
    return this.opts.requestTimeoutMs;
  }

  /** Throws if the client was closed; `what` names the operation for the message. */
  checkOpen(what: string): void {
    if (this.closed) throw clientClosed(what);
  }

  /**
   * Runs `op` until it succeeds, fails for good, or the request timeout
   * passes; `onRetry` refreshes whatever the retriable error said was stale.
   * The error thrown names the operation (`what`).
   */
  async retrying<T>(what: string, op: () => Promise<T>, onRetry?: (err: KafkaClientError) => void): Promise<T> {
    this.checkOpen(what);
    try {
      return await withRetries(op, {
        deadline: Date.now() + this.opts.requestTimeoutMs,
        onRetry,
        cancelled: () => (this.closed ? clientClosed(what) : null),
      });
    } catch (e) {
      const err = e instanceof KafkaClientError ? e : new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, String(e), false);
      if (err.message.startsWith(what)) throw err;
      throw new KafkaClientError(err.code, `${what}: ${err.message}`, err.retriable);
    }
  }

  /** A connection to any broker: one already open, else the bootstrap brokers in turn. */
  async anyConnection(): Promise<BrokerConnection> {
    this.checkOpen('connect');
    for (const [key, p] of this.connections) {
      if (!key.endsWith(`/${DEFAULT_LANE}`)) continue;
      const c = await p.catch(() => null);
      if (c !== null && !c.closed) return c;
    }
    let last: unknown = null;
    const candidates = [...this.brokers.entries()].map(([id, a]) => ({ id, a }));
    for (const a of this.bootstrap) candidates.push({ id: -1, a });
    for (const { id, a } of candidates) {
      try {
        return await (id >= 0 ? this.connectionTo(id) : this.open(`-1/${DEFAULT_LANE}`, a));
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof KafkaClientError ? last : new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, 'no broker reachable', true);
  }

  /** The connection to broker `nodeId` in `lane`, opened if needed. */
  connectionTo(nodeId: number, lane: string = DEFAULT_LANE): Promise<BrokerConnection> {
    this.checkOpen('connect');
    const existing = this.connections.get(`${nodeId}/${lane}`);
    if (existing !== undefined) return existing;
    const a = this.brokers.get(nodeId);
    if (a === undefined) {
      return Promise.reject(new KafkaClientError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`, true));
    }
    return this.open(`${nodeId}/${lane}`, a);
  }

  private open(key: string, a: BrokerAddress): Promise<BrokerConnection> {
    const p = BrokerConnection.connect(a.host, a.port, this.opts);
    this.connections.set(key, p);
    p.then(
      (c) => {
        c.onClose = () => { if (this.connections.get(key) === p) this.connections.delete(key); };
        if (this.closed) c.destroy();
      },
      () => { if (this.connections.get(key) === p) this.connections.delete(key); },
    );
    return p;
  }

  /** Closes the connections of one lane (a group member that left). */
  async closeLane(lane: string): Promise<void> {
    const mine = [...this.connections].filter(([key]) => key.endsWith(`/${lane}`));
    for (const [key] of mine) this.connections.delete(key);
    await Promise.all(mine.map(async ([, p]) => (await p.catch(() => null))?.close()));
  }

  /** Asks for the metadata of `topics` (all topics if null) and updates brokers and leaders. */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    const conn = await this.anyConnection();
    const res = await conn.request(Apis.Metadata, (v) => ({
      topics: topics === null ? (v === 0 ? [] : null) : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
    }));
    for (const b of res.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port });
    this.adoptBootstrap(conn);
    for (const t of res.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== ErrorCode.NONE) {
        this.topics.delete(t.name);
        continue;
      }
      this.topics.set(t.name, {
        fetchedAt: Date.now(),
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, errorCode: p.errorCode }))
          .sort((x, y) => x.partition - y.partition),
      });
    }
    return res;
  }

  /** The bootstrap connection, once its broker's id is known, serves as that broker's connection. */
  private adoptBootstrap(conn: BrokerConnection): void {
    const boot = this.connections.get(`-1/${DEFAULT_LANE}`);
    if (boot === undefined) return;
    for (const [id, a] of this.brokers) {
      const key = `${id}/${DEFAULT_LANE}`;
      if (`${a.host}:${a.port}` === conn.address && !this.connections.has(key)) {
        this.connections.set(key, boot);
        this.connections.delete(`-1/${DEFAULT_LANE}`);
        conn.onClose = () => { if (this.connections.get(key) === boot) this.connections.delete(key); };
        return;
      }
    }
  }

  /**
   * The metadata of one topic, from the cache unless `refresh`. Throws
   * UNKNOWN_TOPIC_OR_PARTITION, retriable only for a topic this client
   * created moments ago (the broker may not know it yet), so that a typo
   * fails fast instead of after the whole request timeout.
   */
  async topic(name: string, refresh = false): Promise<TopicMetadata> {
    if (!refresh) {
      const cached = this.topics.get(name);
      // Refreshed now and then even without errors, so added partitions are seen (Kafka's metadata.max.age.ms).
      if (cached !== undefined && Date.now() - cached.fetchedAt < METADATA_MAX_AGE_MS) return cached;
    }
    const res = await this.metadata([name]);
    const t = res.topics.find((x) => x.name === name);
    const code = t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (code !== ErrorCode.NONE) {
      const err = responseError(code, `Metadata for topic ${name}`);
      if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !this.recentlyCreated(name)) {
        throw new KafkaClientError(code, `topic ${name} does not exist`, false);
      }
      throw err;
    }
    return this.topics.get(name)!;
  }

  /** Forgets a topic's leaders so the next lookup asks the broker. */
  invalidateTopic(name: string): void {
    this.topics.delete(name);
  }

  topicCreated(name: string): void {
    this.createdTopics.set(name, Date.now());
  }

  topicDeleted(name: string): void {
    this.createdTopics.delete(name);
    this.topics.delete(name);
  }

  /** True for a topic this client created moments ago: the broker asked may not know it yet. */
  recentlyCreated(name: string): boolean {
    const at = this.createdTopics.get(name);
    return at !== undefined && Date.now() - at < CREATED_TOPIC_GRACE_MS;
  }

  /** The leader's connection for a partition; LEADER_NOT_AVAILABLE (retriable) while there is none. */
  async leaderFor(topic: string, partition: number, lane: string = DEFAULT_LANE): Promise<{ conn: BrokerConnection; meta: TopicMetadata; leaderEpoch: number }> {
    const meta = await this.topic(topic);
    const p = meta.partitions[partition];
    if (p === undefined || p.partition !== partition) {
      throw new KafkaClientError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic} has no partition ${partition} (it has ${meta.partitions.length})`, false);
    }
    if (p.leaderId < 0) {
      this.invalidateTopic(topic);
      throw new KafkaClientError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${topic}-${partition} has no leader`, true);
    }
    return { conn: await this.connectionTo(p.leaderId, lane), meta, leaderEpoch: p.leaderEpoch };
  }

  /** The coordinator of a group (FindCoordinator, cached until forgotten). */
  async coordinatorFor(groupId: string, lane: string = DEFAULT_LANE): Promise<BrokerConnection> {
    let nodeId = this.coordinators.get(groupId);
    if (nodeId === undefined) {
      nodeId = await this.findCoordinator(groupId);
      this.coordinators.set(groupId, nodeId);
    }
    return this.connectionTo(nodeId, lane);
  }

  forgetCoordinator(groupId: string): void {
    this.coordinators.delete(groupId);
  }

  private async findCoordinator(groupId: string): Promise<number> {
    const conn = await this.anyConnection();
    const what = `FindCoordinator for group ${groupId}`;
    // v4+ looks up a batch of keys (KIP-699); before that one key per request.
    const res = await conn.request(Apis.FindCoordinator, (v) => (v >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { keyType: 0, key: groupId }));
    const c = res.coordinators.length > 0
      ? res.coordinators.find((x) => x.key === groupId)
      : { nodeId: res.nodeId, host: res.host, port: res.port, errorCode: res.errorCode, errorMessage: res.errorMessage };
    if (c === undefined) throw new KafkaClientError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${what}: the response names no coordinator`, true);
    if (c.errorCode !== ErrorCode.NONE) throw responseError(c.errorCode, what, c.errorMessage);
    this.brokers.set(c.nodeId, { host: c.host, port: c.port });
    return c.nodeId;
  }

  /** Closes every connection (requests in flight finish first, up to the request timeout). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conns = await Promise.all([...this.connections.values()].map((p) => p.catch(() => null)));
    this.connections.clear();
    await Promise.all([...new Set(conns)].map((c) => c?.close()));
  }
}
