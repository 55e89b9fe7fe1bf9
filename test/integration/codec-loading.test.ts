// The compression libraries are loaded when a batch first needs them, not at
// start-up: a broker serving uncompressed traffic never loads snappy, lz4-napi
// or the zstd wasm, and each loads (synchronously, on the produce path) the
// first time a batch of its codec is validated or recompressed. This file runs
// in its own process (node --test), so nothing else has loaded them before.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { CompressionCodec, RECORD_BATCH_OVERHEAD, assembleBatch, batchFieldsOf, readBatchHeader } from '../../src/protocol/records/batch.js';
import { loadedCodecLibraries } from '../../src/protocol/records/codec-libraries.js';
import type { EmbeddedBroker } from '../helpers/embedded-broker.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import type { WireClient } from '../helpers/wire-client.js';
import { createTopic, fetchPartition, produce, splitBatches, uniqueTopic, useBrokerAndClient } from './support.js';

let broker: EmbeddedBroker;
let c: WireClient;
useBrokerAndClient((b, client) => {
  broker = b;
  c = client;
});

/** Library files in the CommonJS cache (native snappy/lz4 bindings, the zstd wasm glue). */
function libraryFilesLoaded(): string[] {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).filter((f) => /snappy|lz4-napi|zstd-wasm/.test(f));
}

/** A batch whose records body is compressed by `body` (client-side compression, done here by hand). */
function batchWith(codec: number, body: (plain: Buffer) => Buffer): Buffer {
  const plain = buildSimpleBatch(20, { prefix: 'lazy', valueSize: 100 });
  const fields = batchFieldsOf(readBatchHeader(plain, 0));
  fields.attributes = (fields.attributes & ~7) | codec;
  return assembleBatch(fields, body(plain.subarray(RECORD_BATCH_OVERHEAD)));
}

test('uncompressed traffic loads no compression library; each codec loads on its first batch', async () => {
  assert.ok(broker.port > 0);
  assert.deepEqual(loadedCodecLibraries(), { snappy: false, lz4: false, zstd: false }, 'nothing loaded at start-up');
  assert.deepEqual(libraryFilesLoaded(), []);

  const plain = uniqueTopic('plain');
  await createTopic(c, plain, 1);
  for (let i = 0; i < 5; i++) assert.equal((await produce(c, plain, 0, buildSimpleBatch(10))).errorCode, 0);
  assert.equal(splitBatches((await fetchPartition(c, plain, 0, 0)).records).batches.length, 5);
  // gzip is node:zlib: a gzip batch loads nothing either.
  assert.equal((await produce(c, plain, 0, batchWith(CompressionCodec.Gzip, (b) => gzipSync(b)))).errorCode, 0);
  assert.deepEqual(loadedCodecLibraries(), { snappy: false, lz4: false, zstd: false }, 'still nothing after uncompressed and gzip traffic');
  assert.deepEqual(libraryFilesLoaded(), []);

  // A topic that recompresses to lz4: the gzip batch is decompressed (zlib) and compressed with lz4-napi.
  const toLz4 = uniqueTopic('to-lz4');
  await createTopic(c, toLz4, 1, { 'compression.type': 'lz4' });
  assert.deepEqual(loadedCodecLibraries(), { snappy: false, lz4: false, zstd: false }, 'creating the topic loads nothing');
  assert.equal((await produce(c, toLz4, 0, batchWith(CompressionCodec.Gzip, (b) => gzipSync(b)))).errorCode, 0);
  assert.deepEqual(loadedCodecLibraries(), { snappy: false, lz4: true, zstd: false });
  const stored = splitBatches((await fetchPartition(c, toLz4, 0, 0)).records).batches;
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.attributes & 7, CompressionCodec.Lz4, 'stored as lz4');

  // A topic that recompresses to zstd: the wasm is compiled inside that produce, and the batch reads back.
  const toZstd = uniqueTopic('to-zstd');
  await createTopic(c, toZstd, 1, { 'compression.type': 'zstd' });
  assert.equal((await produce(c, toZstd, 0, batchWith(CompressionCodec.Gzip, (b) => gzipSync(b)))).errorCode, 0);
  assert.deepEqual(loadedCodecLibraries(), { snappy: false, lz4: true, zstd: true });
  const z = splitBatches((await fetchPartition(c, toZstd, 0, 0)).records).batches;
  assert.equal(z.length, 1);
  assert.equal(z[0]!.attributes & 7, CompressionCodec.Zstd, 'stored as zstd');
  assert.ok(libraryFilesLoaded().some((f) => f.includes('zstd-wasm')));

  // A snappy batch (a raw block as librdkafka writes it, built by hand) stored uncompressed: snappy loads.
  const toPlain = uniqueTopic('to-plain');
  await createTopic(c, toPlain, 1, { 'compression.type': 'uncompressed' });
  assert.equal((await produce(c, toPlain, 0, batchWith(CompressionCodec.Snappy, rawSnappyLiteral))).errorCode, 0);
  assert.deepEqual(loadedCodecLibraries(), { snappy: true, lz4: true, zstd: true });
  const p = splitBatches((await fetchPartition(c, toPlain, 0, 0)).records).batches;
  assert.equal(p.length, 1);
  assert.equal(p[0]!.attributes & 7, CompressionCodec.None, 'stored uncompressed');
});

/** One raw snappy block holding `data` as a single literal (valid for up to 64 KiB). */
function rawSnappyLiteral(data: Buffer): Buffer {
  assert.ok(data.length > 0 && data.length <= 65_536);
  const varint: number[] = [];
  for (let v = data.length; ; v >>>= 7) {
    if (v < 0x80) {
      varint.push(v);
      break;
    }
    varint.push((v & 0x7f) | 0x80);
  }
  const n = data.length - 1;
  // Literal tag 61: the length minus one follows in two little-endian bytes.
  return Buffer.concat([Buffer.from(varint), Buffer.from([61 << 2, n & 0xff, n >>> 8]), data]);
}
