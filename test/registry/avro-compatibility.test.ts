// Avro evolutions per compatibility level; expectations from Confluent's
// documented rules (BACKWARD: delete fields, add fields with defaults; FORWARD:
// add fields, delete fields with defaults; FULL: both) and the Avro
// specification's schema resolution (promotions, enums, unions, names).
import { test } from 'node:test';
import { runCompatRow, type CompatRow } from './compat-table.js';

const rec = (fields: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'record', name: 'User', namespace: 'ex', fields, ...extra });
const a = { name: 'a', type: 'string' };
const bDefault = { name: 'b', type: 'int', default: 0 };
const bRequired = { name: 'b', type: 'int' };
const color = (symbols: string[], extra: Record<string, unknown> = {}) =>
  rec([{ name: 'c', type: { type: 'enum', name: 'Color', symbols, ...extra } }]);

const ROWS: CompatRow[] = [
  { name: 'identical schema', old: [rec([a])], new: rec([a]), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'add a field with a default', old: [rec([a])], new: rec([a, bDefault]), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'add a field without a default', old: [rec([a])], new: rec([a, bRequired]), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'delete a field that had a default', old: [rec([a, bDefault])], new: rec([a]), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'delete a field without a default', old: [rec([a, bRequired])], new: rec([a]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'promote int to long', old: [rec([bRequired])], new: rec([{ name: 'b', type: 'long' }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'narrow long to int', old: [rec([{ name: 'b', type: 'long' }])], new: rec([bRequired]), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'promote float to double', old: [rec([{ name: 'f', type: 'float' }])], new: rec([{ name: 'f', type: 'double' }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'string and bytes are interchangeable', old: [rec([a])], new: rec([{ name: 'a', type: 'bytes' }]), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'change string to int', old: [rec([a])], new: rec([{ name: 'a', type: 'int' }]), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'add an enum symbol', old: [color(['RED', 'GREEN'])], new: color(['RED', 'GREEN', 'BLUE']), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'remove an enum symbol', old: [color(['RED', 'GREEN'])], new: color(['RED']), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'add an enum symbol when the reader enum has a default', old: [color(['RED', 'GREEN'], { default: 'RED' })],
    new: color(['RED', 'GREEN', 'BLUE'], { default: 'RED' }), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'make a field nullable', old: [rec([a])], new: rec([{ name: 'a', type: ['null', 'string'], default: null }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'make a nullable field required', old: [rec([{ name: 'a', type: ['null', 'string'], default: null }])], new: rec([a]), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'add a union branch', old: [rec([{ name: 'u', type: ['int', 'string'] }])], new: rec([{ name: 'u', type: ['int', 'string', 'boolean'] }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'rename the record', old: [rec([a])], new: JSON.stringify({ type: 'record', name: 'Person', namespace: 'ex', fields: [a] }), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'rename the record with an alias for the old name', old: [rec([a])],
    new: JSON.stringify({ type: 'record', name: 'Person', namespace: 'ex', aliases: ['User'], fields: [a] }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'change only the namespace', old: [rec([a])], new: JSON.stringify({ type: 'record', name: 'User', namespace: 'other', fields: [a] }), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'rename a field with an alias', old: [rec([a])], new: rec([{ name: 'a2', type: 'string', aliases: ['a'] }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'change a fixed size', old: [rec([{ name: 'h', type: { type: 'fixed', name: 'Hash', size: 16 } }])],
    new: rec([{ name: 'h', type: { type: 'fixed', name: 'Hash', size: 32 } }]), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'array items promoted', old: [rec([{ name: 'xs', type: { type: 'array', items: 'int' } }])],
    new: rec([{ name: 'xs', type: { type: 'array', items: 'long' } }]), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'map values changed incompatibly', old: [rec([{ name: 'm', type: { type: 'map', values: 'string' } }])],
    new: rec([{ name: 'm', type: { type: 'map', values: 'int' } }]), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'recursive record gains an optional field', old: [JSON.stringify({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }] })],
    new: JSON.stringify({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }, { name: 'v', type: 'int', default: 1 }] }),
    expect: { BACKWARD: true, FORWARD: true } },
  // Transitive levels: v3 reads v2 but not v1 (the documented BACKWARD vs BACKWARD_TRANSITIVE example).
  { name: 'a field without default that only the latest version has', old: [rec([a]), rec([a, bDefault])], new: rec([a, bRequired]),
    expect: { BACKWARD: true, BACKWARD_TRANSITIVE: false, FORWARD: true, FORWARD_TRANSITIVE: true, FULL: true, FULL_TRANSITIVE: false } },
  { name: 'a required field removed after being made optional', old: [rec([a, bRequired]), rec([a, bDefault])], new: rec([a]),
    expect: { BACKWARD: true, BACKWARD_TRANSITIVE: true, FORWARD: true, FORWARD_TRANSITIVE: false, FULL: true, FULL_TRANSITIVE: false } },
];

for (const row of ROWS) test(`avro: ${row.name}`, () => runCompatRow('AVRO', row));
