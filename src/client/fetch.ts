// Fetching one partition from an offset: a sessionless Fetch to the leader,
// then the record batches decoded (decompressed where needed). Control
// batches (transaction markers) are never returned as records. With
// read_committed, the records of aborted transactions are dropped using the
// response's aborted_transactions list, as Kafka's consumer does
// (CompletedFetch): an aborted producer's transactional batches are skipped
// from the transaction's first offset up to its ABORT marker.

import { ErrorCode, type FetchResponseAbortedTransaction } from '../protocol/generated/index.js';
import { RecordDecodeError } from '../protocol/records/batch.js';
import { ControlRecordType, controlRecordType, readRecordBatches } from '../protocol/records/batch-reader.js';
import { CompressionError, decompressionLimit } from '../protocol/records/compression.js';
import { Apis } from './apis.js';
import { FETCH_LANE, type Cluster } from './cluster.js';
import { KafkaClientError, invalidArgument, responseError } from './errors.js';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

export interface FetchOptions {
  /** How long the broker may wait for data (default 0: answer at once). */
  maxWaitMs?: number;
  /** Default 1 MiB (Kafka's max.partition.fetch.bytes); at least one batch is returned even if larger (KIP-74). */
  maxBytes?: number;
  isolation?: 'read_uncommitted' | 'read_committed';
}

export interface FetchResult {
  records: ConsumedRecord[];
  /** Where the next fetch starts: past every batch looked at, control and aborted ones included. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

export async function fetchPartition(cluster: Cluster, topic: string, partition: number, offset: number, opts: FetchOptions = {}): Promise<FetchResult> {
  const what = `Fetch ${topic}-${partition} at offset ${offset}`;
  if (typeof topic !== 'string' || topic === '') throw invalidArgument(ErrorCode.INVALID_TOPIC_EXCEPTION, `${what}: the topic name is empty`);
  if (!Number.isInteger(partition) || partition < 0) throw invalidArgument(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what}: invalid partition`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(ErrorCode.OFFSET_OUT_OF_RANGE, `${what}: invalid offset`);
  const maxWaitMs = opts.maxWaitMs ?? 0;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0) throw invalidArgument(ErrorCode.INVALID_REQUEST, `${what}: invalid maxWaitMs ${maxWaitMs}`);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw invalidArgument(ErrorCode.INVALID_FETCH_SIZE, `${what}: invalid maxBytes ${maxBytes}`);
  const readCommitted = opts.isolation === 'read_committed';

  return cluster.retrying(what, async () => {
    const { conn, meta, leaderEpoch } = await cluster.leaderFor(topic, partition, FETCH_LANE);
    const res = await conn.request(Apis.Fetch, (v) => ({
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes,
      isolationLevel: readCommitted ? 1 : 0,
      // Sessionless full fetch (KIP-227): session id 0, epoch -1.
      sessionId: 0,
      sessionEpoch: -1,
      // v13+ names topics by id (KIP-516).
      topics: [{
        topic: v >= 13 ? '' : topic,
        topicId: meta.topicId,
        partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes, currentLeaderEpoch: leaderEpoch, logStartOffset: -1 }],
      }],
    }), { timeoutMs: cluster.requestTimeoutMs + maxWaitMs });
    if (res.errorCode !== ErrorCode.NONE) throw responseError(res.errorCode, what);
    const t = res.responses.find((x) => x.topic === topic || (x.topic === '' && x.topicId === meta.topicId));
    const p = t?.partitions.find((x) => x.partitionIndex === partition);
    if (p === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the partition`, false);
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      throw new KafkaClientError(p.errorCode, `${what}: the offset is out of range for the partition`, false);
    }
    if (p.errorCode !== ErrorCode.NONE) throw responseError(p.errorCode, what);
    const decoded = decodeFetched(topic, partition, offset, p.records, readCommitted ? p.abortedTransactions ?? [] : null, what);
    return { records: decoded.records, nextOffset: decoded.nextOffset, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
  }, () => cluster.invalidateTopic(topic));
}

/**
 * Turns fetched bytes into records from `fetchOffset` on. `aborted` is null
 * for read_uncommitted; otherwise the response's aborted transactions.
 */
export function decodeFetched(
  topic: string, partition: number, fetchOffset: number, bytes: Buffer | null,
  aborted: readonly FetchResponseAbortedTransaction[] | null, what: string,
): { records: ConsumedRecord[]; nextOffset: number } {
  const records: ConsumedRecord[] = [];
  let nextOffset = fetchOffset;
  if (bytes === null || bytes.length === 0) return { records, nextOffset };
  // Aborted transactions by first offset; a producer joins `abortedProducers` once a batch reaches that offset.
  const pendingAborts = aborted === null ? [] : [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  try {
    for (const batch of readRecordBatches(bytes, decompressionLimit(bytes.length))) {
      if (batch.lastOffset < fetchOffset) continue; // a whole batch before the offset asked for
      nextOffset = batch.lastOffset + 1;
      const h = batch.header;
      if (aborted !== null) {
        while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= batch.lastOffset) abortedProducers.add(pendingAborts.shift()!.producerId);
      }
      if (batch.isControl) {
        // The ABORT marker ends the aborted transaction: later batches of that producer are a new one.
        if (aborted !== null && batch.records.length > 0 && controlRecordType(batch.records[0]!.key) === ControlRecordType.Abort) {
          abortedProducers.delete(h.producerId);
        }
        continue;
      }
      if (aborted !== null && batch.isTransactional && abortedProducers.has(h.producerId)) continue;
      for (const r of batch.records) {
        if (r.offset < fetchOffset) continue; // compressed batches are returned whole
        records.push({
          topic, partition, offset: r.offset, timestamp: r.timestamp,
          key: r.key === null ? null : Buffer.from(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
          headers: r.headers.map((x) => [x.key, x.value === null ? null : Buffer.from(x.value)]),
        });
      }
    }
  } catch (e) {
    if (e instanceof RecordDecodeError || e instanceof CompressionError) {
      throw new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${what}: ${e.message}`, false);
    }
    throw e;
  }
  return { records, nextOffset };
}
