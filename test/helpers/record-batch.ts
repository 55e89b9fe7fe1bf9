// Builds record batch v2 bytes for tests (and any code needing a valid batch):
// uncompressed records, correct CRC32C. Fields default to what a plain
// non-idempotent producer sends.
import { crc32c } from '../../src/protocol/records/crc32c.js';

export interface TestRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  /** Absolute timestamp; defaults to the batch's baseTimestamp. */
  timestamp?: number;
  headers?: { key: string; value: Buffer | string | null }[];
}

export interface BuildBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  magic?: number;
  /** attributes bits 0-2 (the records are NOT actually compressed). */
  compression?: number;
  logAppendTime?: boolean;
  transactional?: boolean;
  control?: boolean;
  baseTimestamp?: number;
  /** Overrides the computed maxTimestamp. */
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Overrides the header's record count / lastOffsetDelta (to build invalid batches). */
  recordCount?: number;
  lastOffsetDelta?: number;
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function varint(out: number[], v: number): void {
  let raw = zigzag(v);
  while (raw >= 0x80) {
    out.push((raw % 0x80) | 0x80);
    raw = Math.floor(raw / 0x80);
  }
  out.push(raw);
}

function toBuf(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function bytesField(out: number[], v: Buffer | string | null | undefined): void {
  if (v === null || v === undefined) {
    varint(out, -1);
    return;
  }
  const b = toBuf(v);
  varint(out, b.length);
  for (const x of b) out.push(x);
}

function writeInt64(buf: Buffer, pos: number, v: number): void {
  buf.writeBigInt64BE(BigInt(v), pos);
}

/** One v2 batch with the given records (at least one unless recordCount says otherwise). */
export function buildRecordBatch(records: TestRecord[], opts: BuildBatchOptions = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? records[0]?.timestamp ?? 1_700_000_000_000;
  const body: number[] = [];
  let maxTs = -1;
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTimestamp;
    if (ts > maxTs) maxTs = ts;
    const rec: number[] = [0];
    varint(rec, ts - baseTimestamp);
    varint(rec, i);
    bytesField(rec, r.key);
    bytesField(rec, r.value);
    const headers = r.headers ?? [];
    varint(rec, headers.length);
    for (const h of headers) {
      bytesField(rec, h.key);
      bytesField(rec, h.value);
    }
    varint(body, rec.length);
    body.push(...rec);
  });
  const size = 61 + body.length;
  const buf = Buffer.alloc(size);
  writeInt64(buf, 0, opts.baseOffset ?? 0);
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, 12);
  buf.writeInt8(opts.magic ?? 2, 16);
  let attributes = (opts.compression ?? 0) & 0x07;
  if (opts.logAppendTime === true) attributes |= 0x08;
  if (opts.transactional === true) attributes |= 0x10;
  if (opts.control === true) attributes |= 0x20;
  buf.writeInt16BE(attributes, 21);
  buf.writeInt32BE(opts.lastOffsetDelta ?? records.length - 1, 23);
  writeInt64(buf, 27, baseTimestamp);
  writeInt64(buf, 35, opts.maxTimestamp ?? maxTs);
  writeInt64(buf, 43, opts.producerId ?? -1);
  buf.writeInt16BE(opts.producerEpoch ?? -1, 51);
  buf.writeInt32BE(opts.baseSequence ?? -1, 53);
  buf.writeInt32BE(opts.recordCount ?? records.length, 57);
  Buffer.from(body).copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** A batch of `n` records with values `${prefix}-${i}` and timestamps baseTimestamp + i. */
export function buildSimpleBatch(n: number, opts: BuildBatchOptions & { prefix?: string; valueSize?: number } = {}): Buffer {
  const base = opts.baseTimestamp ?? 1_700_000_000_000;
  const records: TestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const value =
      opts.valueSize !== undefined ? Buffer.alloc(opts.valueSize, i % 256) : `${opts.prefix ?? 'v'}-${i}`;
    records.push({ key: `k${i}`, value, timestamp: base + i });
  }
  return buildRecordBatch(records, { ...opts, baseTimestamp: base });
}

/** Recomputes the CRC of the batch at `pos` after a test edited it. */
export function fixCrc(buf: Buffer, pos = 0): void {
  const size = buf.readInt32BE(pos + 8) + 12;
  buf.writeUInt32BE(crc32c(buf.subarray(pos + 21, pos + size)), pos + 17);
}
