// The one error every codec throws for input it cannot decode, so callers map
// all of them to a protocol error without knowing which library was behind it.

export type CompressionFailure = 'corrupt' | 'too-large' | 'unsupported';

export class CompressionError extends Error {
  override name = 'CompressionError';

  constructor(
    readonly reason: CompressionFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when decompressed output would pass the caller's limit (a compression bomb, or just too big). */
export function tooLarge(codec: string, limit: number): CompressionError {
  return new CompressionError('too-large', `${codec} data decompresses to more than the limit of ${limit} bytes`);
}

export function corrupt(codec: string, what: string): CompressionError {
  return new CompressionError('corrupt', `corrupt ${codec} data: ${what}`);
}

/**
 * An output buffer that grows by doubling up to a hard limit: decoders append
 * what they actually produce and never allocate a size the input claims.
 */
export class BoundedOutput {
  buf: Buffer;
  length = 0;

  constructor(
    readonly codec: string,
    readonly limit: number,
    initial: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(limit, initial)));
  }

  /** Makes room for `n` more bytes, or throws too-large. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    if (need > this.limit) throw tooLarge(this.codec, this.limit);
    let cap = this.buf.length;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(Math.min(cap, this.limit));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /**
   * Grows the buffer toward `n` more bytes without passing the limit; returns
   * how many bytes may now be written at `length` (fewer than `n` near the limit).
   */
  reserveUpTo(n: number): number {
    const want = Math.min(this.length + n, this.limit);
    if (want > this.buf.length) {
      let cap = this.buf.length;
      while (cap < want) cap *= 2;
      const next = Buffer.allocUnsafe(Math.min(cap, this.limit));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    return Math.min(this.buf.length, this.limit) - this.length;
  }

  append(src: Uint8Array, start = 0, end = src.length): void {
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
