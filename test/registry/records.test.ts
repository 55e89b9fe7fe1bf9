// The `_schemas` record format: what this registry writes is Confluent's
// KafkaStore format, and a topic written by Confluent Schema Registry (these
// byte strings are its key/value JSON) replays into the same state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FORMATS } from '../../src/registry/formats/index.js';
import { decodeRecord, encodeRecord } from '../../src/registry/records.js';
import { RegistryService } from '../../src/registry/registry.js';
import { InMemorySchemaLog } from '../../src/registry/schema-log.js';

const b = (s: string) => Buffer.from(s, 'utf8');

test('keys and values are written in Confluent key order and field names', () => {
  const schema = encodeRecord({
    key: { keytype: 'SCHEMA', subject: 's', version: 2 },
    value: { subject: 's', version: 2, id: 7, schemaType: 'JSON', schema: '{}', references: [{ name: 'r', subject: 'o', version: 1 }], metadata: null, ruleSet: null, deleted: false },
  });
  assert.equal(schema.key.toString(), '{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}');
  assert.equal(schema.value!.toString(), '{"subject":"s","version":2,"id":7,"schemaType":"JSON","references":[{"name":"r","subject":"o","version":1}],"schema":"{}","deleted":false}');
  const avro = encodeRecord({
    key: { keytype: 'SCHEMA', subject: 's', version: 1 },
    value: { subject: 's', version: 1, id: 1, schemaType: 'AVRO', schema: '"string"', references: [], metadata: null, ruleSet: null, deleted: true },
  });
  assert.equal(avro.value!.toString(), '{"subject":"s","version":1,"id":1,"schema":"\\"string\\"","deleted":true}');
  assert.equal(encodeRecord({ key: { keytype: 'CONFIG', subject: null }, value: { compatibilityLevel: 'FULL' } }).key.toString(), '{"keytype":"CONFIG","subject":null,"magic":0}');
  assert.equal(encodeRecord({ key: { keytype: 'MODE', subject: 'x' }, value: { mode: 'READONLY' } }).value!.toString(), '{"mode":"READONLY"}');
  assert.equal(encodeRecord({ key: { keytype: 'DELETE_SUBJECT', subject: 'x' }, value: { subject: 'x', version: 3 } }).key.toString(), '{"keytype":"DELETE_SUBJECT","subject":"x","magic":0}');
  assert.equal(encodeRecord({ key: { keytype: 'NOOP' }, value: null }).key.toString(), '{"keytype":"NOOP","magic":0}');
  assert.equal(encodeRecord({ key: { keytype: 'CONFIG', subject: 'x' }, value: null }).value, null);
});

test('malformed and unknown records decode to null (skipped on replay), never throw', () => {
  for (const [k, v] of [
    ['not json', '{}'], ['[]', '{}'], ['{"keytype":"SCHEMA","subject":"s"}', '{}'], ['{"keytype":"SCHEMA","subject":"s","version":1}', '{"schema":5}'],
    ['{"keytype":"CONTEXT","tenant":"default","context":".x","magic":0}', '{}'], ['{"keytype":"MODE","subject":null}', '{"mode":"SIDEWAYS"}'],
    ['{"keytype":"SCHEMA","subject":"s","version":1}', '{"id":1,"schema":"x","schemaType":"XML"}'], ['{"keytype":"SCHEMA","subject":"s","version":1}', 'garbage'],
  ] as const) {
    assert.equal(decodeRecord(b(k), b(v)), null, `${k} / ${v}`);
  }
  assert.equal(decodeRecord(null, b('{}')), null);
});

test('a topic written by Confluent Schema Registry replays into the same state', async () => {
  const log = new InMemorySchemaLog();
  const avro = '{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}';
  const records: [string, string | null][] = [
    ['{"keytype":"NOOP","magic":0}', null],
    ['{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}', JSON.stringify({ subject: 'users-value', version: 1, id: 1, schema: avro, deleted: false })],
    ['{"keytype":"SCHEMA","subject":"events-value","version":1,"magic":1}', JSON.stringify({ subject: 'events-value', version: 1, id: 2, schemaType: 'JSON', schema: '{"type":"object"}', deleted: false })],
    ['{"keytype":"CONFIG","subject":null,"magic":0}', '{"compatibilityLevel":"FULL"}'],
    // Older versions wrote `compatibility`; the value is case-insensitive.
    ['{"keytype":"CONFIG","subject":"users-value","magic":0}', '{"compatibility":"none"}'],
    ['{"keytype":"MODE","subject":"events-value","magic":0}', '{"mode":"READONLY"}'],
    ['{"keytype":"CONTEXT","tenant":"default","context":".","magic":0}', '{"tenant":"default","context":"."}'],
    ['{"keytype":"SCHEMA","subject":"old-value","version":1,"magic":1}', JSON.stringify({ subject: 'old-value', version: 1, id: 3, schema: '"string"', deleted: false })],
    ['{"keytype":"DELETE_SUBJECT","subject":"old-value","magic":0}', '{"subject":"old-value","version":1}'],
    ['{"keytype":"SCHEMA","subject":"gone-value","version":1,"magic":1}', JSON.stringify({ subject: 'gone-value', version: 1, id: 4, schema: '"long"', deleted: true })],
    ['{"keytype":"SCHEMA","subject":"gone-value","version":1,"magic":1}', null],
  ];
  for (const [k, v] of records) await log.append(b(k), v === null ? null : b(v));
  const service = new RegistryService(log, { formats: FORMATS, writeTimeoutMs: 5_000 });
  await service.start();
  try {
    assert.deepEqual(service.listSubjects(), ['events-value', 'users-value']);
    assert.deepEqual(service.listSubjects({ deleted: true }), ['events-value', 'old-value', 'users-value']);
    assert.equal(service.getVersion('users-value', 'latest').schema, avro);
    assert.equal(service.getById(2).schemaType, 'JSON');
    assert.equal(service.compatibilityOf(null), 'FULL');
    assert.equal(service.compatibilityOf('users-value'), 'NONE');
    assert.equal(service.modeOf('events-value'), 'READONLY');
    assert.throws(() => service.getById(4), (e: { errorCode?: number }) => e.errorCode === 40403);
    // Registering continues after the highest id in the log, the deleted ones included.
    const v = await service.register('new-value', { schema: '"int"', schemaType: 'AVRO', references: [], metadata: null, ruleSet: null }, false);
    assert.equal(v.id, 5);
  } finally {
    await service.stop();
  }
});
