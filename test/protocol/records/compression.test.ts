// The record batch codecs: round trips, batches Apache Kafka 4.1.1 wrote,
// LZ4 frame variants, corrupt input (CompressionError, never a crash) and
// compression bombs (refused at the limit, never allocated).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CompressionCodec, RECORD_BATCH_OVERHEAD, rawRecords, readBatchHeader } from '../../../src/protocol/records/batch.js';
import { CompressionError, compress, decompress } from '../../../src/protocol/records/compression.js';
import { xxhash32 } from '../../../src/protocol/records/xxhash32.js';
import { repoRoot } from '../../helpers/repo-root.js';

const CODECS = [
  ['gzip', CompressionCodec.Gzip],
  ['snappy', CompressionCodec.Snappy],
  ['lz4', CompressionCodec.Lz4],
  ['zstd', CompressionCodec.Zstd],
] as const;
const MiB = 1024 * 1024;

function fixture(name: string): Buffer {
  return readFileSync(join(repoRoot(), 'test', 'protocol', 'records', 'fixtures', name));
}

function assertCompressionError(fn: () => unknown, reason: CompressionError['reason'], what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CompressionError, `${what}: expected a CompressionError, got ${String(e)}`);
    assert.equal(e.reason, reason, `${what}: ${e.message}`);
    return true;
  });
}

test('xxhash32 matches the reference values', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
});

for (const [name, codec] of CODECS) {
  test(`${name}: round trips empty, tiny, incompressible and large compressible input`, () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('x'),
      randomBytes(200_000),
      Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(50_000)),
    ];
    for (const input of inputs) {
      const packed = compress(codec, input);
      assert.deepEqual(decompress(codec, packed, 64 * MiB), input, `${name} of ${input.length} bytes`);
    }
    const big = inputs[3]!;
    assert.ok(compress(codec, big).length < big.length / 4, `${name} compresses repetitive text`);
  });

  test(`${name}: decodes the batch Apache Kafka 4.1.1 wrote when recompressing`, () => {
    const batch = fixture(`kafka-4.1.1-recompressed-${name}.bin`);
    const h = readBatchHeader(batch, 0);
    assert.equal(h.attributes & 7, codec);
    const body = decompress(codec, batch.subarray(RECORD_BATCH_OVERHEAD), 64 * MiB);
    const records = [...rawRecords(body, h.recordCount)];
    assert.equal(records.length, 2000);
    records.forEach((r, i) => {
      assert.equal(r.key?.toString(), `key-${i}`);
      assert.equal(h.baseTimestamp + r.timestampDelta, 1_700_000_000_000 + 3 * i);
      assert.equal(r.offsetDelta, i);
    });
    // Our encoder frames the same way Kafka does (same header for lz4 and snappy).
    const ours = compress(codec, body);
    const theirs = batch.subarray(RECORD_BATCH_OVERHEAD);
    if (name === 'lz4') assert.deepEqual(ours.subarray(0, 7), theirs.subarray(0, 7));
    if (name === 'snappy') assert.deepEqual(ours.subarray(0, 16), theirs.subarray(0, 16));
    assert.deepEqual(decompress(codec, ours, 64 * MiB), body);
  });

  test(`${name}: corrupt payloads fail with CompressionError, never another exception`, () => {
    const payload = fixture(`kafka-4.1.1-recompressed-${name}.bin`).subarray(RECORD_BATCH_OVERHEAD);
    for (let i = 0; i < 150; i++) {
      const bad = Buffer.from(payload);
      const flips = 1 + (i % 4);
      for (let f = 0; f < flips; f++) {
        const at = (i * 7919 + f * 104729) % bad.length;
        bad[at] = (bad[at] as number) ^ (1 << ((i + f) % 8));
      }
      try {
        decompress(codec, i % 5 === 0 ? bad.subarray(0, (i * 31) % bad.length) : bad, 8 * MiB);
      } catch (e) {
        assert.ok(e instanceof CompressionError, `flip ${i}: ${String(e)}`);
      }
    }
    assertCompressionError(() => decompress(codec, Buffer.alloc(0), MiB), 'corrupt', 'empty');
    assertCompressionError(() => decompress(codec, Buffer.from('definitely not compressed'), MiB), 'corrupt', 'garbage');
  });

  test(`${name}: output past the limit is refused as too-large`, () => {
    const packed = compress(codec, Buffer.alloc(4 * MiB, 1));
    assertCompressionError(() => decompress(codec, packed, MiB), 'too-large', 'limit');
    assert.equal(decompress(codec, packed, 4 * MiB).length, 4 * MiB);
  });
}

test('gzip bomb: 256 MiB of zeros in 256 KiB is refused at the limit', () => {
  const member = gzipSync(Buffer.alloc(MiB), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 256 }, () => member));
  assert.ok(bomb.length < 300 * 1024, 'small bomb');
  const started = Date.now();
  assertCompressionError(() => decompress(CompressionCodec.Gzip, bomb, 8 * MiB), 'too-large', 'gzip bomb');
  assert.ok(Date.now() - started < 2000, 'stops early');
});

test('zstd bombs: RLE blocks and a declared content size are refused before decoding', () => {
  // Frame header: magic, FHD 0 (no content size), window descriptor 0x58 (2 MiB); then 2048 RLE blocks of 128 KiB.
  const blocks: number[] = [];
  for (let i = 0; i < 2048; i++) {
    const header = (i === 2047 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    blocks.push(header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0x41);
  }
  const rle = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]), Buffer.from(blocks)]);
  assertCompressionError(() => decompress(CompressionCodec.Zstd, rle, 64 * MiB), 'too-large', 'zstd RLE bomb');
  // Two such blocks (the second one last) decode fine: RLE blocks are legal, only their total matters.
  const lastHeader = 1 | (1 << 1) | ((128 * 1024) << 3);
  const two = Buffer.concat([rle.subarray(0, 6), Buffer.from(blocks.slice(0, 4)), Buffer.from([lastHeader & 0xff, (lastHeader >>> 8) & 0xff, lastHeader >>> 16, 0x42])]);
  const out = decompress(CompressionCodec.Zstd, two, 64 * MiB);
  assert.equal(out.length, 256 * 1024);
  assert.equal(out[0], 0x41);
  assert.equal(out[out.length - 1], 0x42);
  // Single-segment frame claiming 2^40 bytes of content.
  const fcs = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x00, 0x00]);
  assertCompressionError(() => decompress(CompressionCodec.Zstd, fcs, 64 * MiB), 'too-large', 'zstd declared size');
});

test('snappy: a raw block (librdkafka style) decodes; a block claiming 4 GiB is refused unread', () => {
  const text = Buffer.from('librdkafka writes raw snappy without xerial framing '.repeat(100));
  const framed = compress(CompressionCodec.Snappy, text);
  const raw = framed.subarray(20); // xerial header (16) + one chunk length (4)
  assert.deepEqual(decompress(CompressionCodec.Snappy, raw, MiB), text);
  const liar = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.alloc(20)]);
  assertCompressionError(() => decompress(CompressionCodec.Snappy, liar, 64 * MiB), 'too-large', 'snappy length');
  const badChunk = Buffer.from(framed);
  badChunk.writeInt32BE(1 << 30, 16);
  assertCompressionError(() => decompress(CompressionCodec.Snappy, badChunk, 64 * MiB), 'corrupt', 'xerial chunk length');
});

function lz4Frame(flg: number, bd: number, blocks: Buffer[], extra: { contentSize?: number; contentChecksum?: number } = {}): Buffer {
  const descriptor = [flg, bd];
  if (extra.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(BigInt(extra.contentSize));
    descriptor.push(...cs);
  }
  const hc = (xxhash32(Buffer.from(descriptor)) >>> 8) & 0xff;
  const tail = Buffer.alloc(4);
  const parts = [Buffer.from([0x04, 0x22, 0x4d, 0x18, ...descriptor, hc]), ...blocks, tail];
  if (extra.contentChecksum !== undefined) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(extra.contentChecksum);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function lz4Block(data: Buffer, opts: { stored?: boolean; checksum?: boolean } = {}): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE((data.length | (opts.stored === true ? 0x80000000 : 0)) >>> 0);
  const parts = [size, data];
  if (opts.checksum === true) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(xxhash32(data));
    parts.push(c);
  }
  return Buffer.concat(parts);
}

test('lz4: linked blocks, stored blocks, block and content checksums, content size', () => {
  // Block 1: the 8 literals "abcdefgh". Block 2: a match 8 back, 8 long, then the literal "Z".
  const b1 = Buffer.concat([Buffer.from([0x80]), Buffer.from('abcdefgh')]);
  const b2 = Buffer.from([0x04, 0x08, 0x00, 0x10, 0x5a]);
  const expected = Buffer.from('abcdefghabcdefghZ');
  // FLG: version 01, linked blocks (independence bit clear), block checksums, content checksum; BD: 64 KiB.
  const linked = lz4Frame(0x40 | 0x10 | 0x04, 0x40, [lz4Block(b1, { checksum: true }), lz4Block(b2, { checksum: true })], { contentChecksum: xxhash32(expected) });
  assert.deepEqual(decompress(CompressionCodec.Lz4, linked, MiB), expected);
  // The same blocks in an independent-blocks frame reach before their block: corrupt.
  const independent = lz4Frame(0x60, 0x40, [lz4Block(b1), lz4Block(b2)]);
  assertCompressionError(() => decompress(CompressionCodec.Lz4, independent, MiB), 'corrupt', 'independent match');
  // A stored block and a declared content size.
  const stored = lz4Frame(0x60 | 0x08, 0x40, [lz4Block(Buffer.from('plain'), { stored: true })], { contentSize: 5 });
  assert.equal(decompress(CompressionCodec.Lz4, stored, MiB).toString(), 'plain');
  const wrongSize = lz4Frame(0x60 | 0x08, 0x40, [lz4Block(Buffer.from('plain'), { stored: true })], { contentSize: 6 });
  assertCompressionError(() => decompress(CompressionCodec.Lz4, wrongSize, MiB), 'corrupt', 'content size');
  const badBlockSum = Buffer.from(linked);
  badBlockSum[7 + 4 + b1.length] = (badBlockSum[7 + 4 + b1.length] as number) ^ 1;
  assertCompressionError(() => decompress(CompressionCodec.Lz4, badBlockSum, MiB), 'corrupt', 'block checksum');
  const badHeader = Buffer.from(stored);
  badHeader[14] = (badHeader[14] as number) ^ 0xff;
  assertCompressionError(() => decompress(CompressionCodec.Lz4, badHeader, MiB), 'corrupt', 'header checksum');
});

test('lz4 bombs: 4 MiB blocks of one byte and a declared content size are refused at the limit', () => {
  // One literal, then a match of offset 1 repeating it to 4 MiB in total.
  const matchLen = 4 * MiB - 1;
  const ext: number[] = [];
  let rest = matchLen - 4 - 15;
  while (rest >= 255) {
    ext.push(255);
    rest -= 255;
  }
  ext.push(rest);
  const block = Buffer.from([0x1f, 0x00, 0x01, 0x00, ...ext, 0x00]);
  const frame = lz4Frame(0x60, 0x70, Array.from({ length: 64 }, () => lz4Block(block)));
  assert.ok(frame.length < 2 * MiB, 'small bomb');
  assertCompressionError(() => decompress(CompressionCodec.Lz4, frame, 16 * MiB), 'too-large', 'lz4 block bomb');
  const one = lz4Frame(0x60, 0x70, [lz4Block(block)]);
  const out = decompress(CompressionCodec.Lz4, one, 16 * MiB);
  assert.equal(out.length, 4 * MiB);
  assert.ok(out.every((b) => b === 0), 'all zeros');
  const claims = lz4Frame(0x60 | 0x08, 0x40, [], { contentSize: 2 ** 40 });
  assertCompressionError(() => decompress(CompressionCodec.Lz4, claims, 64 * MiB), 'too-large', 'lz4 declared size');
});

test('an unknown codec id is unsupported, not corrupt', () => {
  assertCompressionError(() => decompress(5, Buffer.from([1]), MiB), 'unsupported', 'codec 5');
});
