// Per-partition state of idempotent and transactional producers (Kafka's
// ProducerStateManager, KIP-98): for each producer id the current epoch, the
// metadata of its last 5 batches (sequence range, offsets, timestamp), the
// coordinator epoch of its last transaction marker and the first offset of its
// ongoing transaction. Everything comes from batch headers: the produce path
// never decodes a record for this.
//
// This module is pure state and logic; the partition log owns an instance,
// feeds it every appended batch, and reads and writes its snapshot files
// (`<offset>.snapshot`, Kafka's layout: version 1, CRC32C, one entry per
// producer holding its last batch only, as Kafka's does).
import { ErrorCode } from '../protocol/generated/errors.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { decrementSequence, incrementSequence, readInt64, writeInt64 } from '../protocol/records/batch.js';
import type { TxnMarker } from '../protocol/records/control-records.js';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: a producer has at most 5 requests in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
const INT32_MAX = 0x7fffffff;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  /** lastOffset - firstOffset (and lastSeq - firstSeq, modulo wrap). */
  offsetDelta: number;
  /** The batch's max timestamp (the log append time for LogAppendTime topics). */
  timestamp: number;
}

export class ProducerStateEntry {
  /** Oldest first; at most NUM_BATCHES_TO_RETAIN, all of the current epoch. */
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public coordinatorEpoch = -1,
    public lastTimestamp = -1,
    /** First offset of the ongoing transaction, -1 when there is none. */
    public currentTxnFirstOffset = -1,
  ) {}

  get lastSeq(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : (this.batches[this.batches.length - 1] as BatchMetadata).lastSeq;
  }

  get lastDataOffset(): number {
    return this.batches.length === 0 ? -1 : (this.batches[this.batches.length - 1] as BatchMetadata).lastOffset;
  }

  get lastOffsetDelta(): number {
    return this.batches.length === 0 ? 0 : (this.batches[this.batches.length - 1] as BatchMetadata).offsetDelta;
  }

  /** A new epoch starts with an empty batch cache. Returns true when the epoch changed. */
  maybeUpdateEpoch(epoch: number): boolean {
    if (this.producerEpoch === epoch) return false;
    this.batches.length = 0;
    this.producerEpoch = epoch;
    return true;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateEpoch(epoch);
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push({
      firstSeq: decrementSequence(lastSeq, offsetDelta),
      lastSeq,
      firstOffset: lastOffset - offsetDelta,
      lastOffset,
      offsetDelta,
      timestamp,
    });
    this.lastTimestamp = timestamp;
  }

  /** The cached batch with exactly this sequence range in this epoch (a retried request), if any. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (epoch !== this.producerEpoch) return null;
    for (const b of this.batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    return null;
  }
}

/** The header fields of one batch that producer state looks at. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  isTransactional: boolean;
  isControl: boolean;
}

/** A batch as appended: its offsets and (effective) max timestamp. */
export interface AppendedProducerBatch extends ProducerBatch {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** The marker a control batch carries (null for other control records). */
  marker?: TxnMarker | null;
}

/** A transaction a marker ended in this partition (Kafka's CompletedTxn). */
export interface CompletedTxn {
  producerId: number;
  /** The transaction's first offset here (the marker's own offset when it wrote no data here). */
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  isAborted: boolean;
}

export type ProducerCheck =
  | { kind: 'ok' }
  /** A retry of a batch already in the log: answer with its offsets, append nothing. */
  | { kind: 'duplicate'; batch: BatchMetadata }
  | { kind: 'error'; errorCode: ErrorCode; message: string };

export interface ProducerStateConfig {
  /** producer.id.expiration.ms: a producer idle this long (by its batches' timestamps) is forgotten. */
  producerIdExpirationMs: number;
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Ongoing transactions: first offset -> producer id (the last stable offset is the lowest first offset). */
  private readonly ongoingTxns = new Map<number, number>();
  /** One past the last offset whose batches this state reflects; a snapshot is named by it. */
  mapEndOffset = 0;

  constructor(
    readonly partition: string,
    public config: ProducerStateConfig,
  ) {}

  get producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /** First offsets of ongoing transactions, lowest first. */
  ongoingTransactionFirstOffsets(): number[] {
    return [...this.ongoingTxns.keys()].sort((a, b) => a - b);
  }

  /**
   * Checks a batch a client produced (Kafka 4's ProducerAppendInfo for origin
   * CLIENT), before anything is written. `firstOffset` is where it would go.
   * A batch without a producer id is always fine.
   */
  checkClientBatch(b: ProducerBatch, firstOffset: number): ProducerCheck {
    if (b.producerId < 0) return { kind: 'ok' };
    const entry = this.producers.get(b.producerId);
    const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
    if (entry !== undefined) {
      const dup = entry.findDuplicate(b.producerEpoch, b.baseSequence, lastSeq);
      if (dup !== null) return { kind: 'duplicate', batch: dup };
    }
    const currentEpoch = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
    if (b.producerEpoch < currentEpoch) {
      return this.error(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `Epoch of producer ${b.producerId} at offset ${firstOffset} in ${this.partition} is ${b.producerEpoch}, which is smaller than the last seen epoch ${currentEpoch}`,
      );
    }
    if (b.producerEpoch !== currentEpoch) {
      // A new epoch must start at sequence 0, unless the producer is unknown here (any sequence is accepted then).
      if (b.baseSequence !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
        return this.error(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Invalid sequence number for new epoch of producer ${b.producerId} at offset ${firstOffset} in partition ${this.partition}: ${b.producerEpoch} (request epoch), ${b.baseSequence} (seq. number), ${currentEpoch} (current producer epoch)`,
        );
      }
    } else {
      const currentLastSeq = entry?.lastSeq ?? NO_SEQUENCE;
      // With no known epoch (all its records gone, or never seen), any sequence is accepted.
      if (currentEpoch !== NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, b.baseSequence)) {
        return this.error(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Out of order sequence number for producer ${b.producerId} at offset ${firstOffset} in partition ${this.partition}: ${b.baseSequence} (incoming seq. number), ${currentLastSeq} (current end sequence number)`,
        );
      }
    }
    const ongoing = entry !== undefined && entry.currentTxnFirstOffset >= 0;
    if (ongoing && !b.isTransactional) {
      return this.error(
        ErrorCode.INVALID_TXN_STATE,
        `Expected transactional write from producer ${b.producerId} at offset ${firstOffset} in partition ${this.partition}`,
      );
    }
    return { kind: 'ok' };
  }

  private error(errorCode: ErrorCode, message: string): ProducerCheck {
    return { kind: 'error', errorCode, message };
  }

  /**
   * Records an appended batch, unconditionally: the append path after a
   * successful check, and recovery replaying batch headers. Batches without a
   * producer id only move mapEndOffset. A transaction marker answers the
   * transaction it completed.
   */
  applyBatch(b: AppendedProducerBatch): CompletedTxn | null {
    if (b.lastOffset + 1 > this.mapEndOffset) this.mapEndOffset = b.lastOffset + 1;
    if (b.producerId < 0) return null;
    let entry = this.producers.get(b.producerId);
    if (entry === undefined) {
      entry = new ProducerStateEntry(b.producerId);
      this.producers.set(b.producerId, entry);
    }
    if (b.isControl) {
      entry.maybeUpdateEpoch(b.producerEpoch);
      entry.lastTimestamp = b.maxTimestamp;
      if (b.marker === undefined || b.marker === null) return null;
      // Kafka's appendEndTxnMarker: the marker ends whatever transaction is open here.
      const firstOffset = entry.currentTxnFirstOffset >= 0 ? entry.currentTxnFirstOffset : b.firstOffset;
      if (entry.currentTxnFirstOffset >= 0) this.ongoingTxns.delete(entry.currentTxnFirstOffset);
      entry.currentTxnFirstOffset = -1;
      entry.coordinatorEpoch = b.marker.coordinatorEpoch;
      return { producerId: b.producerId, firstOffset, lastOffset: b.firstOffset, isAborted: b.marker.type === 'ABORT' };
    }
    const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
    entry.addBatch(b.producerEpoch, lastSeq, b.lastOffset, b.lastOffset - b.firstOffset, b.maxTimestamp);
    if (b.isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = b.firstOffset;
      this.ongoingTxns.set(b.firstOffset, b.producerId);
    }
    return null;
  }

  /**
   * Checks a batch the broker itself writes (a coordinator's transactional
   * offset commit, origin COORDINATOR in Kafka): no sequence, only the epoch.
   */
  checkCoordinatorBatch(producerId: number, producerEpoch: number): ProducerCheck {
    if (producerId < 0) return { kind: 'ok' };
    const current = this.producers.get(producerId)?.producerEpoch ?? NO_PRODUCER_EPOCH;
    if (producerEpoch < current) {
      return this.error(ErrorCode.INVALID_PRODUCER_EPOCH, `Epoch of producer ${producerId} in ${this.partition} is ${producerEpoch}, which is smaller than the last seen epoch ${current}`);
    }
    return { kind: 'ok' };
  }

  /** Checks a transaction marker before it is written (Kafka's appendEndTxnMarker checks). */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): ProducerCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return { kind: 'ok' };
    if (producerEpoch < entry.producerEpoch) {
      return this.error(ErrorCode.INVALID_PRODUCER_EPOCH, `Invalid producer epoch for end transaction marker of producer ${producerId} in ${this.partition}: ${producerEpoch} (request epoch), ${entry.producerEpoch} (server epoch)`);
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return this.error(ErrorCode.TRANSACTION_COORDINATOR_FENCED, `Invalid coordinator epoch for producer ${producerId} in ${this.partition}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`);
    }
    return { kind: 'ok' };
  }

  /** The first offset of the oldest ongoing transaction, or null: the last stable offset is bounded by it. */
  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const first of this.ongoingTxns.keys()) if (min === null || first < min) min = first;
    return min;
  }

  /** Kafka's lastStableOffset(completedTxn): the first offset still unstable after this transaction ended. */
  stableOffsetAfter(completed: CompletedTxn): number {
    let min: number | null = null;
    for (const [first, pid] of this.ongoingTxns) if (pid !== completed.producerId && (min === null || first < min)) min = first;
    return min ?? completed.lastOffset + 1;
  }

  /** Moves the end offset past batches that carry no producer (they need no other bookkeeping). */
  updateMapEndOffset(offset: number): void {
    if (offset > this.mapEndOffset) this.mapEndOffset = offset;
  }

  private isExpired(now: number, e: ProducerStateEntry): boolean {
    return e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= this.config.producerIdExpirationMs;
  }

  /** Forgets producers idle for producer.id.expiration.ms; returns how many. */
  removeExpired(now: number): number {
    let removed = 0;
    for (const [id, e] of this.producers) {
      if (this.isExpired(now, e)) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  clear(endOffset: number): void {
    this.producers.clear();
    this.ongoingTxns.clear();
    this.mapEndOffset = endOffset;
  }

  // --------------------------------------------------------------- snapshots

  /** Kafka's producer snapshot, version 1: int16 version, uint32 CRC32C of the rest, int32 count, entries. */
  serializeSnapshot(): Buffer {
    const entries = [...this.producers.values()];
    const buf = Buffer.alloc(SNAPSHOT_HEADER_SIZE + 4 + entries.length * SNAPSHOT_ENTRY_SIZE);
    buf.writeInt16BE(SNAPSHOT_VERSION, 0);
    buf.writeInt32BE(entries.length, SNAPSHOT_HEADER_SIZE);
    let p = SNAPSHOT_HEADER_SIZE + 4;
    for (const e of entries) {
      writeInt64(buf, p, e.producerId);
      buf.writeInt16BE(e.producerEpoch, p + 8);
      buf.writeInt32BE(e.lastSeq, p + 10);
      writeInt64(buf, p + 14, e.lastDataOffset);
      buf.writeInt32BE(e.lastOffsetDelta, p + 22);
      writeInt64(buf, p + 26, e.lastTimestamp);
      buf.writeInt32BE(e.coordinatorEpoch, p + 34);
      writeInt64(buf, p + 38, e.currentTxnFirstOffset);
      p += SNAPSHOT_ENTRY_SIZE;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(SNAPSHOT_HEADER_SIZE)), 2);
    return buf;
  }

  /**
   * Replaces the state with a snapshot's entries (expired ones dropped, as
   * Kafka does on load) and sets mapEndOffset to the snapshot's offset.
   * Throws CorruptSnapshotError; the state is untouched then.
   */
  loadSnapshot(buf: Buffer, snapshotOffset: number, now: number): void {
    const entries = parseSnapshot(buf);
    this.clear(snapshotOffset);
    for (const e of entries) {
      if (this.isExpired(now, e)) continue;
      this.producers.set(e.producerId, e);
      if (e.currentTxnFirstOffset >= 0) this.ongoingTxns.set(e.currentTxnFirstOffset, e.producerId);
    }
  }
}

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_SIZE = 6;
const SNAPSHOT_ENTRY_SIZE = 46;

export class CorruptSnapshotError extends Error {
  override name = 'CorruptSnapshotError';
}

export function parseSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < SNAPSHOT_HEADER_SIZE + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is too short`);
  const version = buf.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new CorruptSnapshotError(`snapshot contained an unknown file version ${version}`);
  const stored = buf.readUInt32BE(2);
  const computed = crc32c(buf.subarray(SNAPSHOT_HEADER_SIZE));
  if (stored !== computed) throw new CorruptSnapshotError(`snapshot is corrupt (stored crc ${stored}, computed crc ${computed})`);
  const count = buf.readInt32BE(SNAPSHOT_HEADER_SIZE);
  if (count < 0 || SNAPSHOT_HEADER_SIZE + 4 + count * SNAPSHOT_ENTRY_SIZE !== buf.length) {
    throw new CorruptSnapshotError(`snapshot claims ${count} entries in ${buf.length} bytes`);
  }
  const out: ProducerStateEntry[] = [];
  let p = SNAPSHOT_HEADER_SIZE + 4;
  for (let i = 0; i < count; i++) {
    const e = new ProducerStateEntry(
      readInt64(buf, p),
      buf.readInt16BE(p + 8),
      buf.readInt32BE(p + 34),
      readInt64(buf, p + 26),
      readInt64(buf, p + 38),
    );
    const lastSeq = buf.readInt32BE(p + 10);
    const lastOffset = readInt64(buf, p + 14);
    const offsetDelta = buf.readInt32BE(p + 22);
    if (lastOffset >= 0) {
      e.batches.push({
        firstSeq: decrementSequence(lastSeq, offsetDelta),
        lastSeq,
        firstOffset: lastOffset - offsetDelta,
        lastOffset,
        offsetDelta,
        timestamp: e.lastTimestamp,
      });
    }
    out.push(e);
    p += SNAPSHOT_ENTRY_SIZE;
  }
  return out;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}
