// LZ4 as Kafka stores it: the LZ4 frame format (magic 0x184D2204, since
// magic v1 with a correct header checksum, KIP-57).
//
// Decoding is ours, written from the LZ4 frame and block format specs, so the
// output is bounded (every block decodes into a buffer capped by the caller's
// limit; nothing is sized from what the input claims) and both block modes,
// block and content checksums and skippable frames are accepted. Encoding
// writes what Kafka's Lz4BlockOutputStream writes (FLG 0x60: version 1,
// independent blocks, no checksums; BD 0x40: 64 KiB blocks) around blocks
// compressed by the lz4-napi library; the Java consumer only reads frames
// with independent blocks.
import { lz4Library } from './codec-libraries.js';
import { BoundedOutput, corrupt, CompressionError, tooLarge } from './compression-error.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const UNCOMPRESSED_BLOCK_FLAG = 0x80000000;
const KAFKA_BLOCK_SIZE = 64 * 1024;
const KAFKA_FLG = 0x60;
const KAFKA_BD = 0x40;

/** Thrown by decodeBlock when the output would pass its cap; the frame decoder decides what that means. */
class OutputOverflow extends Error {}

/**
 * Decodes one LZ4 block src[sp, send) into out at op, never writing at or past
 * oend, with match offsets allowed back to windowStart. Returns the new op.
 */
function decodeBlock(src: Buffer, sp: number, send: number, out: Buffer, op: number, oend: number, windowStart: number): number {
  for (;;) {
    if (sp >= send) throw corrupt('lz4', 'truncated block');
    const token = src[sp++] as number;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (sp >= send) throw corrupt('lz4', 'truncated literal length');
        b = src[sp++] as number;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > send - sp) throw corrupt('lz4', 'literals run past the block');
    if (litLen > oend - op) throw new OutputOverflow();
    // Short runs are copied by hand: a Buffer.copy call costs more than a few bytes of loop.
    if (litLen < 32) {
      for (let i = 0; i < litLen; i++) out[op++] = src[sp++] as number;
    } else {
      src.copy(out, op, sp, sp + litLen);
      op += litLen;
      sp += litLen;
    }
    // The last sequence has literals only.
    if (sp === send) return op;
    if (sp + 2 > send) throw corrupt('lz4', 'truncated match offset');
    const offset = (src[sp] as number) | ((src[sp + 1] as number) << 8);
    sp += 2;
    if (offset === 0 || op - offset < windowStart) throw corrupt('lz4', `match offset ${offset} reaches before the window`);
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (sp >= send) throw corrupt('lz4', 'truncated match length');
        b = src[sp++] as number;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += 4;
    if (matchLen > oend - op) throw new OutputOverflow();
    let m = op - offset;
    if (offset >= matchLen && matchLen >= 32) {
      out.copyWithin(op, m, m + matchLen);
      op += matchLen;
    } else {
      // Short or overlapping match: byte by byte (an overlap repeats the last `offset` bytes, as the format intends).
      for (let i = 0; i < matchLen; i++) out[op++] = out[m++] as number;
    }
  }
}

/** Decompresses LZ4 frames (one or more, skippable frames ignored); throws CompressionError. */
export function lz4Decompress(input: Buffer, limit: number): Buffer {
  if (input.length === 0) throw corrupt('lz4', 'no frame');
  const out = new BoundedOutput('lz4', limit, Math.max(KAFKA_BLOCK_SIZE, input.length * 4));
  let p = 0;
  const need = (n: number, what: string): void => {
    if (p + n > input.length) throw corrupt('lz4', `truncated ${what}`);
  };
  while (p < input.length) {
    need(4, 'frame magic');
    const magic = input.readUInt32LE(p);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      need(8, 'skippable frame');
      const size = input.readUInt32LE(p + 4);
      p += 8;
      need(size, 'skippable frame');
      p += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('lz4', `invalid frame magic 0x${magic.toString(16)}`);
    p += 4;
    const descriptorStart = p;
    need(3, 'frame descriptor');
    const flg = input[p] as number;
    const bd = input[p + 1] as number;
    p += 2;
    if (flg >>> 6 !== 1) throw corrupt('lz4', `unsupported frame version ${flg >>> 6}`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('lz4', 'reserved frame descriptor bits are set');
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const hasContentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    if ((flg & 0x01) !== 0) throw new CompressionError('unsupported', 'lz4 frames with a dictionary id are not supported');
    const blockSizeId = (bd >>> 4) & 0x07;
    if (blockSizeId < 4) throw corrupt('lz4', `invalid block size id ${blockSizeId}`);
    const maxBlock = 1 << (8 + 2 * blockSizeId);
    let contentSize = -1;
    if (hasContentSize) {
      need(9, 'content size');
      const hi = input.readUInt32LE(p + 4);
      contentSize = hi * 2 ** 32 + input.readUInt32LE(p);
      if (contentSize > limit - out.length) throw tooLarge('lz4', limit);
      p += 8;
    }
    const hc = input[p] as number;
    if (hc !== ((xxhash32(input, descriptorStart, p) >>> 8) & 0xff)) throw corrupt('lz4', 'frame descriptor checksum mismatch');
    p++;
    const frameStart = out.length;
    for (;;) {
      need(4, 'block size');
      const raw = input.readUInt32LE(p);
      p += 4;
      if (raw === 0) break;
      const stored = (raw & UNCOMPRESSED_BLOCK_FLAG) !== 0;
      const size = raw & 0x7fffffff;
      if (size > maxBlock) throw corrupt('lz4', `block of ${size} bytes exceeds the maximum block size ${maxBlock}`);
      need(size + (blockChecksum ? 4 : 0), 'block');
      if (blockChecksum && xxhash32(input, p, p + size) !== input.readUInt32LE(p + size)) {
        throw corrupt('lz4', 'block checksum mismatch');
      }
      if (stored) {
        out.append(input, p, p + size);
      } else {
        const room = Math.min(out.reserveUpTo(maxBlock), maxBlock);
        try {
          out.length = decodeBlock(input, p, p + size, out.buf, out.length, out.length + room, independent ? out.length : frameStart);
        } catch (e) {
          if (!(e instanceof OutputOverflow)) throw e;
          if (room < maxBlock) throw tooLarge('lz4', limit);
          throw corrupt('lz4', `block decompresses past the maximum block size ${maxBlock}`);
        }
      }
      p += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) {
      need(4, 'content checksum');
      if (xxhash32(out.buf, frameStart, out.length) !== input.readUInt32LE(p)) throw corrupt('lz4', 'content checksum mismatch');
      p += 4;
    }
    if (contentSize >= 0 && contentSize !== out.length - frameStart) {
      throw corrupt('lz4', `frame declares ${contentSize} bytes of content but holds ${out.length - frameStart}`);
    }
  }
  return out.result();
}

/** One LZ4 frame as Kafka writes it: 64 KiB independent blocks, stored raw when they do not shrink. */
export function lz4Compress(input: Buffer): Buffer {
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, KAFKA_FLG, KAFKA_BD, 0]);
  header[6] = (xxhash32(header, 4, 6) >>> 8) & 0xff;
  const parts: Buffer[] = [header];
  const lz4 = lz4Library();
  for (let at = 0; at < input.length; at += KAFKA_BLOCK_SIZE) {
    const chunk = input.subarray(at, Math.min(at + KAFKA_BLOCK_SIZE, input.length));
    // lz4-napi prepends the uncompressed size (4 bytes, little-endian) to the raw block.
    const block = lz4.compressSync(chunk).subarray(4);
    const size = Buffer.allocUnsafe(4);
    if (block.length >= chunk.length) {
      size.writeUInt32LE((chunk.length | UNCOMPRESSED_BLOCK_FLAG) >>> 0, 0);
      parts.push(size, chunk);
    } else {
      size.writeUInt32LE(block.length, 0);
      parts.push(size, block);
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}
