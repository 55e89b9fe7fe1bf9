// The `_schemas` topic's record format, byte-compatible with Confluent Schema
// Registry's (KafkaStore): the key is a JSON object naming what the record is
// about (`keytype` SCHEMA/CONFIG/MODE/DELETE_SUBJECT/CLEAR_SUBJECT/NOOP), the value
// a JSON object with its state; a null value (tombstone) deletes the key, which is
// also what compaction keeps. Unknown key types are skipped on replay so that a
// topic written by a newer Confluent version still loads.

import type { CompatibilityLevel, JsonObject, Mode, RegistryConfig, SchemaReference, SchemaType } from './types.js';
import { parseCompatibilityLevel, parseMode } from './types.js';

export type RegistryKey =
  | { keytype: 'SCHEMA'; subject: string; version: number }
  | { keytype: 'CONFIG'; subject: string | null }
  | { keytype: 'MODE'; subject: string | null }
  | { keytype: 'DELETE_SUBJECT'; subject: string }
  | { keytype: 'CLEAR_SUBJECT'; subject: string }
  | { keytype: 'NOOP' };

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  metadata: JsonObject | null;
  ruleSet: JsonObject | null;
  deleted: boolean;
}

export type RegistryRecord =
  | { key: Extract<RegistryKey, { keytype: 'SCHEMA' }>; value: SchemaValue | null }
  | { key: Extract<RegistryKey, { keytype: 'CONFIG' }>; value: RegistryConfig | null }
  | { key: Extract<RegistryKey, { keytype: 'MODE' }>; value: { mode: Mode } | null }
  | { key: Extract<RegistryKey, { keytype: 'DELETE_SUBJECT' }>; value: { subject: string; version: number } | null }
  | { key: Extract<RegistryKey, { keytype: 'CLEAR_SUBJECT' }>; value: { subject: string } | null }
  | { key: { keytype: 'NOOP' }; value: null };

// Confluent writes SCHEMA keys with magic 1 and the others with magic 0; key order
// matters for compaction (the key bytes are the identity), so it is fixed here.
export function encodeKey(key: RegistryKey): Buffer {
  switch (key.keytype) {
    case 'SCHEMA':
      return json({ keytype: 'SCHEMA', subject: key.subject, version: key.version, magic: 1 });
    case 'CONFIG':
    case 'MODE':
      return json({ keytype: key.keytype, subject: key.subject, magic: 0 });
    case 'DELETE_SUBJECT':
    case 'CLEAR_SUBJECT':
      return json({ keytype: key.keytype, subject: key.subject, magic: 0 });
    case 'NOOP':
      return json({ keytype: 'NOOP', magic: 0 });
  }
}

export function encodeRecord(record: RegistryRecord): { key: Buffer; value: Buffer | null } {
  const key = encodeKey(record.key);
  if (record.value === null) return { key, value: null };
  switch (record.key.keytype) {
    case 'SCHEMA': {
      const v = record.value as SchemaValue;
      const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
      // Confluent omits schemaType for Avro (its default) and empty references.
      if (v.schemaType !== 'AVRO') out['schemaType'] = v.schemaType;
      if (v.references.length > 0) out['references'] = v.references;
      if (v.metadata !== null) out['metadata'] = v.metadata;
      if (v.ruleSet !== null) out['ruleSet'] = v.ruleSet;
      out['schema'] = v.schema;
      out['deleted'] = v.deleted;
      return { key, value: json(out) };
    }
    case 'CONFIG':
      return { key, value: json(record.value) };
    default:
      return { key, value: json(record.value) };
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parseObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const obj = (v: unknown): JsonObject | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : null;

/** Decodes one `_schemas` record; null for a record this registry does not understand (skipped on replay). */
export function decodeRecord(keyBytes: Buffer | null, valueBytes: Buffer | null): RegistryRecord | null {
  if (keyBytes === null) return null;
  const k = parseObject(keyBytes);
  if (k === null) return null;
  const v = valueBytes === null ? null : parseObject(valueBytes);
  if (valueBytes !== null && v === null) return null;
  switch (k['keytype']) {
    case 'SCHEMA': {
      const subject = str(k['subject']);
      const version = int(k['version']);
      if (subject === null || version === null) return null;
      const key = { keytype: 'SCHEMA' as const, subject, version };
      if (v === null) return { key, value: null };
      const id = int(v['id']);
      const schema = str(v['schema']);
      if (id === null || schema === null) return null;
      const type = str(v['schemaType']) ?? 'AVRO';
      if (type !== 'AVRO' && type !== 'JSON' && type !== 'PROTOBUF') return null;
      const refs = Array.isArray(v['references']) ? v['references'] : [];
      const references: SchemaReference[] = [];
      for (const r of refs) {
        const ro = obj(r);
        const name = str(ro?.['name']);
        const rs = str(ro?.['subject']);
        const rv = int(ro?.['version']);
        if (name === null || rs === null || rv === null) return null;
        references.push({ name, subject: rs, version: rv });
      }
      return {
        key,
        value: {
          subject: str(v['subject']) ?? subject, version: int(v['version']) ?? version, id, schemaType: type, schema, references,
          metadata: obj(v['metadata']), ruleSet: obj(v['ruleSet']), deleted: v['deleted'] === true,
        },
      };
    }
    case 'CONFIG': {
      const key = { keytype: 'CONFIG' as const, subject: str(k['subject']) };
      if (v === null) return { key, value: null };
      return { key, value: decodeConfig(v) };
    }
    case 'MODE': {
      const key = { keytype: 'MODE' as const, subject: str(k['subject']) };
      if (v === null) return { key, value: null };
      const mode = parseMode(v['mode']);
      return mode === null ? null : { key, value: { mode } };
    }
    case 'DELETE_SUBJECT': {
      const subject = str(k['subject']);
      if (subject === null) return null;
      const key = { keytype: 'DELETE_SUBJECT' as const, subject };
      if (v === null) return { key, value: null };
      return { key, value: { subject, version: int(v['version']) ?? Number.MAX_SAFE_INTEGER } };
    }
    case 'CLEAR_SUBJECT': {
      const subject = str(k['subject']);
      if (subject === null) return null;
      return { key: { keytype: 'CLEAR_SUBJECT', subject }, value: v === null ? null : { subject } };
    }
    case 'NOOP':
      return { key: { keytype: 'NOOP' }, value: null };
    default:
      return null;
  }
}

export function decodeConfig(v: Record<string, unknown>): RegistryConfig {
  const out: RegistryConfig = {};
  // Older Confluent versions wrote `compatibility`; newer ones `compatibilityLevel`.
  const level: CompatibilityLevel | null = parseCompatibilityLevel(v['compatibilityLevel'] ?? v['compatibility']);
  if (level !== null) out.compatibilityLevel = level;
  if (typeof v['normalize'] === 'boolean') out.normalize = v['normalize'];
  if (typeof v['alias'] === 'string') out.alias = v['alias'];
  if (typeof v['validateFields'] === 'boolean') out.validateFields = v['validateFields'];
  if (typeof v['compatibilityGroup'] === 'string') out.compatibilityGroup = v['compatibilityGroup'];
  for (const f of ['defaultMetadata', 'overrideMetadata', 'defaultRuleSet', 'overrideRuleSet'] as const) {
    const o = obj(v[f]);
    if (o !== null) out[f] = o;
  }
  return out;
}
