// In-process fuzzing of everything a request frame goes through before a
// handler sees it: the request header decoder, the generated decoder of its
// API and version, and for Produce the record-set checks (batch headers and
// CRC, then the record walker and decompressors of log-validator.ts).
//
// The properties, for every mutated frame:
// - decoding either succeeds or throws ProtocolDecodeError (never another
//   exception: a TypeError or RangeError would be an unhandled bug);
// - it takes well under a second (no quadratic or unbounded loop);
// - what it returns is no bigger than the input could hold (no array or bytes
//   field longer than the frame), so a claimed length never turns into
//   an allocation;
// - a decoded request re-encodes, and the re-encoded bytes decode to the same value;
// - record validation returns a verdict and never throws.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { API_BY_KEY, ApiKey, type ProduceRequest } from '../../../src/protocol/generated/index.js';
import { decodeRequestHeader } from '../../../src/protocol/headers.js';
import { CompressionCodec, validateRecordSet } from '../../../src/protocol/records/batch.js';
import { ProtocolDecodeError, Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { validateRecords } from '../../../src/storage/log-validator.js';
import { fuzzCaseArb, materialize, type FuzzCase } from './mutations.js';
import type { Seed } from './seeds.js';

export interface FuzzFailure {
  /** A stable signature (kind, API, error) to deduplicate by. */
  signature: string;
  message: string;
  seedId: string;
  /** The offending frame, hex, without size prefix: enough to reproduce. */
  frameHex: string;
}

export interface DecoderFuzzStats {
  inputs: number;
  headerRejected: number;
  unknownVersion: number;
  bodyRejected: number;
  decoded: number;
  recordSetsValidated: number;
  recordSetsAccepted: number;
  failures: FuzzFailure[];
  /** How many inputs failed, counting repeats of a signature. */
  failingInputs: number;
  elapsedMs: number;
}

const SLOW_MS = 250;

/**
 * Walks a decoded value: the largest array or bytes length in it (strings are
 * left out: a UUID field's default is a 22-character string whatever the input).
 */
function largestLength(v: unknown, depth = 0): number {
  if (depth > 64 || v === null || typeof v !== 'object') return 0;
  if (Buffer.isBuffer(v)) return v.length;
  let max = 0;
  if (Array.isArray(v)) {
    max = v.length;
    for (const e of v) max = Math.max(max, largestLength(e, depth + 1));
    return max;
  }
  for (const e of Object.values(v)) max = Math.max(max, largestLength(e, depth + 1));
  return max;
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Numbers vary from input to input; the signature keeps the shape of the message. */
function signatureOf(kind: string, api: string, message: string): string {
  return `${kind} ${api} ${message.split('\n')[0]!.replace(/-?\d+/g, 'N').slice(0, 160)}`;
}

type Outcome = 'headerRejected' | 'unknownVersion' | 'bodyRejected' | 'decoded';

export interface CheckResult {
  outcome: Outcome;
  recordSets: number;
  recordSetsAccepted: number;
  failure?: { kind: string; api: string; message: string };
}

function checkRecords(records: Buffer): { accepted: boolean; failure?: string } {
  const now = Date.now();
  let set;
  try {
    set = validateRecordSet(records, { maxMessageBytes: 1024 * 1024, now });
  } catch (err) {
    return { accepted: false, failure: `validateRecordSet threw ${describeError(err)}` };
  }
  if (!set.ok) return { accepted: false };
  // The variants a topic can ask for: plain, compacted (keys checked), recompressed.
  for (const opts of [
    { compacted: false, targetCodec: null },
    { compacted: true, targetCodec: null },
    { compacted: false, targetCodec: CompressionCodec.Gzip },
  ]) {
    try {
      validateRecords(records, { ...opts, levels: {}, maxMessageBytes: 1024 * 1024, decompressionLimit: 4 * 1024 * 1024, partition: 'fuzz-0' });
    } catch (err) {
      return { accepted: true, failure: `validateRecords(${JSON.stringify(opts)}) threw ${describeError(err)}` };
    }
  }
  return { accepted: true };
}

/** Runs one frame (without size prefix) through the checks; never throws. */
export function checkFrame(frame: Buffer): CheckResult {
  const r = new Reader(frame);
  const result: CheckResult = { outcome: 'headerRejected', recordSets: 0, recordSetsAccepted: 0 };
  let header;
  try {
    header = decodeRequestHeader(r);
  } catch (err) {
    if (!(err instanceof ProtocolDecodeError)) result.failure = { kind: 'header-threw', api: '-', message: describeError(err) };
    return result;
  }
  const api = API_BY_KEY.get(header.apiKey);
  if (api === undefined || header.apiVersion < api.request.minVersion || header.apiVersion > api.request.maxVersion) {
    result.outcome = 'unknownVersion';
    return result;
  }
  const name = `${api.name}v${header.apiVersion}`;
  const started = performance.now();
  let value: unknown;
  try {
    value = api.request.decode(r, header.apiVersion);
  } catch (err) {
    const took = performance.now() - started;
    if (!(err instanceof ProtocolDecodeError)) result.failure = { kind: 'decode-threw', api: name, message: describeError(err) };
    else if (took > SLOW_MS) result.failure = { kind: 'slow-decode', api: name, message: `rejecting took ${took.toFixed(0)} ms` };
    result.outcome = 'bodyRejected';
    return result;
  }
  result.outcome = 'decoded';
  const took = performance.now() - started;
  if (took > SLOW_MS) {
    result.failure = { kind: 'slow-decode', api: name, message: `decoding took ${took.toFixed(0)} ms` };
    return result;
  }
  const largest = largestLength(value);
  if (largest > frame.length) {
    result.failure = { kind: 'oversized-value', api: name, message: `a decoded field holds ${largest} elements from a ${frame.length}-byte frame` };
    return result;
  }
  try {
    const w = new Writer(frame.length + 64);
    api.request.encode(w, header.apiVersion, value);
    const again = api.request.decode(new Reader(w.toBuffer()), header.apiVersion);
    if (!isDeepStrictEqual(again, value)) {
      result.failure = { kind: 'round-trip', api: name, message: 'the decoded request re-encodes to a different value' };
      return result;
    }
  } catch (err) {
    result.failure = { kind: 're-encode-threw', api: name, message: describeError(err) };
    return result;
  }
  if (header.apiKey === ApiKey.Produce) {
    for (const t of (value as ProduceRequest).topicData) {
      for (const p of t.partitionData) {
        if (p.records === null || p.records.length === 0) continue;
        result.recordSets++;
        const checked = checkRecords(p.records);
        if (checked.accepted) result.recordSetsAccepted++;
        if (checked.failure !== undefined) {
          result.failure = { kind: 'records-threw', api: name, message: checked.failure };
          return result;
        }
      }
    }
  }
  return result;
}

/** The seed frames unmutated (they must pass too), then numRuns cases drawn in chunks. */
export function* cases(seeds: readonly Seed[], arb: fc.Arbitrary<FuzzCase>, opts: { numRuns: number; seed: number }): Generator<FuzzCase | Buffer> {
  yield* seeds.map((s) => s.frame);
  const CHUNK = 5000;
  for (let done = 0, i = 0; done < opts.numRuns; done += CHUNK, i++) {
    yield* fc.sample(arb, { numRuns: Math.min(CHUNK, opts.numRuns - done), seed: opts.seed + i });
  }
}

export interface DecoderFuzzOptions {
  numRuns: number;
  /** fast-check seed; a run is reproducible from it. */
  seed: number;
  maxMutations?: number;
}

/**
 * Runs numRuns mutated frames through checkFrame and collects every failure
 * (deduplicated by signature) rather than stopping at the first, for the report.
 */
export function runDecoderFuzz(seeds: readonly Seed[], opts: DecoderFuzzOptions): DecoderFuzzStats {
  const stats: DecoderFuzzStats = {
    inputs: 0, headerRejected: 0, unknownVersion: 0, bodyRejected: 0, decoded: 0,
    recordSetsValidated: 0, recordSetsAccepted: 0, failures: [], failingInputs: 0, elapsedMs: 0,
  };
  const seen = new Set<string>();
  const started = Date.now();
  const arb = fuzzCaseArb(seeds.length, opts.maxMutations);
  for (const c of cases(seeds, arb, opts)) {
    const frame = Buffer.isBuffer(c) ? c : materialize(c, seeds);
    const seedId = Buffer.isBuffer(c) ? 'unmutated' : seeds[c.seed]!.id;
    const r = checkFrame(frame);
    stats.inputs++;
    stats[r.outcome]++;
    stats.recordSetsValidated += r.recordSets;
    stats.recordSetsAccepted += r.recordSetsAccepted;
    if (r.failure !== undefined) {
      stats.failingInputs++;
      const signature = signatureOf(r.failure.kind, r.failure.api, r.failure.message);
      if (!seen.has(signature)) {
        seen.add(signature);
        stats.failures.push({ signature, message: r.failure.message, seedId, frameHex: frame.toString('hex') });
      }
    }
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}
