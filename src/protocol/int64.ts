// int64 fields as JS numbers: exact below 2^53, which offsets, timestamps and
// producer ids are. Reading rounds the largest int64s (Long.MAX_VALUE, a common
// sentinel) to the double 2^63, one past the int64 range, so writing maps
// anything from there on back to Long.MAX_VALUE instead of failing.

const TWO_POW_32 = 4294967296;
const INT64_OVERFLOW = 2 ** 63;

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_POW_32 + buf.readUInt32BE(pos + 4);
}

/** Writes a JS integer as a signed int64 (two's complement for negatives). */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (value >= INT64_OVERFLOW) {
    buf.writeInt32BE(0x7fffffff, pos);
    buf.writeUInt32BE(0xffffffff, pos + 4);
    return;
  }
  const hi = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_POW_32, pos + 4);
}
