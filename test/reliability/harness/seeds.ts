// Seed requests for the fuzzers: every request frame real clients sent in
// test/fixtures/golden (Java, librdkafka, kafkajs), plus, for every API and
// version the broker serves, a request the independent spec interpreter
// (test/helpers/spec-reference-codec.ts) encodes from random field values, so
// that APIs no capture covers (DeleteRecords, ElectLeaders, ...) are fuzzed too.
// Seeds are request frames without their size prefix: header, then body.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HANDLERS } from '../../../src/broker/handlers/index.js';
import { API_BY_KEY } from '../../../src/protocol/generated/index.js';
import { encodeRequestHeader } from '../../../src/protocol/headers.js';
import { Writer } from '../../../src/protocol/writer.js';
import { loadSpecs, randomMessage, referenceEncode, type RawSpec } from '../../helpers/spec-reference-codec.js';
import { repoRoot } from '../../helpers/repo-root.js';

export interface Seed {
  /** e.g. "golden:kcat/Produce-v7" or "spec:DeleteRecords-v2". */
  id: string;
  apiKey: number;
  apiVersion: number;
  frame: Buffer;
}

/** The API versions the broker serves (the router's table). */
export function servedVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return HANDLERS.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
}

export function goldenSeeds(): Seed[] {
  const dir = join(repoRoot(), 'test', 'fixtures', 'golden');
  const out: Seed[] = [];
  for (const client of readdirSync(dir).sort()) {
    if (client.endsWith('.md')) continue;
    for (const file of readdirSync(join(dir, client)).sort()) {
      if (!/^\w+-v\d+\.bin$/.test(file)) continue;
      const frame = readFileSync(join(dir, client, file));
      if (frame.length < 4) continue;
      out.push({ id: `golden:${client}/${file.slice(0, -4)}`, apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), frame });
    }
  }
  return out;
}

/** A small deterministic generator (mulberry32), so synthetic seeds are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs fn with Math.random replaced by a seeded generator: the spec interpreter
 * draws its random values from Math.random, and seeds should not change between runs.
 */
function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

function specDir(): string {
  const dir = [join(repoRoot(), '../shared/kafka-protocol/messages'), join(repoRoot(), 'shared/kafka-protocol/messages')].find(existsSync);
  if (dir === undefined) throw new Error('Kafka message specs not found beside the checkout');
  return dir;
}

/** One synthetic request per served API version (`perVersion` of them with different random values). */
export function specSeeds(perVersion = 1, seed = 7): Seed[] {
  const byName = new Map<string, RawSpec>(loadSpecs(specDir()).map((s) => [s.name, s]));
  const out: Seed[] = [];
  withSeededMathRandom(seed, () => {
    for (const served of servedVersions()) {
      const api = API_BY_KEY.get(served.apiKey)!;
      const spec = byName.get(api.request.name);
      if (spec === undefined) throw new Error(`no spec for ${api.request.name}`);
      for (let v = served.minVersion; v <= served.maxVersion; v++) {
        for (let i = 0; i < perVersion; i++) {
          const w = new Writer(256);
          encodeRequestHeader(w, { apiKey: served.apiKey, apiVersion: v, correlationId: 1000 + i, clientId: 'fuzz-seed' });
          const body = referenceEncode(spec, v, randomMessage(spec, v));
          out.push({ id: `spec:${api.name}-v${v}#${i}`, apiKey: served.apiKey, apiVersion: v, frame: Buffer.concat([w.toBuffer(), body]) });
        }
      }
    }
  });
  return out;
}

export function allSeeds(perVersion = 1): Seed[] {
  return [...goldenSeeds(), ...specSeeds(perVersion)];
}
