// An independent, interpreted codec driven directly by Kafka's JSON specs.
// Tests use it to check the generated codec: same bytes, same values, for
// every message and version. It shares no code with tools/protocol-codegen.

import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  flexibleVersions?: string;
  fields?: RawField[];
}

export interface RawSpec {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: RawField[];
  commonStructs?: { name: string; fields: RawField[] }[];
}

export function loadSpecs(dir: string): RawSpec[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const text = readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
    return JSON.parse(text) as RawSpec;
  });
}

export function inRange(range: string | undefined, v: number): boolean {
  if (range === undefined || range === 'none') return false;
  const r = range.trim();
  if (r.endsWith('+')) return v >= Number(r.slice(0, -1));
  const [lo, hi] = r.split('-');
  return hi === undefined ? v === Number(lo) : v >= Number(lo) && v <= Number(hi);
}

export function versionsOf(spec: RawSpec): number[] {
  const [lo, hi] = spec.validVersions.split('-').map(Number);
  const out: number[] = [];
  for (let v = lo!; v <= (hi ?? lo!); v++) out.push(v);
  return out;
}

const key = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const ZERO_UUID = Buffer.alloc(16).toString('base64url');

class Ctx {
  constructor(readonly spec: RawSpec, readonly version: number) {}
  get flexible(): boolean {
    return inRange(this.spec.flexibleVersions, this.version);
  }
  structFields(f: RawField): RawField[] {
    if (f.fields !== undefined) return f.fields;
    const name = f.type.replace(/^\[\]/, '');
    const common = this.spec.commonStructs?.find((c) => c.name === name);
    if (common === undefined) throw new Error(`no struct ${name}`);
    return common.fields;
  }
}

const SCALARS = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records']);

function elementType(f: RawField): string {
  return f.type.startsWith('[]') ? f.type.slice(2) : f.type;
}

function isStructType(t: string): boolean {
  return !SCALARS.has(t);
}

// ---- random values ---------------------------------------------------------

function randInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

function randomScalar(t: string): unknown {
  switch (t) {
    case 'bool': return Math.random() < 0.5;
    case 'int8': return randInt(-128, 127);
    case 'int16': return randInt(-32768, 32767);
    case 'uint16': return randInt(0, 65535);
    case 'int32': return randInt(-2147483648, 2147483647);
    case 'int64': return randInt(-(2 ** 52), 2 ** 52);
    case 'float64': return Math.random() * 1e6 - 5e5;
    case 'string': return randomBytes(randInt(0, 8)).toString('hex');
    case 'uuid': return randomBytes(16).toString('base64url');
    default: return randomBytes(randInt(0, 12));
  }
}

export function randomValue(ctx: Ctx, fields: RawField[], depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const present = inRange(f.versions, ctx.version) && (f.tag === undefined || (ctx.flexible && inRange(f.taggedVersions, ctx.version)));
    if (!present) continue;
    if (f.tag !== undefined && Math.random() < 0.3) continue; // tagged fields are often absent
    if (inRange(f.nullableVersions, ctx.version) && Math.random() < 0.2) {
      out[key(f.name)] = null;
      continue;
    }
    const t = elementType(f);
    if (f.type.startsWith('[]')) {
      const n = depth > 3 ? 0 : randInt(0, 3);
      const arr: unknown[] = [];
      for (let i = 0; i < n; i++) arr.push(isStructType(t) ? randomValue(ctx, ctx.structFields(f), depth + 1) : randomScalar(t));
      out[key(f.name)] = arr;
    } else if (isStructType(t)) {
      out[key(f.name)] = randomValue(ctx, ctx.structFields(f), depth + 1);
    } else {
      out[key(f.name)] = randomScalar(t);
    }
  }
  return out;
}

// ---- encoding ----------------------------------------------------------------

class Out {
  parts: Buffer[] = [];
  push(b: Buffer): void {
    this.parts.push(b);
  }
  int(size: number, v: number, unsigned = false): void {
    const b = Buffer.alloc(size);
    if (size === 1) b.writeInt8(v);
    else if (size === 2) unsigned ? b.writeUInt16BE(v) : b.writeInt16BE(v);
    else if (size === 4) b.writeInt32BE(v);
    else b.writeBigInt64BE(BigInt(v));
    this.push(b);
  }
  uvarint(v: number): void {
    const bytes: number[] = [];
    while (v >= 0x80) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.push(Buffer.from(bytes));
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function defaultOf(ctx: Ctx, f: RawField): unknown {
  const d = f.default;
  if (d === 'null') return null;
  const t = elementType(f);
  if (f.type.startsWith('[]')) return [];
  if (isStructType(t)) return defaultStruct(ctx, ctx.structFields(f));
  switch (t) {
    case 'bool': return d === true || d === 'true';
    case 'string': return d === undefined ? '' : String(d);
    case 'uuid': return ZERO_UUID;
    case 'bytes': case 'records': return Buffer.alloc(0);
    default: return d === undefined || d === '' ? 0 : Number(d);
  }
}

function defaultStruct(ctx: Ctx, fields: RawField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (inRange(f.versions, ctx.version)) out[key(f.name)] = defaultOf(ctx, f);
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

function encodeScalar(o: Out, t: string, v: unknown, compact: boolean): void {
  switch (t) {
    case 'bool': return o.int(1, v ? 1 : 0);
    case 'int8': return o.int(1, v as number);
    case 'int16': return o.int(2, v as number);
    case 'uint16': return o.int(2, v as number, true);
    case 'int32': return o.int(4, v as number);
    case 'int64': return o.int(8, v as number);
    case 'float64': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v as number);
      return o.push(b);
    }
    case 'uuid': return o.push(Buffer.from(v as string, 'base64url'));
    case 'string': {
      if (v === null) return compact ? o.uvarint(0) : o.int(2, -1);
      const b = Buffer.from(v as string, 'utf8');
      compact ? o.uvarint(b.length + 1) : o.int(2, b.length);
      return o.push(b);
    }
    default: {
      if (v === null) return compact ? o.uvarint(0) : o.int(4, -1);
      const b = v as Buffer;
      compact ? o.uvarint(b.length + 1) : o.int(4, b.length);
      return o.push(b);
    }
  }
}

function encodeField(ctx: Ctx, o: Out, f: RawField, v: unknown, compactOverride?: boolean): void {
  const compact = compactOverride ?? (f.flexibleVersions === 'none' ? false : ctx.flexible);
  const t = elementType(f);
  if (f.type.startsWith('[]')) {
    if (v === null) return compact ? o.uvarint(0) : o.int(4, -1);
    const arr = v as unknown[];
    compact ? o.uvarint(arr.length + 1) : o.int(4, arr.length);
    for (const e of arr) {
      if (isStructType(t)) encodeStruct(ctx, o, ctx.structFields(f), e as Record<string, unknown>);
      else encodeScalar(o, t, e, compact);
    }
    return;
  }
  if (isStructType(t)) {
    if (inRange(f.nullableVersions, ctx.version)) {
      if (v === null) return o.int(1, -1);
      o.int(1, 1);
    }
    return encodeStruct(ctx, o, ctx.structFields(f), v as Record<string, unknown>);
  }
  encodeScalar(o, t, v, compact);
}

export function encodeStruct(ctx: Ctx, o: Out, fields: RawField[], value: Record<string, unknown>): void {
  const tagged: [number, Buffer][] = [];
  for (const f of fields) {
    if (!inRange(f.versions, ctx.version)) continue;
    const v = key(f.name) in value ? value[key(f.name)] : defaultOf(ctx, f);
    if (f.tag !== undefined) {
      if (!ctx.flexible || !inRange(f.taggedVersions, ctx.version)) continue;
      if (sameValue(v, defaultOf(ctx, f)) && sameValue(defaultOf(ctx, f), v)) continue;
      const inner = new Out();
      encodeField(ctx, inner, f, v, true);
      tagged.push([f.tag, inner.bytes()]);
      continue;
    }
    encodeField(ctx, o, f, v);
  }
  if (ctx.flexible) {
    tagged.sort((a, b) => a[0] - b[0]);
    o.uvarint(tagged.length);
    for (const [tag, b] of tagged) {
      o.uvarint(tag);
      o.uvarint(b.length);
      o.push(b);
    }
  }
}

export function referenceEncode(spec: RawSpec, version: number, value: Record<string, unknown>): Buffer {
  const o = new Out();
  encodeStruct(new Ctx(spec, version), o, spec.fields, value);
  return o.bytes();
}

export function randomMessage(spec: RawSpec, version: number): Record<string, unknown> {
  return randomValue(new Ctx(spec, version), spec.fields);
}

/** Checks that every field the spec has in this version decoded to the value that was encoded. */
export function matchesReference(spec: RawSpec, version: number, expected: Record<string, unknown>, actual: Record<string, unknown>): string | null {
  const ctx = new Ctx(spec, version);
  const walk = (fields: RawField[], exp: Record<string, unknown>, act: Record<string, unknown>, path: string): string | null => {
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue;
      const k = key(f.name);
      const e = k in exp ? exp[k] : defaultOf(ctx, f);
      const a = act[k];
      const t = elementType(f);
      if (isStructType(t) && e !== null) {
        if (f.type.startsWith('[]')) {
          const ea = e as Record<string, unknown>[];
          const aa = a as Record<string, unknown>[];
          if (!Array.isArray(aa) || aa.length !== ea.length) return `${path}.${k}: array length`;
          for (let i = 0; i < ea.length; i++) {
            const m = walk(ctx.structFields(f), ea[i]!, aa[i]!, `${path}.${k}[${i}]`);
            if (m !== null) return m;
          }
        } else {
          if (a === null || typeof a !== 'object') return `${path}.${k}: missing struct`;
          const m = walk(ctx.structFields(f), e as Record<string, unknown>, a as Record<string, unknown>, `${path}.${k}`);
          if (m !== null) return m;
        }
        continue;
      }
      if (!sameValue(e, a)) return `${path}.${k}: expected ${String(e)} got ${String(a)}`;
    }
    return null;
  };
  return walk(spec.fields, expected, actual, spec.name);
}
