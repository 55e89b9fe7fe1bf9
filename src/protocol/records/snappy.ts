// Snappy as Kafka clients write it. The Java client (and Kafka itself when it
// recompresses) uses xerial's framing: an 8-byte magic (0x82 "SNAPPY" 0x00),
// version and compatible-version int32s, then chunks of a big-endian int32
// length and a raw snappy block (32 KiB of input each). librdkafka writes one
// raw snappy block without that framing; xerial's reader and librdkafka's both
// accept either, and so do we. Raw blocks go through the `snappy` library;
// each block's uncompressed length (its leading varint) is checked against the
// caller's limit before the library allocates it.
import { snappyLibrary } from './codec-libraries.js';
import { BoundedOutput, corrupt, tooLarge } from './compression-error.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_BLOCK_SIZE = 32 * 1024;

function isXerial(input: Buffer): boolean {
  return input.length >= XERIAL_HEADER_SIZE && input.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

/** The uncompressed length a raw snappy block declares (its varint header), or -1 when malformed. */
function declaredLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value <= 0xffffffff ? value : -1;
  }
  return -1;
}

function uncompressBlock(block: Buffer, out: BoundedOutput): void {
  const length = declaredLength(block);
  if (length < 0) throw corrupt('snappy', 'invalid block length header');
  if (length > out.limit - out.length) throw tooLarge('snappy', out.limit);
  const snappy = snappyLibrary();
  let decoded: Buffer;
  try {
    decoded = snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw corrupt('snappy', (e as Error).message);
  }
  if (decoded.length !== length) throw corrupt('snappy', `block declares ${length} bytes but holds ${decoded.length}`);
  out.append(decoded);
}

/** Decompresses xerial-framed or raw snappy; throws CompressionError. */
export function snappyDecompress(input: Buffer, limit: number): Buffer {
  if (input.length === 0) throw corrupt('snappy', 'no data');
  const out = new BoundedOutput('snappy', limit, Math.max(XERIAL_BLOCK_SIZE, input.length * 2));
  if (!isXerial(input)) {
    uncompressBlock(input, out);
    return out.result();
  }
  let p = XERIAL_HEADER_SIZE;
  while (p < input.length) {
    if (p + 4 > input.length) throw corrupt('snappy', 'truncated chunk length');
    const size = input.readInt32BE(p);
    p += 4;
    if (size < 0 || size > input.length - p) throw corrupt('snappy', `chunk length ${size} exceeds the ${input.length - p} bytes left`);
    // xerial writes no empty chunks, but reading one is harmless.
    if (size > 0) uncompressBlock(input.subarray(p, p + size), out);
    p += size;
  }
  return out.result();
}

/** xerial-framed snappy, as the Java client and Kafka write it. */
export function snappyCompress(input: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (let at = 0; at < input.length; at += XERIAL_BLOCK_SIZE) {
    const block = snappyLibrary().compressSync(input.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, input.length)));
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(block.length, 0);
    parts.push(size, block);
  }
  return Buffer.concat(parts);
}
