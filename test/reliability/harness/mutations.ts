// Structure-blind mutations of a seed request, as fast-check arbitraries: bit
// flips, byte and integer overwrites with boundary values (the lengths and
// counts a hostile client would claim), inserted, deleted and duplicated
// ranges, truncation, another API version in the header, and splices of two
// seeds. `fixCrcs` recomputes the CRC32C of anything that looks like a v2
// record batch afterwards, so mutated records get past the checksum and reach
// the record walker and the decompressors.
import fc from 'fast-check';
import { computeBatchCrc } from '../../../src/protocol/records/batch.js';
import type { Seed } from './seeds.js';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'int16'; at: number; value: number }
  | { kind: 'int32'; at: number; value: number }
  | { kind: 'uvarint'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'version'; value: number }
  | { kind: 'splice'; other: number; at: number; from: number };

/** Lengths, counts and sizes a hostile or broken client might claim. */
const INT16_EDGES = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, -0x8000, 0x100];
const INT32_EDGES = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x1000000, 100 * 1024 * 1024];
const UVARINT_EDGES = [0, 1, 2, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0xfffffff, 0x7fffffff, 0xffffffff];

const position = fc.nat({ max: 1 << 20 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('byte' as const), at: position, value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80), fc.nat({ max: 255 })) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('int16' as const), at: position, value: fc.oneof(fc.constantFrom(...INT16_EDGES), fc.integer({ min: -0x8000, max: 0x7fff })) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('int32' as const), at: position, value: fc.oneof(fc.constantFrom(...INT32_EDGES), fc.integer()) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('uvarint' as const), at: position, value: fc.constantFrom(...UVARINT_EDGES) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 32 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('version' as const), value: fc.integer({ min: -1, max: 20 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('splice' as const), other: fc.nat(), at: position, from: position }), weight: 1 },
);

export interface FuzzCase {
  seed: number;
  mutations: Mutation[];
  fixCrcs: boolean;
}

export function fuzzCaseArb(seedCount: number, maxMutations = 4): fc.Arbitrary<FuzzCase> {
  return fc.record({
    seed: fc.nat({ max: seedCount - 1 }),
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: maxMutations }),
    fixCrcs: fc.boolean(),
  });
}

function writeUvarint(value: number): Buffer {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function apply(buf: Buffer, m: Mutation, seeds: readonly Seed[]): Buffer {
  const n = buf.length;
  const at = (p: number): number => (n === 0 ? 0 : p % n);
  switch (m.kind) {
    case 'flip': if (n > 0) buf[at(m.at)] ^= 1 << m.bit; return buf;
    case 'byte': if (n > 0) buf[at(m.at)] = m.value; return buf;
    case 'int16': if (n >= 2) buf.writeInt16BE(m.value, at(m.at) % (n - 1)); return buf;
    case 'int32': if (n >= 4) buf.writeInt32BE(m.value | 0, at(m.at) % (n - 3)); return buf;
    case 'uvarint': {
      const v = writeUvarint(m.value);
      const p = at(m.at);
      return Buffer.concat([buf.subarray(0, p), v, buf.subarray(Math.min(n, p + v.length))]);
    }
    case 'insert': {
      const p = n === 0 ? 0 : m.at % (n + 1);
      return Buffer.concat([buf.subarray(0, p), Buffer.from(m.bytes), buf.subarray(p)]);
    }
    case 'delete': {
      const p = at(m.at);
      return Buffer.concat([buf.subarray(0, p), buf.subarray(Math.min(n, p + m.length))]);
    }
    case 'duplicate': {
      const p = at(m.at);
      const slice = buf.subarray(p, Math.min(n, p + m.length));
      return Buffer.concat([buf.subarray(0, p), slice, buf.subarray(p)]);
    }
    case 'truncate': return buf.subarray(0, at(m.at));
    case 'version': if (n >= 4) buf.writeInt16BE(m.value, 2); return buf;
    case 'splice': {
      const other = seeds[m.other % seeds.length]!.frame;
      const p = at(m.at);
      const from = other.length === 0 ? 0 : m.from % other.length;
      return Buffer.concat([buf.subarray(0, p), other.subarray(from)]);
    }
  }
}

/**
 * Recomputes the CRC of every span that looks like a v2 record batch (magic 2
 * at +16, a batch length that fits), so the mutation is judged by the record
 * validation behind the checksum.
 */
export function fixCrcs(buf: Buffer): void {
  for (let p = 0; p + 61 <= buf.length; p++) {
    if (buf[p + 16] !== 2) continue;
    const size = buf.readInt32BE(p + 8) + 12;
    if (size < 61 || p + size > buf.length) continue;
    buf.writeUInt32BE(computeBatchCrc(buf, p, size), p + 17);
  }
}

/** The mutated request frame (no size prefix) for a case. */
export function materialize(c: FuzzCase, seeds: readonly Seed[]): Buffer {
  let buf = Buffer.from(seeds[c.seed]!.frame);
  for (const m of c.mutations) buf = Buffer.from(apply(buf, m, seeds));
  if (c.fixCrcs) fixCrcs(buf);
  return buf;
}
