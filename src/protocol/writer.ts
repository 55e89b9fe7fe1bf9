// Writer of Kafka protocol primitives.
//
// Small fields go into a growing scratch buffer; large byte fields (record
// sets in Fetch responses) are kept as separate chunks so the stored bytes
// reach the socket without being copied into the response.
import { writeInt64 } from './int64.js';

const INITIAL_SIZE = 256;
/** Byte fields at least this long are referenced, not copied. */
const ZERO_COPY_THRESHOLD = 4096;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Start of the scratch bytes not yet moved to `chunks`. */
  private mark = 0;
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(initialSize = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkBytes + this.pos - this.mark;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Keep the pending part of the scratch buffer; earlier parts are already chunks.
    const pending = this.pos - this.mark;
    const size = Math.max(this.buf.length * 2, pending + n, INITIAL_SIZE);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.mark, this.pos);
    this.buf = next;
    this.mark = 0;
    this.pos = pending;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  /** int64 from a JS number; exact for safe integers (see int64.ts for the 2^63 case). */
  int64(v: number): void {
    this.ensure(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** A UUID given as 22 characters of base64url (Kafka's printed form). */
  uuid(v: string): void {
    this.ensure(16);
    const written = this.buf.write(v, this.pos, 16, 'base64url');
    if (written !== 16 || v.length !== 22) throw new TypeError(`not a UUID in base64url form: ${v}`);
    this.pos += 16;
  }

  uvarint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): void {
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    this.ensure(10);
    while (u >= 0x80) {
      this.buf[this.pos++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    this.buf[this.pos++] = u;
  }

  private utf8(s: string, n: number): void {
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  nullableString(s: string | null): void {
    if (s === null) return this.int16(-1);
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 32767) throw new RangeError(`string of ${n} bytes does not fit an int16 length`);
    this.int16(n);
    this.utf8(s, n);
  }

  compactNullableString(s: string | null): void {
    if (s === null) return this.uvarint(0);
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n + 1);
    this.utf8(s, n);
  }

  /** Raw bytes with no length prefix; large ones are referenced, not copied. */
  raw(b: Buffer): void {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      this.chunks.push(b);
      this.chunkBytes += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  nullableBytes(b: Buffer | null): void {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.raw(b);
  }

  compactNullableBytes(b: Buffer | null): void {
    if (b === null) return this.uvarint(0);
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  arrayLength(n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }

  private flushScratch(): void {
    if (this.pos > this.mark) {
      const piece = this.buf.subarray(this.mark, this.pos);
      this.chunks.push(piece);
      this.chunkBytes += piece.length;
      this.mark = this.pos;
    }
  }

  /** The written bytes as a list of chunks (no copy). The writer must not be used afterwards. */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The written bytes as one buffer (copies when there are several chunks). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.chunkBytes);
  }
}

/** Size in bytes of `v` as an unsigned varint. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
