// Incremental fetch sessions (KIP-227). A consumer opens a session with a full
// fetch (epoch 0); later fetches send only what changed (epoch 1, 2, ...), and
// the broker answers only for partitions with something new to say.

import { randomInt } from 'node:crypto';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** What the last response said, to tell whether this partition has news. */
  lastHighWatermark: number;
  lastLastStableOffset: number;
  lastLogStartOffset: number;
}

export interface FetchSession {
  id: number;
  /** The epoch the next incremental request must carry. */
  epoch: number;
  /**
   * The order incremental fetches read and answer in: the order the client added them, except
   * that a partition which returned records in an incremental fetch moves to the end (KIP-227).
   */
  partitions: Map<string, SessionPartition>;
  usesTopicIds: boolean;
  lastUsed: number;
}

export function sessionKey(topicOrId: string, partition: number): string {
  return `${topicOrId}\u0000${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  constructor(private readonly maxSessions: number) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A new session, or null when the cache has no room (the fetch then proceeds sessionless). */
  create(usesTopicIds: boolean, now: number): FetchSession | null {
    if (this.maxSessions <= 0) return null;
    if (this.sessions.size >= this.maxSessions) this.evictLeastRecentlyUsed();
    let id: number;
    do id = randomInt(1, 0x7fffffff); while (this.sessions.has(id));
    const session: FetchSession = { id, epoch: 1, partitions: new Map(), usesTopicIds, lastUsed: now };
    this.sessions.set(id, session);
    return session;
  }

  touch(session: FetchSession, now: number): void {
    session.lastUsed = now;
    // Map iteration order is insertion order: re-inserting keeps the LRU at the front.
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
  }

  private evictLeastRecentlyUsed(): void {
    const oldest = this.sessions.keys().next();
    if (oldest.done !== true) this.sessions.delete(oldest.value);
  }
}
