// JSON Schema evolutions per compatibility level; expectations from Confluent's
// documented JSON Schema rules: adding a property to an open content model is
// incompatible (old data may carry it with any type), to a closed one compatible
// if optional; partially open models (additionalProperties / patternProperties
// schemas) cover properties whose schema they accept; bounds, enums, types and
// combined schemas widen (compatible) or narrow (incompatible).
import { test } from 'node:test';
import { runCompatRow, type CompatRow } from './compat-table.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'object', properties, ...extra });
const closed = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  obj(properties, { additionalProperties: false, ...extra });
const str = { type: 'string' };
const int = { type: 'integer' };

const ROWS: CompatRow[] = [
  { name: 'identical schema', old: [obj({ a: str })], new: obj({ a: str }), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'open model: add a property', old: [obj({ a: str })], new: obj({ a: str, b: int }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'open model: remove a property', old: [obj({ a: str, b: int })], new: obj({ a: str }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'open model: add a property with an empty schema', old: [obj({ a: str })], new: obj({ a: str, b: {} }), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'closed model: add an optional property', old: [closed({ a: str })], new: closed({ a: str, b: int }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'closed model: add a required property', old: [closed({ a: str })], new: closed({ a: str, b: int }, { required: ['b'] }), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'closed model: add a required property with a default', old: [closed({ a: str })],
    new: closed({ a: str, b: { type: 'integer', default: 0 } }, { required: ['b'] }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'closed model: remove a property', old: [closed({ a: str, b: int })], new: closed({ a: str }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'partially open model: add a property the additionalProperties schema covers',
    old: [obj({ a: str }, { additionalProperties: str })], new: obj({ a: str, b: str }, { additionalProperties: str }), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'partially open model: add a property it does not cover',
    old: [obj({ a: str }, { additionalProperties: str })], new: obj({ a: str, b: int }, { additionalProperties: str }), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'partially open by patternProperties: add a matching property',
    old: [obj({ a: str }, { patternProperties: { '^x_': int } })], new: obj({ a: str, x_count: int }, { patternProperties: { '^x_': int } }),
    expect: { BACKWARD: true, FORWARD: true } },
  { name: 'close an open model', old: [obj({ a: str })], new: closed({ a: str }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'increase maxLength', old: [obj({ a: { type: 'string', maxLength: 10 } })], new: obj({ a: { type: 'string', maxLength: 20 } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'add a pattern', old: [obj({ a: str })], new: obj({ a: { type: 'string', pattern: '^[a-z]+$' } }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'raise the minimum', old: [obj({ n: { type: 'number', minimum: 0 } })], new: obj({ n: { type: 'number', minimum: 5 } }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'integer widened to number', old: [obj({ n: int })], new: obj({ n: { type: 'number' } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'string changed to integer', old: [obj({ a: str })], new: obj({ a: int }), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'a type made nullable', old: [obj({ a: str })], new: obj({ a: { type: ['string', 'null'] } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'enum extended', old: [obj({ c: { enum: ['RED', 'GREEN'] } })], new: obj({ c: { enum: ['RED', 'GREEN', 'BLUE'] } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'a required attribute removed', old: [obj({ a: str }, { required: ['a'] })], new: obj({ a: str }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'a property made required', old: [obj({ a: str })], new: obj({ a: str }, { required: ['a'] }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'title and description changed', old: [obj({ a: str }, { title: 'A' })], new: obj({ a: { type: 'string', description: 'the a' } }, { title: 'B' }),
    expect: { BACKWARD: true, FORWARD: true } },
  { name: 'anyOf gains a branch', old: [obj({ v: { anyOf: [str, int] } })], new: obj({ v: { anyOf: [str, int, { type: 'boolean' }] } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'array items widened', old: [obj({ xs: { type: 'array', items: int } })], new: obj({ xs: { type: 'array', items: { type: 'number' } } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'maxItems lowered', old: [obj({ xs: { type: 'array', items: int, maxItems: 5 } })], new: obj({ xs: { type: 'array', items: int, maxItems: 3 } }), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'a nested object in a closed model gains an optional property',
    old: [closed({ inner: { type: 'object', properties: { x: int }, additionalProperties: false } })],
    new: closed({ inner: { type: 'object', properties: { x: int, y: str }, additionalProperties: false } }), expect: { BACKWARD: true, FORWARD: false } },
  { name: 'a local $ref to a definition is followed',
    old: [JSON.stringify({ type: 'object', properties: { p: { $ref: '#/definitions/P' } }, definitions: { P: { type: 'string', maxLength: 5 } } })],
    new: JSON.stringify({ type: 'object', properties: { p: { $ref: '#/definitions/P' } }, definitions: { P: { type: 'string', maxLength: 10 } } }),
    expect: { BACKWARD: true, FORWARD: false } },
  // Transitive: v3 reads v2's data but not v1's.
  { name: 'a property re-added with another type', old: [obj({ a: str, b: str }), obj({ a: str })], new: obj({ a: str, b: int }),
    expect: { BACKWARD: false, BACKWARD_TRANSITIVE: false, FORWARD: true, FORWARD_TRANSITIVE: false, FULL: false, FULL_TRANSITIVE: false } },
];

for (const row of ROWS) test(`json schema: ${row.name}`, () => runCompatRow('JSON', row));
