// The aborted-transaction index of one segment (`<base>.txnindex`, Kafka's
// layout): one 34-byte entry per transaction aborted by a marker in that
// segment: version int16 (0), producer id int64, first offset int64, last
// offset int64 (the marker), last stable offset int64 (after it ended).
// read_committed fetches return the entries that overlap the fetched range so
// that consumers can drop aborted records themselves (KIP-98).
import * as fs from 'node:fs';
import { readInt64, writeInt64 } from '../protocol/records/batch.js';

export const TXN_INDEX_SUFFIX = '.txnindex';
const ENTRY_SIZE = 34;
const VERSION = 0;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

function encode(e: AbortedTxn): Buffer {
  const b = Buffer.alloc(ENTRY_SIZE);
  b.writeInt16BE(VERSION, 0);
  writeInt64(b, 2, e.producerId);
  writeInt64(b, 10, e.firstOffset);
  writeInt64(b, 18, e.lastOffset);
  writeInt64(b, 26, e.lastStableOffset);
  return b;
}

export class TransactionIndex {
  private constructor(
    readonly path: string,
    private entries: AbortedTxn[],
  ) {}

  /** Loads the file if there is one; a torn last entry (a crash mid-append) is dropped. */
  static open(path: string): TransactionIndex {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return new TransactionIndex(path, []);
    }
    const entries: AbortedTxn[] = [];
    for (let p = 0; p + ENTRY_SIZE <= buf.length; p += ENTRY_SIZE) {
      if (buf.readInt16BE(p) !== VERSION) break;
      entries.push({ producerId: readInt64(buf, p + 2), firstOffset: readInt64(buf, p + 10), lastOffset: readInt64(buf, p + 18), lastStableOffset: readInt64(buf, p + 26) });
    }
    const idx = new TransactionIndex(path, entries);
    if (entries.length * ENTRY_SIZE !== buf.length) idx.rewrite();
    return idx;
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  append(e: AbortedTxn): void {
    // Recovery may replay a marker whose entry survived: keep one.
    if (this.entries.some((x) => x.producerId === e.producerId && x.lastOffset === e.lastOffset)) return;
    this.entries.push(e);
    fs.appendFileSync(this.path, encode(e));
  }

  /** Drops the entries of markers at or after `offset` (recovery replays them again). */
  truncateFrom(offset: number): void {
    const kept = this.entries.filter((e) => e.lastOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.rewrite();
  }

  /** Replaces the entries (a cleaned segment takes over those of the segments it replaced). */
  replaceWith(entries: readonly AbortedTxn[]): void {
    const seen = new Set<string>();
    this.entries = entries.filter((e) => {
      const key = `${e.producerId}:${e.lastOffset}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    this.rewrite();
  }

  /** Aborted transactions with data in [fetchOffset, upperBoundOffset). */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): void {
    for (const e of this.entries) if (e.lastOffset >= fetchOffset && e.firstOffset < upperBoundOffset) out.push(e);
  }

  delete(): void {
    this.entries = [];
    fs.rmSync(this.path, { force: true });
  }

  private rewrite(): void {
    if (this.entries.length === 0) {
      fs.rmSync(this.path, { force: true });
      return;
    }
    const tmp = `${this.path}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat(this.entries.map(encode)));
    fs.renameSync(tmp, this.path);
  }
}
