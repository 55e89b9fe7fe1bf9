// The producer: one record batch per partition per send call, sent to the
// partition's leader. Idempotent by default (KIP-98): a producer id from
// InitProducerId, a sequence per partition, and one batch in flight per
// partition, so a retry (same bytes, same sequence) can neither duplicate nor
// reorder records: the broker answers a retried batch it already has with
// the original offsets. When the broker has lost track of the producer
// (UNKNOWN_PRODUCER_ID) or sees a sequence gap (OUT_OF_ORDER_SEQUENCE_NUMBER),
// the producer takes a new id and restarts its sequences, as Java's
// idempotent producer does (KIP-360).

import { ErrorCode } from '../protocol/generated/index.js';
import { NO_PRODUCER_ID, NO_SEQUENCE, incrementSequence } from '../protocol/records/batch.js';
import { buildProducerBatch } from '../protocol/records/batch-builder.js';
import { targetCodec, type CompressionName } from '../protocol/records/compression.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import { KafkaClientError, clientClosed, invalidArgument, responseError } from './errors.js';
import { partitionForKey, type Partitioner } from './partitioner.js';

export interface ProducedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: [string, Buffer | null][];
  /** CreateTime; defaults to now. */
  timestamp?: number;
  /** Overrides the partitioner. */
  partition?: number;
}

export interface ProducerOptions {
  /** Default true when acks is -1 (idempotence needs acks=all, as in Kafka). */
  idempotent?: boolean;
  /** Default -1 (all). */
  acks?: -1 | 0 | 1;
  compression?: CompressionName;
}

export interface Producer {
  /** Resolves with each record's partition and offset, in the order given (offset -1 with acks=0). */
  send(topic: string, records: ProducedRecord[]): Promise<{ partition: number; offset: number }[]>;
  /** Resolves once every send made so far has settled. */
  flush(): Promise<void>;
  /** Flushes, then refuses further sends. */
  close(): Promise<void>;
}

/** Errors after which the broker no longer knows where this producer's sequences stand. */
const REINIT_ERRORS = new Set<number>([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID, ErrorCode.INVALID_PRODUCER_EPOCH,
]);

/** transaction.timeout.ms as Java sends it with InitProducerId, also for non-transactional producers. */
const TRANSACTION_TIMEOUT_MS = 60_000;

export class ClientProducer implements Producer {
  private readonly idempotent: boolean;
  private readonly acks: -1 | 0 | 1;
  private readonly codec: number;
  private producerId = NO_PRODUCER_ID;
  private producerEpoch = -1;
  private init: Promise<void> | null = null;
  private reinitNeeded = false;
  /** Next sequence by "topic\0partition", for the current producer id and epoch. */
  private sequences = new Map<string, number>();
  /** The tail of each partition's queue: batches go out one at a time, in send order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  /** Settles when the previous send has queued its batches. */
  private sendGate: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: Cluster,
    private readonly partitioner: Partitioner,
    opts: ProducerOptions = {},
    /** Called once the producer is closed and flushed. */
    private readonly onClosed: () => void = () => {},
  ) {
    this.acks = opts.acks ?? -1;
    if (this.acks !== -1 && this.acks !== 0 && this.acks !== 1) throw invalidArgument(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${String(opts.acks)}`);
    if (opts.idempotent === true && this.acks !== -1) {
      throw invalidArgument(ErrorCode.INVALID_REQUIRED_ACKS, `an idempotent producer needs acks=-1 (all), got acks=${this.acks}`);
    }
    this.idempotent = opts.idempotent ?? this.acks === -1;
    const compression = opts.compression ?? 'none';
    const codec = compression === 'none' ? 0 : (() => { try { return targetCodec(compression); } catch { return undefined; } })();
    if (codec === undefined || codec === null) throw invalidArgument(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression ${String(compression)}`);
    this.codec = codec;
  }

  send(topic: string, records: ProducedRecord[]): Promise<{ partition: number; offset: number }[]> {
    const op = this.sendNow(topic, records);
    // flush() waits for sends still looking up metadata too.
    const settled = op.then(() => {}, () => {});
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return op;
  }

  private async sendNow(topic: string, records: ProducedRecord[]): Promise<{ partition: number; offset: number }[]> {
    const what = `Produce to ${topic}`;
    if (this.closed) throw clientClosed(what, 'producer');
    this.cluster.checkOpen(what);
    if (typeof topic !== 'string' || topic === '') throw invalidArgument(ErrorCode.INVALID_TOPIC_EXCEPTION, `${what}: the topic name is empty`);
    if (!Array.isArray(records)) throw invalidArgument(ErrorCode.INVALID_REQUEST, `${what}: records must be an array`);
    if (records.length === 0) return [];
    records.forEach((r, i) => checkRecord(r, i, what));
    const results: { partition: number; offset: number }[] = new Array(records.length);

    // One send at a time through the metadata lookup, so that sends reach each partition's queue in call order.
    const gate = this.sendGate;
    let release = (): void => {};
    this.sendGate = new Promise<void>((resolve) => { release = resolve; });
    let batches: Promise<void>[];
    try {
      await gate;
      // Retried: a topic created a moment ago may not be in the metadata yet.
      const meta = await this.cluster.retrying(what, () => this.cluster.topic(topic), () => this.cluster.invalidateTopic(topic));
      batches = this.dispatch(topic, records, meta.partitions.length, results);
    } finally {
      release();
    }
    await Promise.all(batches);
    return results;
  }

  /** Assigns partitions and queues one batch per partition; the promises settle as the batches are acknowledged. */
  private dispatch(topic: string, records: ProducedRecord[], count: number, results: { partition: number; offset: number }[]): Promise<void>[] {
    const what = `Produce to ${topic}`;
    const byPartition = new Map<number, number[]>();
    let sticky = -1;
    records.forEach((r, i) => {
      let p: number;
      if (r.partition !== undefined) {
        if (r.partition >= count) throw invalidArgument(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${what}: partition ${r.partition} does not exist (the topic has ${count})`);
        p = r.partition;
      } else if (r.key !== null) {
        p = partitionForKey(r.key, count);
      } else {
        if (sticky < 0) sticky = this.partitioner.stickyPartition(topic, count);
        p = sticky;
      }
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(i);
    });

    const now = Date.now();
    return [...byPartition].map(async ([partition, indexes]) => {
      const batchRecords = indexes.map((i) => records[i]!);
      const baseOffset = await this.enqueue(`${topic}\0${partition}`, () => this.produceBatch(topic, partition, batchRecords, now));
      indexes.forEach((i, n) => { results[i] = { partition, offset: baseOffset < 0 ? -1 : baseOffset + n }; });
    });
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.onClosed();
  }

  /** Runs `fn` after everything queued before it on the same partition, whatever their outcome. */
  private enqueue<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(() => {}, () => {});
    this.queues.set(key, tail);
    void tail.then(() => { if (this.queues.get(key) === tail) this.queues.delete(key); });
    return run;
  }

  /** Sends one batch to a partition's leader until it is acknowledged; resolves with its base offset. */
  private async produceBatch(topic: string, partition: number, records: ProducedRecord[], now: number): Promise<number> {
    const what = `Produce to ${topic}-${partition}`;
    const key = `${topic}\0${partition}`;
    const input = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: (r.headers ?? []).map(([k, v]) => ({ key: k, value: v })),
      timestamp: r.timestamp ?? now,
    }));
    let batch: Buffer | null = null;
    let builtFor = { producerId: NO_PRODUCER_ID, producerEpoch: -1 };
    try {
      return await this.cluster.retrying(what, async () => {
        if (this.idempotent) await this.ensureProducerId();
        // Built once per producer id and epoch: a retry resends the very same sequence.
        if (batch === null || builtFor.producerId !== this.producerId || builtFor.producerEpoch !== this.producerEpoch) {
          builtFor = { producerId: this.producerId, producerEpoch: this.producerEpoch };
          let baseSequence = NO_SEQUENCE;
          if (this.idempotent) {
            baseSequence = this.sequences.get(key) ?? 0;
            this.sequences.set(key, incrementSequence(baseSequence, records.length));
          }
          batch = buildProducerBatch(input, { codec: this.codec, producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence });
        }
        const { conn } = await this.cluster.leaderFor(topic, partition);
        const request = {
          transactionalId: null,
          acks: this.acks,
          timeoutMs: this.cluster.requestTimeoutMs,
          topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
        };
        if (this.acks === 0) {
          await conn.request(Apis.Produce, request, { expectResponse: false });
          return -1;
        }
        const res = await conn.request(Apis.Produce, request);
        const p = res.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
        if (p === undefined) throw new KafkaClientError(ErrorCode.UNKNOWN_SERVER_ERROR, `${what}: the response does not mention the partition`, false);
        // A duplicate is a batch the broker already has: success (Kafka 4 answers those with NONE and the original offsets).
        if (p.errorCode === ErrorCode.NONE || p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) return p.baseOffset;
        if (this.idempotent && REINIT_ERRORS.has(p.errorCode)) {
          this.requestReinit(builtFor.producerId, builtFor.producerEpoch);
          const e = responseError(p.errorCode, what, p.errorMessage);
          throw new KafkaClientError(e.code, e.message, true);
        }
        throw responseError(p.errorCode, what, p.errorMessage);
      }, () => this.cluster.invalidateTopic(topic));
    } catch (e) {
      // The batch's sequence may or may not be in the log now: start over with a fresh producer id.
      if (this.idempotent) this.requestReinit(builtFor.producerId, builtFor.producerEpoch);
      throw e;
    }
  }

  /** Asks for a new producer id, unless one was already taken since `producerId`/`epoch` were current. */
  private requestReinit(producerId: number, producerEpoch: number): void {
    if (producerId === this.producerId && producerEpoch === this.producerEpoch) this.reinitNeeded = true;
  }

  private ensureProducerId(): Promise<void> {
    if (this.producerId !== NO_PRODUCER_ID && !this.reinitNeeded) return Promise.resolve();
    this.init ??= this.initProducerId().finally(() => { this.init = null; });
    return this.init;
  }

  private async initProducerId(): Promise<void> {
    const conn = await this.cluster.anyConnection();
    const res = await conn.request(Apis.InitProducerId, {
      transactionalId: null,
      transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
      producerId: -1,
      producerEpoch: -1,
    });
    if (res.errorCode !== ErrorCode.NONE) throw responseError(res.errorCode, 'InitProducerId');
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.sequences = new Map();
    this.reinitNeeded = false;
  }
}

function checkRecord(r: ProducedRecord, i: number, what: string): void {
  const bad = (why: string): never => { throw invalidArgument(ErrorCode.INVALID_RECORD, `${what}: record ${i} ${why}`); };
  if (typeof r !== 'object' || r === null) bad('is not an object');
  if (r.key !== null && !Buffer.isBuffer(r.key)) bad('has a key that is neither a Buffer nor null');
  if (r.value !== null && !Buffer.isBuffer(r.value)) bad('has a value that is neither a Buffer nor null');
  if (r.timestamp !== undefined && (!Number.isSafeInteger(r.timestamp) || r.timestamp < 0)) bad(`has an invalid timestamp ${r.timestamp}`);
  if (r.partition !== undefined && (!Number.isInteger(r.partition) || r.partition < 0)) bad(`has an invalid partition ${r.partition}`);
  for (const h of r.headers ?? []) {
    if (!Array.isArray(h) || typeof h[0] !== 'string' || (h[1] !== null && !Buffer.isBuffer(h[1]))) bad('has a header that is not [string, Buffer | null]');
  }
}
