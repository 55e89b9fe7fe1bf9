// The record batch compression codecs by attribute id (Kafka's CompressionType):
// 0 none, 1 gzip (node:zlib), 2 snappy (xerial framing), 3 lz4 (LZ4 frame),
// 4 zstd. A batch's records body (the bytes after the 61-byte header) is what
// gets compressed. Decompression is always bounded by a caller's limit and
// throws CompressionError, never anything else, for bad input.
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { CompressionCodec } from './batch.js';
import { corrupt, CompressionError, tooLarge } from './compression-error.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

export { CompressionError } from './compression-error.js';

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionName(codec: number): CompressionName | `unknown(${number})` {
  return NAMES[codec] ?? `unknown(${codec})`;
}

/**
 * The codec id a topic's compression.type asks for: null for `producer` (keep
 * the producer's codec), 0 for `uncompressed`, else the codec's id.
 */
export function targetCodec(compressionType: string): number | null {
  switch (compressionType) {
    case 'producer':
      return null;
    case 'uncompressed':
      return CompressionCodec.None;
    case 'gzip':
      return CompressionCodec.Gzip;
    case 'snappy':
      return CompressionCodec.Snappy;
    case 'lz4':
      return CompressionCodec.Lz4;
    case 'zstd':
      return CompressionCodec.Zstd;
    default:
      throw new RangeError(`unknown compression.type ${compressionType}`);
  }
}

/** compression.gzip.level and compression.zstd.level (Kafka 3.8+, KIP-390); lz4's is accepted but the library has one level. */
export interface CompressionLevels {
  gzip?: number;
  zstd?: number;
}

/**
 * The largest decompressed records body accepted from a batch of a topic with
 * this max.message.bytes: generous for real data (64x, at least 64 MiB) yet a
 * hard stop for bombs. Kafka streams records and has no such cap.
 */
export function decompressionLimit(maxMessageBytes: number): number {
  return Math.min(Math.max(64 * 1024 * 1024, maxMessageBytes * 64), 1024 * 1024 * 1024);
}

/** Decompresses a records body; at most `limit` bytes out. Throws CompressionError. */
export function decompress(codec: number, input: Buffer, limit: number): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      if (input.length > limit) throw tooLarge('uncompressed', limit);
      return input;
    case CompressionCodec.Gzip:
      return gunzip(input, limit);
    case CompressionCodec.Snappy:
      return snappyDecompress(input, limit);
    case CompressionCodec.Lz4:
      return lz4Decompress(input, limit);
    case CompressionCodec.Zstd:
      return zstdDecompress(input, limit);
    default:
      throw new CompressionError('unsupported', `unknown compression type id ${codec}`);
  }
}

function gunzip(input: Buffer, limit: number): Buffer {
  if (input.length === 0) throw corrupt('gzip', 'no data');
  try {
    // zlib grows its output in chunks and stops at maxOutputLength: nothing is sized from the input.
    return gunzipSync(input, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', limit);
    throw corrupt('gzip', err.message);
  }
}

/** Compresses a records body with `codec` (the encoders never fail on valid input). */
export function compress(codec: number, input: Buffer, levels: CompressionLevels = {}): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      return input;
    case CompressionCodec.Gzip: {
      const level = levels.gzip ?? -1;
      return gzipSync(input, { level: level < 0 ? zlibConstants.Z_DEFAULT_COMPRESSION : level });
    }
    case CompressionCodec.Snappy:
      return snappyCompress(input);
    case CompressionCodec.Lz4:
      return lz4Compress(input);
    case CompressionCodec.Zstd:
      return zstdCompress(input, levels.zstd ?? 3);
    default:
      throw new CompressionError('unsupported', `unknown compression type id ${codec}`);
  }
}
