// Fetch, v4-17. Kafka 4 dropped v0-3 (KIP-896), which needed message format
// down-conversion. Stored batches are returned as they are. The response waits
// (long-poll) until min_bytes are available or max_wait_ms passes, wakes up on
// appends, honours max_bytes and partition_max_bytes but always returns the
// first batch of the first partition with data (KIP-74). v7+ supports
// incremental fetch sessions (KIP-227); v13+ names topics by id.

import {
  ApiKey, ErrorCode,
  type FetchRequest, type FetchResponseFetchableTopicResponseInput, type FetchResponseInput, type FetchResponsePartitionDataInput,
} from '../../protocol/generated/index.js';
import { EMPTY_BYTES } from '../../protocol/codec-runtime.js';
import { releaseReadBuffer } from '../../protocol/read-buffers.js';
import { defineHandler, type RequestContext } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { FINAL_EPOCH, INITIAL_EPOCH, sessionKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';
import { checkLeaderEpoch } from '../leader-epoch.js';
import { AclOperation } from '../../security/acl.js';
import { allowed, authorizationEnabled, authorizedTopics } from '../../security/request-authorization.js';

const READ_COMMITTED = 1;
const LEND = { lendForResponse: true } as const;
const LEND_COMMITTED = { lendForResponse: true, readCommitted: true } as const;

/** One partition to read in this fetch. */
interface Target {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** False when the topic (or topic id) is unknown. */
  known: boolean;
  session: SessionPartition | null;
}

interface PartitionResult {
  target: Target;
  data: FetchResponsePartitionDataInput;
  bytes: number;
}

function failed(partition: number, errorCode: ErrorCode): FetchResponsePartitionDataInput {
  return { partitionIndex: partition, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: EMPTY_BYTES };
}

function topLevelError(errorCode: ErrorCode): FetchResponseInput {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] };
}

function readAll(broker: Broker, targets: Target[], maxBytes: number, readCommitted: boolean, usesIds: boolean, readable: Set<string> | null): { results: PartitionResult[]; bytes: number } {
  const store = broker.store;
  let remaining = maxBytes;
  let total = 0;
  const results: PartitionResult[] = [];
  for (const target of targets) {
    const { partition } = target;
    // Kafka: READ on the topic. A name is checked before it is looked up (nothing leaks about
    // topics the principal may not read); an id only once it is known to name a topic.
    if ((!usesIds || target.known) && !allowed(readable, target.topic)) {
      results.push({ target, data: failed(partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED), bytes: 0 });
      continue;
    }
    const topic = target.known ? store.getTopic(target.topic) : undefined;
    if (topic === undefined) {
      results.push({ target, data: failed(partition, usesIds ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), bytes: 0 });
      continue;
    }
    if (partition < 0 || partition >= topic.partitionCount) {
      results.push({ target, data: failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), bytes: 0 });
      continue;
    }
    const epochError = checkLeaderEpoch(target.currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) {
      results.push({ target, data: failed(partition, epochError), bytes: 0 });
      continue;
    }
    const limit = Math.min(target.partitionMaxBytes, remaining);
    // KIP-74: until some data is in the response, the first batch comes whole whatever the limits.
    // The records go out in this response and nowhere else, so they may borrow pooled buffers.
    const read = store.read({ topic: topic.name, partition }, target.fetchOffset, Math.max(limit, 0), total === 0, readCommitted ? LEND_COMMITTED : LEND);
    if (read.errorCode !== ErrorCode.NONE) {
      results.push({ target, data: failed(partition, read.errorCode), bytes: 0 });
      continue;
    }
    const n = read.records.length;
    total += n;
    remaining -= n;
    results.push({
      target,
      bytes: n,
      data: {
        partitionIndex: partition,
        errorCode: ErrorCode.NONE,
        highWatermark: read.highWatermark,
        lastStableOffset: read.lastStableOffset,
        logStartOffset: read.logStartOffset,
        abortedTransactions: readCommitted ? read.abortedTransactions.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset })) : null,
        preferredReadReplica: -1,
        records: read.records,
      },
    });
  }
  return { results, bytes: total };
}

/** Hands back the pooled buffers of a read that will not be sent (nothing else holds them). */
function release(results: PartitionResult[]): void {
  for (const r of results) if (r.bytes > 0) releaseReadBuffer(r.data.records as Buffer);
}

/** Resolves on the first append to any target, at the deadline, or when the client goes away. */
function waitForAppend(ctx: RequestContext, targets: Target[], deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const u of unsubscribes) u();
      resolve();
    };
    for (const t of targets) {
      if (t.known && ctx.broker.store.getTopic(t.topic) !== undefined) {
        unsubscribes.push(ctx.broker.store.onAppend({ topic: t.topic, partition: t.partition }, finish));
      }
    }
    timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
  });
}

/** The partitions this request reads, updating the session as KIP-227 describes. */
function resolveTargets(req: FetchRequest, broker: Broker, usesIds: boolean, session: FetchSession | null, incremental: boolean): Target[] {
  const store = broker.store;
  const fromRequest = (topicName: string, topicId: string, p: FetchRequest['topics'][number]['partitions'][number]): Target => {
    let known: boolean;
    let name = topicName;
    let id = topicId;
    if (usesIds) {
      const t = store.getTopicById(topicId);
      known = t !== undefined;
      name = t?.name ?? '';
    } else {
      const t = store.getTopic(topicName);
      known = t !== undefined;
      id = t?.topicId ?? '';
    }
    return { topic: name, topicId: id, partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch, known, session: null };
  };

  const requested: Target[] = [];
  for (const t of req.topics) for (const p of t.partitions) requested.push(fromRequest(t.topic, t.topicId, p));
  if (session === null) return requested;

  const keyOf = (t: { topic: string; topicId: string; partition: number }) => sessionKey(usesIds ? t.topicId : t.topic, t.partition);
  if (incremental) {
    for (const f of req.forgottenTopicsData) {
      for (const p of f.partitions) session.partitions.delete(sessionKey(usesIds ? f.topicId : f.topic, p));
    }
  }
  for (const t of requested) {
    const key = keyOf(t);
    const existing = session.partitions.get(key);
    if (existing !== undefined) {
      existing.fetchOffset = t.fetchOffset;
      existing.partitionMaxBytes = t.partitionMaxBytes;
    } else {
      session.partitions.set(key, {
        topic: t.topic, topicId: t.topicId, partition: t.partition, fetchOffset: t.fetchOffset, partitionMaxBytes: t.partitionMaxBytes,
        lastHighWatermark: -1, lastLastStableOffset: -1, lastLogStartOffset: -1,
      });
    }
  }
  const epochs = new Map(requested.map((t) => [keyOf(t), t.currentLeaderEpoch]));
  const targets: Target[] = [];
  for (const [key, sp] of session.partitions) {
    const t = usesIds ? store.getTopicById(sp.topicId) : store.getTopic(sp.topic);
    targets.push({
      topic: sp.topic, topicId: sp.topicId, partition: sp.partition, fetchOffset: sp.fetchOffset, partitionMaxBytes: sp.partitionMaxBytes,
      currentLeaderEpoch: epochs.get(key) ?? -1, known: t !== undefined, session: sp,
    });
  }
  return targets;
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponseInput>({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const usesIds = version >= 13;
    const now = Date.now();
    const cache = broker.fetchSessions;

    let session: FetchSession | null = null;
    let incremental = false;
    if (version >= 7) {
      if (req.sessionEpoch === FINAL_EPOCH || req.sessionEpoch === INITIAL_EPOCH) {
        if (req.sessionId !== 0) cache.remove(req.sessionId);
        if (req.sessionEpoch === INITIAL_EPOCH) session = cache.create(usesIds, now);
      } else {
        session = cache.get(req.sessionId) ?? null;
        if (session === null) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
        if (session.epoch !== req.sessionEpoch) return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
        if (session.usesTopicIds !== usesIds) return topLevelError(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
        incremental = true;
      }
    }
    if (session !== null) {
      cache.touch(session, now);
      session.epoch = incremental ? session.epoch + 1 : 1;
    }

    const targets = resolveTargets(req, broker, usesIds, session, incremental);
    const maxBytes = Math.min(req.maxBytes, broker.settings.fetchMaxBytes);
    const readCommitted = req.isolationLevel === READ_COMMITTED;
    const deadline = now + Math.max(0, req.maxWaitMs);

    // Asked (and audited) once per request, not once per long-poll wake-up.
    const readable = authorizationEnabled(ctx) ? authorizedTopics(ctx, AclOperation.READ, targets.filter((t) => !usesIds || t.known).map((t) => t.topic)) : null;
    let read = readAll(broker, targets, maxBytes, readCommitted, usesIds, readable);
    while (read.bytes < req.minBytes && Date.now() < deadline && !ctx.connection.closed && !read.results.some((r) => r.data.errorCode !== ErrorCode.NONE)) {
      release(read.results);
      await waitForAppend(ctx, targets, deadline);
      read = readAll(broker, targets, maxBytes, readCommitted, usesIds, readable);
    }
    if (ctx.connection.closed) {
      // The response would be dropped unwritten: its buffers can serve the next fetch.
      release(read.results);
      return topLevelError(ErrorCode.NONE);
    }

    const responses: FetchResponseFetchableTopicResponseInput[] = [];
    let current: FetchResponseFetchableTopicResponseInput | null = null;
    let currentKey = '';
    for (const r of read.results) {
      const sp = r.target.session;
      if (sp !== null) {
        const changed = r.bytes > 0 || r.data.errorCode !== ErrorCode.NONE
          || r.data.highWatermark !== sp.lastHighWatermark
          || r.data.lastStableOffset !== sp.lastLastStableOffset
          || r.data.logStartOffset !== sp.lastLogStartOffset;
        sp.lastHighWatermark = r.data.highWatermark ?? -1;
        sp.lastLastStableOffset = r.data.lastStableOffset ?? -1;
        sp.lastLogStartOffset = r.data.logStartOffset ?? -1;
        // Incremental responses carry only partitions with news (KIP-227).
        if (incremental && !changed) continue;
        // As Kafka's IncrementalFetchContext: a partition that returned records moves to the end
        // of the session, so that the next fetch reads the others first. Otherwise, when the limits
        // leave room for one partition only, the first one in the session would get it every time.
        if (incremental && r.bytes > 0 && session !== null) {
          const key = sessionKey(usesIds ? sp.topicId : sp.topic, sp.partition);
          session.partitions.delete(key);
          session.partitions.set(key, sp);
        }
      }
      const key = usesIds ? r.target.topicId : r.target.topic;
      if (current === null || key !== currentKey) {
        current = { topic: r.target.topic, topicId: r.target.topicId === '' ? undefined : r.target.topicId, partitions: [] };
        currentKey = key;
        responses.push(current);
      }
      current.partitions!.push(r.data);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: session?.id ?? 0, responses };
  },
});
