// Zstandard through the @bokuweb/zstd-wasm library (the reference C library
// compiled to wasm: synchronous once loaded, no native build).
//
// Bounded decoding: before the library sees a frame, its header and block
// headers are walked (RFC 8878) to bound what it can produce (raw and RLE
// blocks say their size, a compressed block yields at most
// min(window size, 128 KiB)). A declared content size past the limit is
// refused before any block is read; otherwise the library decodes into a
// buffer of min(bound, room left under the limit) bytes, so a compression bomb
// fails cleanly instead of allocating what it claims. Kafka's Java client
// writes frames without a content size; librdkafka and our compress write it.
import { zstdLibrary } from './codec-libraries.js';
import { corrupt, CompressionError, tooLarge } from './compression-error.js';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_SIZE = 128 * 1024;

interface FrameScan {
  start: number;
  end: number;
  /** Most bytes the frame can decode to. */
  bound: number;
  /** Declared Frame_Content_Size, or -1. */
  contentSize: number;
}

function scanFrame(input: Buffer, start: number, room: number): FrameScan {
  let p = start + 4;
  const need = (n: number, what: string): void => {
    if (p + n > input.length) throw corrupt('zstd', `truncated ${what}`);
  };
  need(1, 'frame header');
  const fhd = input[p++] as number;
  const fcsFlag = fhd >>> 6;
  const singleSegment = (fhd & 0x20) !== 0;
  if ((fhd & 0x08) !== 0) throw corrupt('zstd', 'reserved frame header bit is set');
  const hasChecksum = (fhd & 0x04) !== 0;
  const dictIdSize = [0, 1, 2, 4][fhd & 0x03] as number;
  let windowSize = 0;
  if (!singleSegment) {
    need(1, 'window descriptor');
    const wd = input[p++] as number;
    const windowLog = 10 + (wd >>> 3);
    const base = 2 ** windowLog;
    windowSize = base + (base / 8) * (wd & 0x07);
  }
  need(dictIdSize, 'dictionary id');
  let dictId = 0;
  for (let i = 0; i < dictIdSize; i++) dictId += (input[p + i] as number) * 2 ** (8 * i);
  p += dictIdSize;
  if (dictId !== 0) throw new CompressionError('unsupported', 'zstd frames that need a dictionary are not supported');
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  need(fcsSize, 'frame content size');
  let contentSize = -1;
  if (fcsSize > 0) {
    contentSize = 0;
    for (let i = 0; i < fcsSize; i++) contentSize += (input[p + i] as number) * 2 ** (8 * i);
    if (fcsSize === 2) contentSize += 256;
    p += fcsSize;
    // A declared size past the limit is refused before anything else is read.
    if (contentSize > room) throw tooLarge('zstd', room);
  }
  if (singleSegment) windowSize = contentSize;
  const blockMax = Math.min(windowSize, MAX_BLOCK_SIZE);
  let bound = 0;
  for (;;) {
    need(3, 'block header');
    const header = (input[p] as number) | ((input[p + 1] as number) << 8) | ((input[p + 2] as number) << 16);
    p += 3;
    const last = (header & 1) !== 0;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 0) {
      need(size, 'raw block');
      p += size;
      bound += size;
    } else if (type === 1) {
      need(1, 'RLE block');
      p += 1;
      bound += size;
    } else if (type === 2) {
      if (size > blockMax) throw corrupt('zstd', `compressed block of ${size} bytes exceeds the block maximum ${blockMax}`);
      need(size, 'compressed block');
      p += size;
      bound += blockMax;
    } else {
      throw corrupt('zstd', 'reserved block type');
    }
    if (last) break;
  }
  if (hasChecksum) {
    need(4, 'content checksum');
    p += 4;
  }
  if (contentSize > bound) throw corrupt('zstd', `frame declares ${contentSize} bytes but its blocks hold at most ${bound}`);
  return { start, end: p, bound: contentSize >= 0 ? contentSize : bound, contentSize };
}

/** Decompresses zstd frames (skippable frames ignored); throws CompressionError. */
export function zstdDecompress(input: Buffer, limit: number): Buffer {
  if (input.length === 0) throw corrupt('zstd', 'no frame');
  const frames: FrameScan[] = [];
  let p = 0;
  while (p < input.length) {
    if (p + 4 > input.length) throw corrupt('zstd', 'truncated frame magic');
    const magic = input.readUInt32LE(p);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (p + 8 > input.length) throw corrupt('zstd', 'truncated skippable frame');
      const size = input.readUInt32LE(p + 4);
      if (p + 8 + size > input.length) throw corrupt('zstd', 'truncated skippable frame');
      p += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('zstd', `invalid frame magic 0x${magic.toString(16)}`);
    const frame = scanFrame(input, p, limit);
    frames.push(frame);
    p = frame.end;
  }
  const parts: Buffer[] = [];
  let produced = 0;
  const wasm = zstdLibrary();
  for (const f of frames) {
    const room = limit - produced;
    if (f.contentSize > room) throw tooLarge('zstd', limit);
    const cap = Math.min(f.bound, room);
    if (cap <= 0 && f.bound > 0) throw tooLarge('zstd', limit);
    let decoded: Uint8Array;
    try {
      // The library sizes its output by the declared content size when there is one (checked
      // above), else by defaultHeapSize. An empty frame still needs a non-zero buffer.
      decoded = wasm.decompress(input.subarray(f.start, f.end), { defaultHeapSize: Math.max(cap, 1) });
    } catch (e) {
      if (cap < f.bound) throw tooLarge('zstd', limit);
      throw corrupt('zstd', (e as Error).message);
    }
    produced += decoded.length;
    if (produced > limit) throw tooLarge('zstd', limit);
    parts.push(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.length));
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** One zstd frame at `level` (Kafka's compression.zstd.level, default 3). */
export function zstdCompress(input: Buffer, level = 3): Buffer {
  const out = zstdLibrary().compress(input, level);
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}
