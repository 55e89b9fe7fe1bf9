// avsc and protobufjs are loaded when the registry first parses a schema of
// their format, not at start-up (src/registry/formats/libraries.ts): a
// registry that only ever sees JSON Schema loads neither. This file runs in
// its own process (node --test), so nothing else has loaded them before.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { call, startTestRegistry, type TestRegistry } from './support.js';

let r: TestRegistry;
before(async () => {
  r = await startTestRegistry();
});
after(async () => {
  await r?.stop();
});

/** Which schema libraries have files in the CommonJS cache. */
function loaded(): { avsc: boolean; protobufjs: boolean } {
  const files = Object.keys(createRequire(import.meta.url).cache);
  return {
    avsc: files.some((f) => f.includes('/node_modules/avsc/')),
    protobufjs: files.some((f) => f.includes('/node_modules/protobufjs/')),
  };
}

test('each schema library loads with the first schema of its format', async () => {
  assert.deepEqual(loaded(), { avsc: false, protobufjs: false }, 'nothing loaded at start-up');

  const json = await call(r.url, 'POST', '/subjects/lazy-json-value/versions', { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { a: { type: 'string' } } }) });
  assert.equal(json.status, 200);
  assert.deepEqual(loaded(), { avsc: false, protobufjs: false }, 'JSON Schema needs neither');

  const avro = await call(r.url, 'POST', '/subjects/lazy-avro-value/versions', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) });
  assert.equal(avro.status, 200);
  assert.deepEqual(loaded(), { avsc: true, protobufjs: false });
  // The library validates: a schema avsc rejects is still a 42201.
  const bad = await call(r.url, 'POST', '/subjects/lazy-avro-value/versions', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'no.such.Type' }] }) });
  assert.equal(bad.status, 422);

  const proto = await call(r.url, 'POST', '/subjects/lazy-proto-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage M { string a = 1; }\n' });
  assert.equal(proto.status, 200);
  assert.deepEqual(loaded(), { avsc: true, protobufjs: true });
  // The serialized form goes through protobufjs' descriptor extension, loaded alongside.
  const serialized = await call(r.url, 'GET', `/schemas/ids/${proto.body.id as number}?format=serialized`);
  assert.equal(serialized.status, 200);
  assert.match(serialized.body.schema as string, /^[A-Za-z0-9+/]+=*$/);
});
