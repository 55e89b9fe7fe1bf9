// XXH32, the checksum of the LZ4 frame format (header checksum, optional
// block and content checksums), written from the xxHash specification.
// Uint32 arithmetic throughout: Math.imul for products, >>> 0 to stay unsigned.

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
}

/** XXH32 of buf[start, end) with `seed` (0 in LZ4 frames), as an unsigned 32-bit number. */
export function xxhash32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const len = end - start;
  let p = start;
  let acc: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round(v1, readU32(buf, p));
      v2 = round(v2, readU32(buf, p + 4));
      v3 = round(v3, readU32(buf, p + 8));
      v4 = round(v4, readU32(buf, p + 12));
      p += 16;
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    acc = (seed + P5) >>> 0;
  }
  acc = (acc + len) >>> 0;
  while (p + 4 <= end) {
    acc = Math.imul(rotl((acc + Math.imul(readU32(buf, p), P3)) >>> 0, 17), P4) >>> 0;
    p += 4;
  }
  while (p < end) {
    acc = Math.imul(rotl((acc + Math.imul(buf[p] as number, P5)) >>> 0, 11), P1) >>> 0;
    p++;
  }
  acc ^= acc >>> 15;
  acc = Math.imul(acc, P2) >>> 0;
  acc ^= acc >>> 13;
  acc = Math.imul(acc, P3) >>> 0;
  acc ^= acc >>> 16;
  return acc >>> 0;
}

function readU32(buf: Uint8Array, p: number): number {
  return ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16) | ((buf[p + 3] as number) << 24)) >>> 0;
}
