// The transaction coordinator (KIP-98), as Apache Kafka 4 runs it for clients
// on transaction version 1: InitProducerId with a transactional id (fencing
// older epochs, aborting a transaction left open), AddPartitionsToTxn and
// AddOffsetsToTxn, EndTxn with the two-phase PrepareCommit/PrepareAbort ->
// markers -> CompleteCommit/CompleteAbort, transaction.timeout.ms aborts,
// transactional.id.expiration.ms, ListTransactions and DescribeTransactions.
//
// State lives in __transaction_state (a transactional id's records in
// partition abs(hash(id)) % n) and is replayed on start; a transaction found
// half-way through its markers is completed then. Every state change is
// written before it is acknowledged. While a change is being written (or
// markers are going out) the id is "pending" and other requests for it get
// CONCURRENT_TRANSACTIONS, which clients retry: Kafka's pendingState.

import type { PartitionStore } from '../broker/partition-store.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { buildRecordBatch } from '../protocol/records/batch-builder.js';
import { ATTRIBUTES_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CompressionCodec, decodeRecords } from '../protocol/records/batch.js';
import { createLogger } from '../observability/logger.js';
import { InternalTopic } from './internal-topic.js';
import { groupPartition } from './java-compat.js';
import type { ProducerIdAllocator } from './producer-ids.js';
import { SYSTEM_TIME, SystemTimer, type Time, type Timer } from './timer.js';
import {
  TRANSACTION_STATE_TOPIC, TXN_STATE_NAMES, TxnState, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, type TxnLogValue,
} from './transaction-log.js';

const log = createLogger('txn-coordinator');

/** Kafka bumps to a new producer id rather than let the epoch reach Short.MAX_VALUE. */
const MAX_EPOCH = 32766;
/** Single node: the coordinator epoch never changes (Kafka uses the __transaction_state leader epoch). */
const COORDINATOR_EPOCH = 0;
const MARKER_RETRY_MS = 1000;

export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions (when the topic does not exist yet). */
  numPartitions: number;
  /** transaction.state.log.segment.bytes */
  segmentBytes: number;
  /** transaction.state.log.load.buffer.size */
  loadBufferSize: number;
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  idExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredIntervalMs: number;
  /** How long a write to __transaction_state may take to become durable. */
  writeTimeoutMs: number;
}

export const DEFAULT_TRANSACTION_COORDINATOR_CONFIG: TransactionCoordinatorConfig = {
  numPartitions: 50,
  segmentBytes: 104857600,
  loadBufferSize: 5242880,
  maxTimeoutMs: 900_000,
  idExpirationMs: 604_800_000,
  abortTimedOutIntervalMs: 10_000,
  removeExpiredIntervalMs: 3_600_000,
  writeTimeoutMs: 5000,
};

export function transactionCoordinatorConfigFrom(config: { int(name: string): number }): TransactionCoordinatorConfig {
  return {
    numPartitions: config.int('transaction.state.log.num.partitions'),
    segmentBytes: config.int('transaction.state.log.segment.bytes'),
    loadBufferSize: config.int('transaction.state.log.load.buffer.size'),
    maxTimeoutMs: config.int('transaction.max.timeout.ms'),
    idExpirationMs: config.int('transactional.id.expiration.ms'),
    abortTimedOutIntervalMs: config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredIntervalMs: config.int('transaction.remove.expired.transaction.cleanup.interval.ms'),
    writeTimeoutMs: 5000,
  };
}

/** Called after a marker is in a partition's log (the group coordinator settles transactional offsets). */
export type MarkerListener = (topic: string, partition: number, producerId: number, commit: boolean) => void;

class TxnMetadata {
  /** A write or the markers are in flight: other requests get CONCURRENT_TRANSACTIONS. */
  pending = false;

  constructor(
    readonly transactionalId: string,
    public producerId: number,
    public producerEpoch: number,
    public timeoutMs: number,
    public state: TxnState,
    public partitions: Map<string, Set<number>>,
    public startTimestamp: number,
    public lastUpdateTimestamp: number,
  ) {}

  static fromValue(id: string, v: TxnLogValue): TxnMetadata {
    return new TxnMetadata(id, v.producerId, v.producerEpoch, v.timeoutMs, v.state, v.partitions, v.startTimestamp, v.lastUpdateTimestamp);
  }

  toValue(): TxnLogValue {
    return {
      producerId: this.producerId, producerEpoch: this.producerEpoch, timeoutMs: this.timeoutMs, state: this.state,
      partitions: this.partitions, lastUpdateTimestamp: this.lastUpdateTimestamp, startTimestamp: this.startTimestamp,
    };
  }

  apply(v: TxnLogValue): void {
    this.producerId = v.producerId;
    this.producerEpoch = v.producerEpoch;
    this.timeoutMs = v.timeoutMs;
    this.state = v.state;
    this.partitions = v.partitions;
    this.startTimestamp = v.startTimestamp;
    this.lastUpdateTimestamp = v.lastUpdateTimestamp;
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.get(topic)?.has(partition) === true;
  }
}

export interface InitProducerIdResult {
  errorCode: ErrorCode;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ListedTransaction {
  transactionalId: string;
  producerId: number;
  transactionState: string;
}

export interface DescribedTransaction {
  transactionalId: string;
  errorCode: ErrorCode;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: TopicPartitions[];
}

type Status = 'inactive' | 'loading' | 'active';

function copyPartitions(p: Map<string, Set<number>>): Map<string, Set<number>> {
  return new Map([...p].map(([t, s]) => [t, new Set(s)]));
}

export class TransactionCoordinator {
  private readonly txns = new Map<string, TxnMetadata>();
  /** Producer id -> its transactional id's metadata (produce-time verification, KIP-890 part 1). */
  private readonly byProducerId = new Map<number, TxnMetadata>();
  private readonly topic: InternalTopic;
  private status: Status = 'inactive';
  private numPartitions: number;
  private readonly markerListeners: MarkerListener[] = [];

  constructor(
    private readonly store: PartitionStore,
    private readonly producerIds: ProducerIdAllocator,
    readonly config: TransactionCoordinatorConfig = DEFAULT_TRANSACTION_COORDINATOR_CONFIG,
    private readonly time: Time = SYSTEM_TIME,
    private readonly timer: Timer = new SystemTimer(),
  ) {
    this.numPartitions = config.numPartitions;
    this.topic = new InternalTopic(store, {
      name: TRANSACTION_STATE_TOPIC,
      partitions: config.numPartitions,
      // As Kafka configures __transaction_state.
      configs: { 'cleanup.policy': 'compact', 'compression.type': 'uncompressed', 'segment.bytes': String(config.segmentBytes) },
      writeTimeoutMs: config.writeTimeoutMs,
      loadBufferSize: config.loadBufferSize,
    });
  }

  onMarker(listener: MarkerListener): void {
    this.markerListeners.push(listener);
  }

  // -------------------------------------------------------------------------
  // Lifecycle

  /** Loads __transaction_state if it exists; requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile. */
  async start(): Promise<void> {
    const existing = this.topic.existing();
    if (existing !== undefined) {
      this.numPartitions = existing.partitionCount;
      this.status = 'loading';
      const started = this.time.now();
      try {
        await this.topic.replay((partition, batch) => this.replayBatch(partition, batch));
      } catch (err) {
        log.error('loading __transaction_state failed; transactional requests will be refused', { error: err });
        this.status = 'inactive';
        return;
      }
      if (this.status !== 'loading') return;
      log.info('loaded __transaction_state', { transactionalIds: this.txns.size, ms: this.time.now() - started });
    }
    this.status = 'active';
    // A transaction that was writing its markers when the broker stopped is completed now.
    for (const m of this.txns.values()) {
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        m.pending = true;
        void this.completeTransaction(m, m.state === TxnState.PrepareCommit);
      }
    }
    this.scheduleAbortTimedOut();
    this.scheduleRemoveExpired();
  }

  stop(): void {
    this.status = 'inactive';
    this.timer.cancelAll();
  }

  private replayBatch(partition: number, batch: Buffer): void {
    const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
    if ((attributes & CONTROL_FLAG_MASK) !== 0) return;
    if ((attributes & COMPRESSION_CODEC_MASK) !== CompressionCodec.None) {
      log.error('skipping a compressed batch in __transaction_state', { partition });
      return;
    }
    for (const rec of decodeRecords(batch)) {
      try {
        if (rec.key === null) continue;
        const id = decodeTxnKey(rec.key);
        if (rec.value === null) {
          this.forget(id);
          continue;
        }
        const value = decodeTxnValue(rec.value);
        const m = this.txns.get(id);
        if (m === undefined) this.remember(TxnMetadata.fromValue(id, value));
        else this.update(m, value);
      } catch (err) {
        log.error('skipping a malformed record in __transaction_state', { partition, offset: rec.offset, error: err });
      }
    }
  }

  private remember(m: TxnMetadata): void {
    this.txns.set(m.transactionalId, m);
    this.byProducerId.set(m.producerId, m);
  }

  private update(m: TxnMetadata, v: TxnLogValue): void {
    if (v.producerId !== m.producerId) this.byProducerId.delete(m.producerId);
    m.apply(v);
    this.byProducerId.set(m.producerId, m);
  }

  private forget(id: string): void {
    const m = this.txns.get(id);
    if (m === undefined) return;
    this.txns.delete(id);
    if (this.byProducerId.get(m.producerId) === m) this.byProducerId.delete(m.producerId);
  }

  /** COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE when requests cannot be served now. */
  unavailable(): ErrorCode | null {
    if (this.status === 'active') return null;
    return this.status === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** FindCoordinator for a transactional id: this broker, once __transaction_state can be written. */
  async findCoordinator(): Promise<ErrorCode> {
    if (this.status === 'inactive') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return (await this.topic.ensure()) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  partitionFor(transactionalId: string): number {
    return groupPartition(transactionalId, this.numPartitions);
  }

  /** Writes a transactional id's new value (or tombstone); null on success. */
  private async persist(id: string, value: TxnLogValue | null): Promise<ErrorCode | null> {
    const now = this.time.now();
    const batch = buildRecordBatch([{ key: encodeTxnKey(id), value: value === null ? null : encodeTxnValue(value) }], now);
    const error = await this.topic.write(this.partitionFor(id), batch, now);
    return error === null ? null : writeErrorToResponse(error);
  }

  // -------------------------------------------------------------------------
  // InitProducerId

  async initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: number; producerEpoch: number }): Promise<InitProducerIdResult> {
    const fail = (errorCode: ErrorCode): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    const unavailable = this.unavailable();
    if (unavailable !== null) return fail(unavailable);
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if (!(await this.topic.ensure())) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);

    let m = this.txns.get(transactionalId);
    const isNew = m === undefined;
    if (m === undefined) {
      const producerId = this.producerIds.next();
      if (producerId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      m = new TxnMetadata(transactionalId, producerId, -1, timeoutMs, TxnState.Empty, new Map(), -1, this.time.now());
      this.remember(m);
    }
    if (m.pending) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    // KIP-360: a producer re-initialising after an error names the id and epoch it had.
    if (!isNew && expected.producerId >= 0 && (expected.producerId !== m.producerId || expected.producerEpoch !== m.producerEpoch)) {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    switch (m.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
      case TxnState.PrepareEpochFence:
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.Ongoing:
        // Fence the producer that left it open and abort it; the client retries and gets the next epoch.
        this.abortWithBumpedEpoch(m, 'a new producer initialised the transactional id');
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        break;
    }
    const exhausted = m.producerEpoch >= MAX_EPOCH;
    const producerId = exhausted ? this.producerIds.next() : m.producerId;
    if (producerId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const next: TxnLogValue = {
      ...m.toValue(),
      producerId,
      producerEpoch: exhausted ? 0 : m.producerEpoch + 1,
      timeoutMs,
      state: TxnState.Empty,
      partitions: new Map(),
      startTimestamp: -1,
      lastUpdateTimestamp: this.time.now(),
    };
    m.pending = true;
    const error = await this.persist(transactionalId, next);
    m.pending = false;
    if (error !== null) {
      if (isNew) this.forget(transactionalId);
      return fail(error);
    }
    this.update(m, next);
    return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  // -------------------------------------------------------------------------
  // AddPartitionsToTxn / AddOffsetsToTxn

  /** The transaction a request from this producer may act on, or the error to answer it with. */
  private transactionOf(transactionalId: string, producerId: number, producerEpoch: number): TxnMetadata | ErrorCode {
    const unavailable = this.unavailable();
    if (unavailable !== null) return unavailable;
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const m = this.txns.get(transactionalId);
    if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.pending) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return m;
  }

  /** Adds partitions to the transaction (starting it); one error for all of them. */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartitions[]): Promise<ErrorCode> {
    const m = this.transactionOf(transactionalId, producerId, producerEpoch);
    if (typeof m === 'number') return m;
    if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state === TxnState.PrepareEpochFence || m.state === TxnState.Dead) return ErrorCode.INVALID_TXN_STATE;
    if (m.state === TxnState.Ongoing && partitions.every((t) => t.partitions.every((p) => m.hasPartition(t.topic, p)))) return ErrorCode.NONE;

    const now = this.time.now();
    const merged = m.state === TxnState.Ongoing ? copyPartitions(m.partitions) : new Map<string, Set<number>>();
    for (const t of partitions) {
      let set = merged.get(t.topic);
      if (set === undefined) merged.set(t.topic, (set = new Set()));
      for (const p of t.partitions) set.add(p);
    }
    const next: TxnLogValue = {
      ...m.toValue(),
      state: TxnState.Ongoing,
      partitions: merged,
      startTimestamp: m.state === TxnState.Ongoing ? m.startTimestamp : now,
      lastUpdateTimestamp: now,
    };
    m.pending = true;
    const error = await this.persist(transactionalId, next);
    m.pending = false;
    if (error !== null) return error;
    this.update(m, next);
    return ErrorCode.NONE;
  }

  /**
   * AddPartitionsToTxn v4+ verify_only (KIP-890): whether each partition is in
   * the producer's ongoing transaction; INVALID_TXN_STATE for those that are not.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartitions[]): Map<string, Map<number, ErrorCode>> {
    const m = this.txns.get(transactionalId);
    const common = this.unavailable() ?? (m === undefined || m.producerId !== producerId
      ? ErrorCode.INVALID_PRODUCER_ID_MAPPING
      : m.producerEpoch !== producerEpoch ? ErrorCode.PRODUCER_FENCED : null);
    const out = new Map<string, Map<number, ErrorCode>>();
    for (const t of partitions) {
      const byPartition = new Map<number, ErrorCode>();
      for (const p of t.partitions) {
        byPartition.set(p, common ?? (m?.state === TxnState.Ongoing && m.hasPartition(t.topic, p) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE));
      }
      out.set(t.topic, byPartition);
    }
    return out;
  }

  /**
   * Produce-time check of a transactional batch (transaction.partition.verification.enable):
   * NONE when the partition is in the producer's ongoing transaction, else the error to answer.
   */
  verifyProduce(producerId: number, producerEpoch: number, topic: string, partition: number): ErrorCode {
    const m = this.byProducerId.get(producerId);
    if (m === undefined || m.producerId !== producerId) return ErrorCode.INVALID_TXN_STATE;
    // An older epoch is fenced by the partition's own producer state check (INVALID_PRODUCER_EPOCH).
    if (producerEpoch < m.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (m.state !== TxnState.Ongoing || producerEpoch !== m.producerEpoch || !m.hasPartition(topic, partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // -------------------------------------------------------------------------
  // EndTxn

  async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<ErrorCode> {
    const m = this.transactionOf(transactionalId, producerId, producerEpoch);
    if (typeof m === 'number') return m;
    switch (m.state) {
      case TxnState.Ongoing:
        return this.prepareAndComplete(m, commit);
      // A retried EndTxn whose first attempt went through.
      case TxnState.CompleteCommit:
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case TxnState.CompleteAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case TxnState.PrepareCommit:
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case TxnState.PrepareAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        // Empty: nothing was added to a transaction, so there is nothing to end.
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  /**
   * Writes PrepareCommit/PrepareAbort and answers once it is durable; the
   * markers and the Complete state follow in the background (the id stays
   * pending until then), as Kafka answers EndTxn before the markers are out.
   */
  private async prepareAndComplete(m: TxnMetadata, commit: boolean, epoch = m.producerEpoch): Promise<ErrorCode> {
    const next: TxnLogValue = {
      ...m.toValue(),
      producerEpoch: epoch,
      state: commit ? TxnState.PrepareCommit : TxnState.PrepareAbort,
      lastUpdateTimestamp: this.time.now(),
    };
    m.pending = true;
    const error = await this.persist(m.transactionalId, next);
    if (error !== null) {
      m.pending = false;
      return error;
    }
    this.update(m, next);
    void this.completeTransaction(m, commit);
    return ErrorCode.NONE;
  }

  /** Writes the markers to every partition of the transaction, then CompleteCommit/CompleteAbort. */
  private async completeTransaction(m: TxnMetadata, commit: boolean): Promise<void> {
    const now = this.time.now();
    for (const [topic, partitions] of m.partitions) {
      for (const partition of partitions) {
        await this.writeMarker(m, topic, partition, commit, now);
        if (this.status === 'inactive') return;
      }
    }
    const next: TxnLogValue = {
      ...m.toValue(),
      state: commit ? TxnState.CompleteCommit : TxnState.CompleteAbort,
      partitions: new Map(),
      lastUpdateTimestamp: this.time.now(),
    };
    for (;;) {
      const error = await this.persist(m.transactionalId, next);
      if (error === null) break;
      if (this.status === 'inactive') return;
      log.warn('could not complete a transaction; retrying', { transactionalId: m.transactionalId, error: ErrorCode[error] });
      await sleep(MARKER_RETRY_MS);
    }
    this.update(m, next);
    m.pending = false;
  }

  /** Kafka retries markers until they are written; a partition that no longer exists is skipped. */
  private async writeMarker(m: TxnMetadata, topic: string, partition: number, commit: boolean, now: number): Promise<void> {
    const tp = { topic, partition };
    for (;;) {
      const res = this.store.writeTxnMarker(tp, { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH, commit }, now);
      if (res.errorCode === ErrorCode.NONE) {
        for (const listener of this.markerListeners) {
          try {
            listener(topic, partition, m.producerId, commit);
          } catch (err) {
            log.error('transaction marker listener failed', { topic, partition, error: err });
          }
        }
        await this.store.waitDurable(tp, res.offset).catch((err: unknown) => log.warn('marker flush failed', { topic, partition, error: err }));
        return;
      }
      if (res.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        log.info('skipping the marker of a partition that no longer exists', { transactionalId: m.transactionalId, topic, partition });
        return;
      }
      if (res.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH || res.errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
        // The partition has seen a newer epoch for this producer: its transaction here is already over.
        log.warn('marker refused by the partition; skipping it', { transactionalId: m.transactionalId, topic, partition, error: ErrorCode[res.errorCode], message: res.errorMessage });
        return;
      }
      if (this.status === 'inactive') return;
      log.warn('could not write a transaction marker; retrying', { transactionalId: m.transactionalId, topic, partition, error: ErrorCode[res.errorCode] });
      await sleep(MARKER_RETRY_MS);
    }
  }

  /** Fences the current epoch and aborts the open transaction with the next one (a timeout, or InitProducerId). */
  private abortWithBumpedEpoch(m: TxnMetadata, reason: string): void {
    if (m.pending || m.state !== TxnState.Ongoing) return;
    log.info('aborting transaction', { transactionalId: m.transactionalId, producerId: m.producerId, epoch: m.producerEpoch, reason });
    // Kafka bumps the epoch so that the old producer's writes are fenced everywhere the markers go.
    const epoch = m.producerEpoch >= MAX_EPOCH ? m.producerEpoch : m.producerEpoch + 1;
    void this.prepareAndComplete(m, false, epoch).then((error) => {
      if (error !== ErrorCode.NONE) log.warn('could not abort transaction', { transactionalId: m.transactionalId, error: ErrorCode[error] });
    });
  }

  // -------------------------------------------------------------------------
  // Timers

  private scheduleAbortTimedOut(): void {
    this.timer.schedule('abort-timed-out-transactions', this.config.abortTimedOutIntervalMs, () => {
      if (this.status !== 'active') return;
      this.abortTimedOutTransactions();
      this.scheduleAbortTimedOut();
    });
  }

  /** Aborts every ongoing transaction older than its transaction.timeout.ms. */
  abortTimedOutTransactions(): void {
    const now = this.time.now();
    for (const m of this.txns.values()) {
      if (m.state === TxnState.Ongoing && !m.pending && m.startTimestamp + m.timeoutMs < now) this.abortWithBumpedEpoch(m, 'transaction timed out');
    }
  }

  private scheduleRemoveExpired(): void {
    this.timer.schedule('remove-expired-transactional-ids', this.config.removeExpiredIntervalMs, () => {
      if (this.status !== 'active') return;
      void this.removeExpiredTransactionalIds().finally(() => this.scheduleRemoveExpired());
    });
  }

  /** Forgets transactional ids idle for transactional.id.expiration.ms with no transaction open (tombstones). */
  async removeExpiredTransactionalIds(): Promise<number> {
    const now = this.time.now();
    let removed = 0;
    for (const m of [...this.txns.values()]) {
      const idle = m.state === TxnState.Empty || m.state === TxnState.CompleteCommit || m.state === TxnState.CompleteAbort;
      if (!idle || m.pending || m.lastUpdateTimestamp + this.config.idExpirationMs > now) continue;
      m.pending = true;
      const error = await this.persist(m.transactionalId, null);
      m.pending = false;
      if (error === null) {
        this.forget(m.transactionalId);
        removed++;
      }
    }
    if (removed > 0) log.info('expired transactional ids', { count: removed });
    return removed;
  }

  // -------------------------------------------------------------------------
  // ListTransactions / DescribeTransactions

  listTransactions(states: readonly string[], producerIds: readonly number[], minDurationMs: number): { errorCode: ErrorCode; unknownStates: string[]; transactions: ListedTransaction[] } {
    const unavailable = this.unavailable();
    if (unavailable !== null) return { errorCode: unavailable, unknownStates: [], transactions: [] };
    const known = new Set(Object.values(TXN_STATE_NAMES));
    const unknownStates = states.filter((s) => !known.has(s));
    const now = this.time.now();
    const transactions: ListedTransaction[] = [];
    for (const m of this.txns.values()) {
      const state = TXN_STATE_NAMES[m.state];
      if (states.length > 0 && !states.includes(state)) continue;
      if (producerIds.length > 0 && !producerIds.includes(m.producerId)) continue;
      // KIP-994: only transactions running at least this long (ongoing ones, by their start).
      if (minDurationMs >= 0 && (m.state !== TxnState.Ongoing || now - m.startTimestamp < minDurationMs)) continue;
      transactions.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: state });
    }
    return { errorCode: ErrorCode.NONE, unknownStates, transactions };
  }

  describeTransactions(ids: readonly string[]): DescribedTransaction[] {
    const unavailable = this.unavailable();
    return ids.map((id) => {
      const m = this.txns.get(id);
      const errorCode = unavailable ?? (m === undefined ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.NONE);
      if (m === undefined || errorCode !== ErrorCode.NONE) {
        return { transactionalId: id, errorCode, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
      }
      return {
        transactionalId: id,
        errorCode,
        transactionState: TXN_STATE_NAMES[m.state],
        transactionTimeoutMs: m.timeoutMs,
        transactionStartTimeMs: m.startTimestamp,
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        topics: [...m.partitions].map(([topic, parts]) => ({ topic, partitions: [...parts].sort((a, b) => a - b) })),
      };
    });
  }
}

/** Kafka's mapping of a failed __transaction_state write to what transactional APIs answer. */
function writeErrorToResponse(code: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return code;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
