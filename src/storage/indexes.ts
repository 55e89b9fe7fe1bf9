// Sparse offset and time indexes of one segment, held in memory and written to
// Kafka-layout files (.index: relative offset int32 + position int32;
// .timeindex: timestamp int64 + relative offset int32, big-endian) when the
// segment rolls and on clean shutdown. A crash loses at most the active
// segment's index files, which recovery rebuilds from the .log anyway.
import { readInt64, writeInt64 } from '../protocol/records/batch.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;
export const TIME_INDEX_ENTRY_SIZE = 12;

export class OffsetIndex {
  private relOffsets: Int32Array;
  private positions: Int32Array;
  entries = 0;

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {
    const initial = Math.max(1, Math.min(maxEntries, 1024));
    this.relOffsets = new Int32Array(initial);
    this.positions = new Int32Array(initial);
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  lastEntry(): { offset: number; position: number } | null {
    if (this.entries === 0) return null;
    const i = this.entries - 1;
    return { offset: this.baseOffset + (this.relOffsets[i] as number), position: this.positions[i] as number };
  }

  append(offset: number, position: number): void {
    if (this.isFull()) return;
    const last = this.lastEntry();
    if (last !== null && (offset <= last.offset || position <= last.position)) return;
    if (this.entries === this.relOffsets.length) {
      const cap = Math.min(this.maxEntries, this.relOffsets.length * 2);
      const r = new Int32Array(cap);
      r.set(this.relOffsets);
      const p = new Int32Array(cap);
      p.set(this.positions);
      this.relOffsets = r;
      this.positions = p;
    }
    this.relOffsets[this.entries] = offset - this.baseOffset;
    this.positions[this.entries] = position;
    this.entries++;
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0). */
  lookup(target: number): { offset: number; position: number } {
    const rel = target - this.baseOffset;
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.relOffsets[mid] as number) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + (this.relOffsets[found] as number), position: this.positions[found] as number };
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.entries; i++) {
      buf.writeInt32BE(this.relOffsets[i] as number, i * 8);
      buf.writeInt32BE(this.positions[i] as number, i * 8 + 4);
    }
    return buf;
  }

  /** Parses an index file; null when it is not sane for a log of `logSize` bytes. */
  static fromBuffer(buf: Buffer, baseOffset: number, maxEntries: number, logSize: number): OffsetIndex | null {
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return null;
    const n = buf.length / OFFSET_INDEX_ENTRY_SIZE;
    const index = new OffsetIndex(baseOffset, Math.max(maxEntries, n));
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < n; i++) {
      const rel = buf.readInt32BE(i * 8);
      const pos = buf.readInt32BE(i * 8 + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize || rel < 0) return null;
      index.append(baseOffset + rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    return index;
  }
}

export class TimeIndex {
  private timestamps: Float64Array;
  private relOffsets: Int32Array;
  entries = 0;

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {
    const initial = Math.max(1, Math.min(maxEntries, 1024));
    this.timestamps = new Float64Array(initial);
    this.relOffsets = new Int32Array(initial);
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  lastEntry(): { timestamp: number; offset: number } | null {
    if (this.entries === 0) return null;
    const i = this.entries - 1;
    return { timestamp: this.timestamps[i] as number, offset: this.baseOffset + (this.relOffsets[i] as number) };
  }

  /** Appends only when the timestamp grows (Kafka's maybeAppend); `force` ignores fullness (final entry on roll). */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (timestamp < 0) return;
    if (this.isFull() && !force) return;
    const last = this.lastEntry();
    if (last !== null && (timestamp <= last.timestamp || offset < last.offset)) return;
    if (this.entries === this.timestamps.length) {
      const cap = Math.max(this.entries + 1, Math.min(this.maxEntries, this.timestamps.length * 2));
      const t = new Float64Array(cap);
      t.set(this.timestamps);
      const r = new Int32Array(cap);
      r.set(this.relOffsets);
      this.timestamps = t;
      this.relOffsets = r;
    }
    this.timestamps[this.entries] = timestamp;
    this.relOffsets[this.entries] = offset - this.baseOffset;
    this.entries++;
  }

  /**
   * The entry with the largest timestamp < target: every batch before its
   * offset has a max timestamp below target, so a scan may start there.
   */
  lookupBefore(target: number): { timestamp: number; offset: number } {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as number) < target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.timestamps[found] as number, offset: this.baseOffset + (this.relOffsets[found] as number) };
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < this.entries; i++) {
      writeInt64(buf, i * 12, this.timestamps[i] as number);
      buf.writeInt32BE(this.relOffsets[i] as number, i * 12 + 8);
    }
    return buf;
  }

  /** Parses a time index file; null when it is not sane. */
  static fromBuffer(buf: Buffer, baseOffset: number, maxEntries: number): TimeIndex | null {
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return null;
    const n = buf.length / TIME_INDEX_ENTRY_SIZE;
    const index = new TimeIndex(baseOffset, Math.max(maxEntries, n));
    let prevTs = -1;
    let prevRel = -1;
    for (let i = 0; i < n; i++) {
      const ts = readInt64(buf, i * 12);
      const rel = buf.readInt32BE(i * 12 + 8);
      if (ts <= prevTs || rel < prevRel || rel < 0) return null;
      index.maybeAppend(ts, baseOffset + rel, true);
      prevTs = ts;
      prevRel = rel;
    }
    return index;
  }
}
