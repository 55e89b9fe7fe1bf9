// CRC32C (Castagnoli), the checksum of record batch v2, through the native
// @node-rs/crc32 binding: the produce path checksums every batch.
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC32C of `buf` (optionally continuing from `initial`), as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, initial?: number): number {
  return nativeCrc32c(buf, initial) >>> 0;
}
