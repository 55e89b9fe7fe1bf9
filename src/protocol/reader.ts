// Bounds-checked reader of Kafka protocol primitives over a Buffer.
//
// Every read checks the remaining bytes first, and every length read from the
// input is checked against what is left before anything is allocated, so a
// hostile length field costs an error, never memory.

/** Thrown for input that does not decode: truncated, oversized or malformed. */
export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
}

const UUID_ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';

export class Reader {
  pos: number;
  end: number;

  constructor(readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new ProtocolDecodeError(`truncated input: ${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  skip(n: number): void {
    this.need(n, 'skipped field');
    this.pos += n;
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a JS number: exact within ±2^53, which covers every offset and timestamp the broker hands out. */
  int64(): number {
    this.need(8, 'int64');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A UUID as Kafka prints it: 22 characters of unpadded base64url. */
  uuid(): string {
    this.need(16, 'uuid');
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  /** Unsigned LEB128 varint of at most 32 bits. */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new ProtocolDecodeError(`truncated input: varint at offset ${this.pos}`);
      const b = this.buf[this.pos++]!;
      if (shift === 28 && b > 0x0f) throw new ProtocolDecodeError(`varint longer than 32 bits at offset ${this.pos - 1}`);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  /** Zigzag-encoded signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed varlong, as a JS number (exact within ±2^53). */
  varlong(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new ProtocolDecodeError(`truncated input: varlong at offset ${this.pos}`);
      const b = this.buf[this.pos++]!;
      if (shift > 63) throw new ProtocolDecodeError(`varlong longer than 64 bits at offset ${this.pos - 1}`);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  private checkedLength(n: number, what: string): number {
    if (n > this.end - this.pos) {
      throw new ProtocolDecodeError(`${what} length ${n} exceeds the ${this.end - this.pos} bytes left at offset ${this.pos}`);
    }
    return n;
  }

  private utf8(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  private slice(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** int16-length string; -1 is null. */
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) {
      if (n === -1) return null;
      throw new ProtocolDecodeError(`invalid string length ${n}`);
    }
    return this.utf8(this.checkedLength(n, 'string'));
  }

  /** uvarint(length + 1) string; 0 is null. Kafka caps strings at 32767 bytes in every encoding. */
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    if (n > 32767) throw new ProtocolDecodeError(`compact string length ${n} exceeds the 32767-byte limit`);
    return this.utf8(this.checkedLength(n, 'compact string'));
  }

  /** A string field that is not nullable in this version: null is malformed. */
  string(compact: boolean): string {
    const s = compact ? this.compactNullableString() : this.nullableString();
    if (s === null) throw new ProtocolDecodeError(`null for a non-nullable string at offset ${this.pos}`);
    return s;
  }

  /** A bytes field that is not nullable in this version: null is malformed. */
  bytes(compact: boolean): Buffer {
    const b = compact ? this.compactNullableBytes() : this.nullableBytes();
    if (b === null) throw new ProtocolDecodeError(`null for non-nullable bytes at offset ${this.pos}`);
    return b;
  }

  /** int32-length bytes; -1 is null. The result shares memory with the input. */
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) {
      if (n === -1) return null;
      throw new ProtocolDecodeError(`invalid bytes length ${n}`);
    }
    return this.slice(this.checkedLength(n, 'bytes'));
  }

  /** uvarint(length + 1) bytes; 0 is null. The result shares memory with the input. */
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.slice(this.checkedLength(n, 'compact bytes'));
  }

  /**
   * An array length (int32, or uvarint(n + 1) when compact); -1 means null.
   * Each element takes at least one byte, so a count above the bytes left is malformed.
   */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolDecodeError(`invalid array length ${n}`);
    if (n > this.end - this.pos) {
      throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.end - this.pos} bytes left at offset ${this.pos}`);
    }
    return n;
  }

  /** Reads a tagged-field section, handing each known tag to `onTag` and skipping the rest. */
  taggedFields(onTag?: (tag: number, size: number) => boolean): void {
    const count = this.uvarint();
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= previous) throw new ProtocolDecodeError(`tagged fields out of order: tag ${tag} after ${previous}`);
      previous = tag;
      const size = this.checkedLength(this.uvarint(), 'tagged field');
      const start = this.pos;
      const outerEnd = this.end;
      // A tagged field is decoded within its declared size and must use all of it.
      this.end = start + size;
      let known: boolean;
      try {
        known = onTag !== undefined && onTag(tag, size);
      } finally {
        this.end = outerEnd;
      }
      if (!known) this.pos = start + size;
      else if (this.pos !== start + size) {
        throw new ProtocolDecodeError(`tagged field ${tag} declared ${size} bytes but used ${this.pos - start}`);
      }
    }
  }
}

export { UUID_ZERO };
