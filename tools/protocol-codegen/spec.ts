// Loads Kafka's JSON message specs into a normalized model for the generator
// (and for the tests that check generated code against the specs).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface VersionRange {
  min: number;
  /** Infinity for an open range ("3+"). */
  max: number;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none' || text === '') return NO_VERSIONS;
  const t = text.trim();
  if (t.endsWith('+')) return { min: Number(t.slice(0, -1)), max: Infinity };
  const dash = t.indexOf('-');
  if (dash >= 0) return { min: Number(t.slice(0, dash)), max: Number(t.slice(dash + 1)) };
  return { min: Number(t), max: Number(t) };
}

export function isEmpty(r: VersionRange): boolean {
  return r.min > r.max;
}

export function contains(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

export const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records',
]);

export interface FieldSpec {
  name: string;
  /** The element type for arrays, the struct name for structs, else the primitive. */
  type: string;
  isArray: boolean;
  /** True when `type` names a struct (array element or single struct). */
  isStruct: boolean;
  versions: VersionRange;
  nullableVersions: VersionRange;
  taggedVersions: VersionRange;
  tag: number | null;
  /** The spec's default, as written; undefined when the type's zero value applies. */
  defaultText: string | undefined;
  /** Field-level override of the message's flexible versions ("none" on RequestHeader.ClientId). */
  flexibleOverride: VersionRange | null;
  mapKey: boolean;
  ignorable: boolean;
  about: string;
  /** For struct-typed fields: the struct's definition (inline or common). */
  struct: StructSpec | null;
}

export interface StructSpec {
  name: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  file: string;
  name: string;
  kind: 'request' | 'response' | 'header' | 'data' | 'metadata';
  apiKey: number | null;
  validVersions: VersionRange;
  flexibleVersions: VersionRange;
  latestVersionUnstable: boolean;
  listeners: string[];
  fields: FieldSpec[];
  /** Every struct of the message, nested ones and common ones, each once. */
  structs: StructSpec[];
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  flexibleVersions?: string;
  mapKey?: boolean;
  ignorable?: boolean;
  about?: string;
  fields?: RawField[];
}

interface RawMessage {
  apiKey?: number;
  type: MessageSpec['kind'];
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

/** Kafka's spec files are JSON with whole-line // comments. */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

export function loadMessage(path: string): MessageSpec {
  const raw = JSON.parse(stripComments(readFileSync(path, 'utf8'))) as RawMessage;
  const structs = new Map<string, StructSpec>();
  const common = new Map<string, RawField[]>();
  for (const c of raw.commonStructs ?? []) common.set(c.name, c.fields);

  const toField = (f: RawField): FieldSpec => {
    const isArray = f.type.startsWith('[]');
    const type = isArray ? f.type.slice(2) : f.type;
    const isStruct = !PRIMITIVES.has(type);
    let struct: StructSpec | null = null;
    if (isStruct) {
      struct = structs.get(type) ?? null;
      if (struct === null) {
        const rawFields = f.fields ?? common.get(type);
        if (rawFields === undefined) throw new Error(`${raw.name}: struct ${type} of field ${f.name} has no definition`);
        // Register first so that recursive references resolve.
        struct = { name: type, fields: [] };
        structs.set(type, struct);
        struct.fields = rawFields.map(toField);
      } else if (f.fields !== undefined && f.fields.length > 0 && struct.fields.length === 0) {
        struct.fields = f.fields.map(toField);
      }
    }
    const versions = parseVersions(f.versions);
    if (isEmpty(versions) && f.versions !== 'none') throw new Error(`${raw.name}.${f.name}: no versions`);
    return {
      name: f.name,
      type,
      isArray,
      isStruct,
      versions,
      nullableVersions: parseVersions(f.nullableVersions),
      taggedVersions: parseVersions(f.taggedVersions),
      tag: f.tag ?? null,
      defaultText: f.default === undefined ? undefined : String(f.default),
      flexibleOverride: f.flexibleVersions === undefined ? null : parseVersions(f.flexibleVersions),
      mapKey: f.mapKey === true,
      ignorable: f.ignorable === true,
      about: f.about ?? '',
      struct,
    };
  };

  const fields = raw.fields.map(toField);
  // Common structs that no field uses are still part of the message's vocabulary.
  for (const [name, rawFields] of common) {
    if (!structs.has(name)) structs.set(name, { name, fields: rawFields.map(toField) });
  }
  return {
    file: path,
    name: raw.name,
    kind: raw.type,
    apiKey: raw.apiKey ?? null,
    validVersions: parseVersions(raw.validVersions),
    flexibleVersions: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    fields,
    structs: [...structs.values()],
  };
}

export function loadAllMessages(dir: string): MessageSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadMessage(join(dir, f)));
}
