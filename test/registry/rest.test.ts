// The REST surface over HTTP against an in-memory `_schemas`: Confluent's
// endpoints, response shapes and error codes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, startTestRegistry, type TestRegistry } from './support.js';

let r: TestRegistry;
before(async () => {
  r = await startTestRegistry();
});
after(async () => {
  await r?.stop();
});

const user = (fields: unknown[] = [{ name: 'name', type: 'string' }]) =>
  JSON.stringify({ type: 'record', name: 'User', namespace: 'ex', fields });

test('register, re-register, lookup and read a subject', async () => {
  const s = 'rest-basic-value';
  const first = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user() });
  assert.equal(first.status, 200);
  const id = first.body.id as number;
  assert.ok(Number.isInteger(id) && id > 0);
  // Whitespace and key order do not make a new schema.
  const spaced = `{ "namespace": "ex", "type": "record", "name": "User", "fields": [ {"type": "string", "name": "name"} ] }`;
  assert.deepEqual((await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: spaced })).body, { id });
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions`)).body, [1]);

  const latest = await call(r.url, 'GET', `/subjects/${s}/versions/latest`);
  assert.deepEqual(latest.body, { subject: s, version: 1, id, schema: user() });
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions/1`)).body, latest.body);
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions/-1`)).body, latest.body);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions/1/schema`)).body.name, 'User');

  const lookup = await call(r.url, 'POST', `/subjects/${s}`, { schema: spaced });
  assert.deepEqual(lookup.body, { subject: s, version: 1, id, schema: user() });

  assert.deepEqual((await call(r.url, 'GET', `/schemas/ids/${id}`)).body, { schema: user() });
  assert.deepEqual((await call(r.url, 'GET', `/schemas/ids/${id}/subjects`)).body, [s]);
  assert.deepEqual((await call(r.url, 'GET', `/schemas/ids/${id}/versions`)).body, [{ subject: s, version: 1 }]);
  assert.ok(((await call(r.url, 'GET', '/subjects')).body as string[]).includes(s));
  assert.deepEqual((await call(r.url, 'GET', '/schemas/types')).body, ['JSON', 'PROTOBUF', 'AVRO']);
  assert.deepEqual((await call(r.url, 'GET', `/schemas?subjectPrefix=${s}`)).body, [latest.body]);
  assert.deepEqual((await call(r.url, 'GET', '/')).body, {});
});

test('the same schema under two subjects shares its id; a new version gets a new one', async () => {
  const a = await call(r.url, 'POST', '/subjects/rest-shared-a/versions', { schema: user([{ name: 'x', type: 'long' }]) });
  const b = await call(r.url, 'POST', '/subjects/rest-shared-b/versions', { schema: user([{ name: 'x', type: 'long' }]) });
  assert.equal(a.body.id, b.body.id);
  assert.deepEqual((await call(r.url, 'GET', `/schemas/ids/${a.body.id}/subjects`)).body, ['rest-shared-a', 'rest-shared-b']);
  const v2 = await call(r.url, 'POST', '/subjects/rest-shared-a/versions', { schema: user([{ name: 'x', type: 'long' }, { name: 'y', type: 'int', default: 1 }]) });
  assert.equal(v2.status, 200);
  assert.ok(v2.body.id > a.body.id);
  assert.deepEqual((await call(r.url, 'GET', '/subjects/rest-shared-a/versions')).body, [1, 2]);
});

test('an incompatible schema is refused with 409 and the verbose check explains why', async () => {
  const s = 'rest-compat-value';
  await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user() });
  const bad = user([{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }]);
  const res = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: bad });
  assert.equal(res.status, 409);
  assert.equal(res.body.error_code, 409);
  assert.match(res.body.message, /READER_FIELD_MISSING_DEFAULT_VALUE/);

  const check = await call(r.url, 'POST', `/compatibility/subjects/${s}/versions/latest?verbose=true`, { schema: bad });
  assert.equal(check.status, 200);
  assert.equal(check.body.is_compatible, false);
  assert.ok(check.body.messages.some((m: string) => m.includes("'age'")));
  const quiet = await call(r.url, 'POST', `/compatibility/subjects/${s}/versions/1`, { schema: user() });
  assert.deepEqual(quiet.body, { is_compatible: true });
  const all = await call(r.url, 'POST', `/compatibility/subjects/${s}/versions`, { schema: bad });
  assert.deepEqual(all.body, { is_compatible: false });

  // Under NONE the same schema registers.
  assert.deepEqual((await call(r.url, 'PUT', `/config/${s}`, { compatibility: 'NONE' })).body, { compatibility: 'NONE' });
  assert.equal((await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: bad })).status, 200);
});

test('concurrent registrations: unique ids, gapless versions, one id per distinct schema', async () => {
  const s = 'rest-concurrent';
  await call(r.url, 'PUT', `/config/${s}`, { compatibility: 'NONE' });
  const schemas = Array.from({ length: 30 }, (_, i) => user([{ name: `f${i % 20}`, type: 'int' }]));
  const results = await Promise.all(schemas.map((schema) => call(r.url, 'POST', `/subjects/${s}/versions`, { schema })));
  assert.ok(results.every((x) => x.status === 200));
  const idOf = new Map<string, number>();
  schemas.forEach((schema, i) => {
    const id = results[i]!.body.id as number;
    if (idOf.has(schema)) assert.equal(id, idOf.get(schema));
    idOf.set(schema, id);
  });
  assert.equal(new Set(idOf.values()).size, 20);
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions`)).body, Array.from({ length: 20 }, (_, i) => i + 1));
});

test('config: global, per subject, defaultToGlobal, delete, and invalid levels', async () => {
  assert.deepEqual((await call(r.url, 'GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  const s = 'rest-config-value';
  const missing = await call(r.url, 'GET', `/config/${s}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error_code, 40408);
  assert.deepEqual((await call(r.url, 'GET', `/config/${s}?defaultToGlobal=true`)).body, { compatibilityLevel: 'BACKWARD' });
  assert.deepEqual((await call(r.url, 'PUT', `/config/${s}`, { compatibility: 'full_transitive' })).body, { compatibility: 'FULL_TRANSITIVE' });
  assert.deepEqual((await call(r.url, 'GET', `/config/${s}`)).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
  assert.deepEqual((await call(r.url, 'DELETE', `/config/${s}`)).body, { compatibilityLevel: 'FULL_TRANSITIVE' });
  assert.equal((await call(r.url, 'GET', `/config/${s}`)).body.error_code, 40408);
  const invalid = await call(r.url, 'PUT', '/config', { compatibility: 'SIDEWAYS' });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.error_code, 42203);
});

test('modes: READONLY refuses writes with 42205, IMPORT keeps given ids, invalid modes get 42204', async () => {
  const s = 'rest-mode-value';
  assert.deepEqual((await call(r.url, 'GET', '/mode')).body, { mode: 'READWRITE' });
  assert.deepEqual((await call(r.url, 'PUT', `/mode/${s}`, { mode: 'READONLY' })).body, { mode: 'READONLY' });
  const refused = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user() });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error_code, 42205);
  assert.deepEqual((await call(r.url, 'DELETE', `/mode/${s}`)).body, { mode: 'READONLY' });
  assert.equal((await call(r.url, 'GET', `/mode/${s}`)).body.error_code, 40409);
  assert.deepEqual((await call(r.url, 'GET', `/mode/${s}?defaultToGlobal=true`)).body, { mode: 'READWRITE' });

  const bad = await call(r.url, 'PUT', '/mode', { mode: 'SOMETIMES' });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error_code, 42204);

  const imported = 'rest-import-value';
  // An id outside IMPORT mode is refused.
  const notImport = await call(r.url, 'POST', `/subjects/${imported}/versions`, { schema: user([{ name: 'q', type: 'int' }]), id: 777, version: 3 });
  assert.equal(notImport.body.error_code, 42205);
  assert.equal((await call(r.url, 'PUT', `/mode/${imported}`, { mode: 'IMPORT' })).status, 200);
  const res = await call(r.url, 'POST', `/subjects/${imported}/versions`, { schema: user([{ name: 'q', type: 'int' }]), id: 777, version: 3 });
  assert.deepEqual(res.body, { id: 777 });
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${imported}/versions/3`)).body.id, 777);
  // The next registered schema gets an id past the imported one.
  await call(r.url, 'DELETE', `/mode/${imported}`);
  const next = await call(r.url, 'POST', '/subjects/rest-after-import/versions', { schema: user([{ name: 'z', type: 'double' }]) });
  assert.ok(next.body.id > 777);
});

test('soft and hard delete, as Confluent does them', async () => {
  const s = 'rest-delete-value';
  // A schema no other test registers, so that its id disappears with the hard delete.
  const mine = () => user([{ name: 'deleted_field', type: 'string' }]);
  const id1 = (await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: mine() })).body.id;
  await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user([{ name: 'deleted_field', type: 'string' }, { name: 'n', type: 'int', default: 0 }]) });

  const notFirst = await call(r.url, 'DELETE', `/subjects/${s}/versions/1?permanent=true`);
  assert.equal(notFirst.body.error_code, 40407);
  assert.deepEqual((await call(r.url, 'DELETE', `/subjects/${s}/versions/1`)).body, 1);
  assert.equal((await call(r.url, 'DELETE', `/subjects/${s}/versions/1`)).body.error_code, 40406);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions/1`)).body.error_code, 40402);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions/1?deleted=true`)).body.id, id1);
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions`)).body, [2]);
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions?deleted=true`)).body, [1, 2]);

  assert.equal((await call(r.url, 'DELETE', `/subjects/${s}?permanent=true`)).body.error_code, 40405);
  assert.deepEqual((await call(r.url, 'DELETE', `/subjects/${s}`)).body, [2]);
  assert.equal((await call(r.url, 'DELETE', `/subjects/${s}`)).body.error_code, 40404);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions`)).body.error_code, 40401);
  assert.ok(!((await call(r.url, 'GET', '/subjects')).body as string[]).includes(s));
  assert.ok(((await call(r.url, 'GET', '/subjects?deleted=true')).body as string[]).includes(s));
  assert.ok(((await call(r.url, 'GET', '/subjects?deletedOnly=true')).body as string[]).includes(s));
  // A soft-deleted schema keeps its id and can be looked up with deleted=true.
  assert.equal((await call(r.url, 'GET', `/schemas/ids/${id1}`)).status, 200);
  assert.equal((await call(r.url, 'POST', `/subjects/${s}?deleted=true`, { schema: mine() })).body.version, 1);

  // Re-registering after a soft delete continues the version numbers and reuses the id.
  const again = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: mine() });
  assert.equal(again.body.id, id1);
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions`)).body, [3]);

  await call(r.url, 'DELETE', `/subjects/${s}`);
  assert.deepEqual((await call(r.url, 'DELETE', `/subjects/${s}?permanent=true`)).body, [1, 2, 3]);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions?deleted=true`)).body.error_code, 40401);
  assert.equal((await call(r.url, 'GET', `/schemas/ids/${id1}`)).body.error_code, 40403);
  // After a hard delete the subject starts again at version 1.
  await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: mine() });
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions`)).body, [1]);
});

test('references: a schema using a named type from another subject', async () => {
  const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'ex', fields: [{ name: 'city', type: 'string' }] });
  await call(r.url, 'POST', '/subjects/rest-address/versions', { schema: address });
  const customer = JSON.stringify({ type: 'record', name: 'Customer', namespace: 'ex', fields: [{ name: 'home', type: 'ex.Address' }] });
  const refs = [{ name: 'ex.Address', subject: 'rest-address', version: 1 }];
  const reg = await call(r.url, 'POST', '/subjects/rest-customer/versions', { schema: customer, references: refs });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  const got = await call(r.url, 'GET', `/schemas/ids/${reg.body.id}`);
  assert.deepEqual(got.body.references, refs);
  assert.deepEqual((await call(r.url, 'GET', '/subjects/rest-address/versions/1/referencedby')).body, [reg.body.id]);
  // A referenced version cannot be deleted.
  const del = await call(r.url, 'DELETE', '/subjects/rest-address/versions/1');
  assert.equal(del.body.error_code, 42206);
  // Without the reference the name is undefined; a missing reference is an invalid schema.
  assert.equal((await call(r.url, 'POST', '/subjects/rest-customer2/versions', { schema: customer })).body.error_code, 42201);
  const missingRef = await call(r.url, 'POST', '/subjects/rest-customer2/versions', { schema: customer, references: [{ name: 'ex.Address', subject: 'nope', version: 1 }] });
  assert.equal(missingRef.status, 422);
  assert.equal(missingRef.body.error_code, 42201);
});

test('JSON Schema: register, type in the answers, references by $ref name, invalid schemas', async () => {
  const address = JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false });
  const a = await call(r.url, 'POST', '/subjects/rest-json-address/versions', { schemaType: 'JSON', schema: address });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const customer = JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } });
  const refs = [{ name: 'address.json', subject: 'rest-json-address', version: 1 }];
  const c = await call(r.url, 'POST', '/subjects/rest-json-customer/versions', { schemaType: 'JSON', schema: customer, references: refs });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.deepEqual((await call(r.url, 'GET', `/schemas/ids/${c.body.id}`)).body, { schemaType: 'JSON', schema: customer, references: refs });
  const v = await call(r.url, 'GET', '/subjects/rest-json-customer/versions/1');
  assert.equal(v.body.schemaType, 'JSON');
  // Without the reference the $ref cannot be resolved.
  assert.equal((await call(r.url, 'POST', '/subjects/rest-json-other/versions', { schemaType: 'JSON', schema: customer })).body.error_code, 42201);
  // Adding a property to an open content model is incompatible under BACKWARD.
  const grown = JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' }, age: { type: 'integer' } } });
  const refused = await call(r.url, 'POST', '/subjects/rest-json-customer/versions', { schemaType: 'JSON', schema: grown, references: refs });
  assert.equal(refused.status, 409);
  assert.match(refused.body.message, /PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL/);
  for (const bad of ['[1,2]', '{"type": "strin"}', '{"properties": 5}', '{"type": "object", "required": "a"}', 'not json']) {
    const res = await call(r.url, 'POST', '/subjects/rest-json-bad/versions', { schemaType: 'JSON', schema: bad });
    assert.equal(res.body.error_code, 42201, bad);
  }
});

test('Protobuf: text and serialized forms, imports as references, invalid schemas', async () => {
  const common = 'syntax = "proto3";\npackage shop;\nmessage Money { int64 cents = 1; string currency = 2; }\n';
  assert.equal((await call(r.url, 'POST', '/subjects/rest-pb-money/versions', { schemaType: 'PROTOBUF', schema: common })).status, 200);
  const order = 'syntax = "proto3";\npackage shop;\nimport "money.proto";\nimport "google/protobuf/timestamp.proto";\n'
    + 'message Order {\n  string id = 1;\n  Money total = 2;\n  google.protobuf.Timestamp at = 3;\n  map<string, int32> counts = 4;\n}\n';
  const refs = [{ name: 'money.proto', subject: 'rest-pb-money', version: 1 }];
  const reg = await call(r.url, 'POST', '/subjects/rest-pb-order/versions', { schemaType: 'PROTOBUF', schema: order, references: refs });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  const got = await call(r.url, 'GET', `/schemas/ids/${reg.body.id}`);
  assert.equal(got.body.schemaType, 'PROTOBUF');
  assert.deepEqual(got.body.references, refs);
  assert.match(got.body.schema, /message Order \{/);
  assert.match(got.body.schema, /\.shop\.Money total = 2;/);
  // The serialized form is a FileDescriptorProto; registering it finds the same schema.
  const serialized = await call(r.url, 'GET', `/schemas/ids/${reg.body.id}?format=serialized`);
  assert.match(serialized.body.schema, /^[A-Za-z0-9+/]+=*$/);
  const again = await call(r.url, 'POST', '/subjects/rest-pb-order/versions', { schemaType: 'PROTOBUF', schema: serialized.body.schema, references: refs });
  assert.deepEqual(again.body, { id: reg.body.id });
  assert.equal((await call(r.url, 'POST', '/subjects/rest-pb-order', { schemaType: 'PROTOBUF', schema: order, references: refs })).body.version, 1);
  // A missing import, an unknown type, a syntax error: 42201.
  assert.equal((await call(r.url, 'POST', '/subjects/rest-pb-bad/versions', { schemaType: 'PROTOBUF', schema: order })).body.error_code, 42201);
  for (const bad of ['syntax = "proto3"; message A { Missing m = 1; }', 'message A { string a = 1 }', 'message { }', 'AAAA']) {
    const res = await call(r.url, 'POST', '/subjects/rest-pb-bad/versions', { schemaType: 'PROTOBUF', schema: bad });
    assert.equal(res.body.error_code, 42201, bad);
  }
  // Standard file options survive both forms.
  const withOptions = 'syntax = "proto3";\npackage opts;\noption java_package = "com.example.opts";\noption java_multiple_files = true;\nmessage O { string s = 1; }\n';
  const o = await call(r.url, 'POST', '/subjects/rest-pb-options/versions', { schemaType: 'PROTOBUF', schema: withOptions });
  const text = (await call(r.url, 'GET', `/schemas/ids/${o.body.id}`)).body.schema as string;
  assert.match(text, /option java_package = "com\.example\.opts";/);
  assert.match(text, /option java_multiple_files = true;/);
  const oSerialized = (await call(r.url, 'GET', `/schemas/ids/${o.body.id}?format=serialized`)).body.schema as string;
  assert.deepEqual((await call(r.url, 'POST', '/subjects/rest-pb-options', { schemaType: 'PROTOBUF', schema: oSerialized })).body.id, o.body.id);

  // Changing a field's type is refused.
  const changed = order.replace('string id = 1;', 'int32 id = 1;');
  assert.equal((await call(r.url, 'POST', '/subjects/rest-pb-order/versions', { schemaType: 'PROTOBUF', schema: changed, references: refs })).status, 409);
});

test('a deep diamond of references resolves in linear time', async () => {
  const started = Date.now();
  await call(r.url, 'POST', '/subjects/rest-diamond-0/versions', { schemaType: 'JSON', schema: '{"type":"string"}' });
  for (let i = 1; i <= 30; i++) {
    const prev = `rest-diamond-${i - 1}`;
    const res = await call(r.url, 'POST', `/subjects/rest-diamond-${i}/versions`, {
      schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { a: { $ref: 'a.json' }, b: { $ref: 'b.json' } } }),
      references: [{ name: 'a.json', subject: prev, version: 1 }, { name: 'b.json', subject: prev, version: 1 }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('compatibility checks of shared named types and $ref definitions stay linear', async () => {
  const def = (n: number): unknown => n === 0
    ? { type: 'record', name: 'T0', fields: [{ name: 'x', type: 'int' }] }
    : { type: 'record', name: `T${n}`, fields: [{ name: 'a', type: def(n - 1) }, { name: 'b', type: `T${n - 1}` }] };
  const top = def(28) as { fields: unknown[] };
  const started = Date.now();
  assert.equal((await call(r.url, 'POST', '/subjects/rest-wide-avro/versions', { schema: JSON.stringify(top) })).status, 200);
  const grown = { ...top, fields: [...top.fields, { name: 'extra', type: 'string', default: '' }] };
  assert.equal((await call(r.url, 'POST', '/subjects/rest-wide-avro/versions', { schema: JSON.stringify(grown) })).status, 200);

  const definitions: Record<string, unknown> = { D0: { type: 'string' } };
  for (let i = 1; i <= 28; i++) definitions[`D${i}`] = { type: 'object', properties: { a: { $ref: `#/definitions/D${i - 1}` }, b: { $ref: `#/definitions/D${i - 1}` } } };
  const json = (extra: Record<string, unknown>) => JSON.stringify({ type: 'object', properties: { root: { $ref: '#/definitions/D28' }, ...extra }, definitions });
  assert.equal((await call(r.url, 'POST', '/subjects/rest-wide-json/versions', { schemaType: 'JSON', schema: json({}) })).status, 200);
  assert.equal((await call(r.url, 'POST', '/subjects/rest-wide-json/versions', { schemaType: 'JSON', schema: json({ note: {} }) })).status, 200);

  // Nested anyOf on both sides: each level compares every branch pair.
  let nested: unknown = { type: 'string' };
  for (let i = 0; i < 12; i++) nested = { anyOf: [{ type: 'object', properties: { v: nested } }, { type: 'array', items: nested }] };
  const nestedSchema = (extra: Record<string, unknown>) => JSON.stringify({ type: 'object', properties: { n: nested, ...extra } });
  assert.equal((await call(r.url, 'POST', '/subjects/rest-nested-anyof/versions', { schemaType: 'JSON', schema: nestedSchema({}) })).status, 200);
  assert.equal((await call(r.url, 'POST', '/subjects/rest-nested-anyof/versions', { schemaType: 'JSON', schema: nestedSchema({ m: {} }) })).status, 200);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('contexts: qualified subjects are listed and keep their own settings', async () => {
  const s = ':.staging:orders-value';
  const res = await call(r.url, 'POST', `/subjects/${encodeURIComponent(s)}/versions`, { schema: user() });
  assert.equal(res.status, 200);
  assert.ok(((await call(r.url, 'GET', '/contexts')).body as string[]).includes('.staging'));
  assert.ok(((await call(r.url, 'GET', '/subjects?subjectPrefix=:.staging:')).body as string[]).includes(s));
  await call(r.url, 'PUT', `/config/${encodeURIComponent(':.staging:')}`, { compatibility: 'NONE' });
  const loose = await call(r.url, 'POST', `/subjects/${encodeURIComponent(s)}/versions`, { schema: user([{ name: 'other', type: 'int' }]) });
  assert.equal(loose.status, 200, JSON.stringify(loose.body));
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${encodeURIComponent(s)}/versions`)).body, [1, 2]);

  // Confluent's context URLs: a client whose base URL is /contexts/.staging sees that context's subjects unqualified.
  const base = `${r.url}/contexts/.staging`;
  assert.deepEqual((await call(base, 'GET', '/subjects')).body, [s]);
  assert.deepEqual((await call(base, 'GET', '/subjects/orders-value/versions')).body, [1, 2]);
  const viaContext = await call(base, 'POST', '/subjects/payments-value/versions', { schema: user() });
  assert.equal(viaContext.status, 200);
  assert.ok(((await call(r.url, 'GET', '/subjects')).body as string[]).includes(':.staging:payments-value'));
  assert.deepEqual((await call(base, 'GET', '/config')).body, { compatibilityLevel: 'NONE' });
  assert.equal((await call(base, 'GET', `/schemas/ids/${viaContext.body.id}`)).status, 200);
});

test('data contracts: metadata and ruleSet are stored, returned and carried to the next version', async () => {
  const s = 'rest-contract-value';
  const metadata = { properties: { owner: 'team-a' } };
  const ruleSet = { domainRules: [{ name: 'checkName', kind: 'CONDITION', type: 'CEL', mode: 'WRITE', expr: "message.name != ''" }] };
  const reg = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user([{ name: 'name', type: 'string' }, { name: 'k', type: 'int', default: 2 }]), metadata, ruleSet });
  assert.equal(reg.status, 200);
  const v1 = await call(r.url, 'GET', `/subjects/${s}/versions/1`);
  assert.deepEqual(v1.body.metadata, metadata);
  assert.deepEqual(v1.body.ruleSet, ruleSet);
  await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user([{ name: 'name', type: 'string' }]) });
  assert.deepEqual((await call(r.url, 'GET', `/subjects/${s}/versions/2`)).body.metadata, metadata);
  // The same text with other metadata is another schema, with its own id.
  const other = await call(r.url, 'POST', '/subjects/rest-contract-other/versions', { schema: user([{ name: 'name', type: 'string' }]), metadata: { properties: { owner: 'team-b' } } });
  const plain = await call(r.url, 'POST', '/subjects/rest-contract-plain/versions', { schema: user([{ name: 'name', type: 'string' }]) });
  assert.notEqual(other.body.id, plain.body.id);
  const badRules = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user(), ruleSet: { domainRules: [{ kind: 'CONDITION', type: 'CEL' }] } });
  assert.equal(badRules.body.error_code, 42210);
});

test('bad input: Confluent error codes, and the server keeps serving', async () => {
  const s = 'rest-bad-value';
  const invalidJson = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: '{"type": "record", "name": "X"' });
  assert.equal(invalidJson.status, 422);
  assert.equal(invalidJson.body.error_code, 42201);
  const noFields = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: '{"type":"record","name":"X"}' });
  assert.equal(noFields.body.error_code, 42201);
  const badDefault = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user([{ name: 'n', type: 'int', default: 'x' }]) });
  assert.equal(badDefault.body.error_code, 42201);
  assert.equal((await call(r.url, 'POST', `/subjects/${s}/versions`, {})).body.error_code, 42201);
  assert.equal((await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user(), schemaType: 'XML' })).body.error_code, 42201);

  const body = await call(r.url, 'POST', `/subjects/${s}/versions`, '{not json');
  assert.equal(body.status, 400);
  const wrongType = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user() }, 'text/plain');
  assert.equal(wrongType.status, 415);
  assert.equal(wrongType.body.error_code, 415);
  const octet = await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: user() }, 'application/octet-stream');
  assert.equal(octet.status, 200);

  const html = await fetch(`${r.url}/subjects`, { headers: { accept: 'text/html' } });
  assert.equal(html.status, 406);
  assert.deepEqual(await html.json(), { error_code: 406, message: 'HTTP 406 Not Acceptable' });
  assert.equal((await fetch(`${r.url}/subjects`, { headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json;q=0.9' } })).status, 200);

  const huge = await fetch(`${r.url}/subjects/${s}/versions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: 'x'.repeat(17 * 1024 * 1024) }),
  });
  assert.equal(huge.status, 413);
  assert.equal(((await huge.json()) as { error_code: number }).error_code, 413);

  assert.equal((await call(r.url, 'GET', '/subjects/no-such-subject/versions')).body.error_code, 40401);
  assert.equal((await call(r.url, 'GET', '/subjects/no-such-subject/versions/1')).body.error_code, 40401);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions/99`)).body.error_code, 40402);
  const badVersion = await call(r.url, 'GET', `/subjects/${s}/versions/abc`);
  assert.equal(badVersion.status, 422);
  assert.equal(badVersion.body.error_code, 42202);
  assert.equal((await call(r.url, 'GET', `/subjects/${s}/versions/0`)).body.error_code, 42202);
  assert.equal((await call(r.url, 'GET', '/schemas/ids/987654')).body.error_code, 40403);
  assert.equal((await call(r.url, 'GET', '/schemas/ids/abc')).body.error_code, 40403);
  const notRegistered = await call(r.url, 'POST', `/subjects/${s}`, { schema: user([{ name: 'never', type: 'int' }]) });
  assert.equal(notRegistered.body.error_code, 40403);
  assert.equal((await call(r.url, 'POST', '/subjects/no-such-subject', { schema: user() })).body.error_code, 40401);
  assert.equal((await call(r.url, 'PATCH', '/subjects')).status, 405);
  assert.equal((await call(r.url, 'GET', '/subjects/%E0%A4%A/versions')).status, 400);
  const control = await call(r.url, 'POST', `/subjects/${encodeURIComponent('bad\u0001subject')}/versions`, { schema: user() });
  assert.equal(control.body.error_code, 42208);
  // Nesting deep enough to exhaust the stack is an invalid schema, not a crash.
  let deep = '"string"';
  for (let i = 0; i < 20_000; i++) deep = `{"type":"array","items":${deep}}`;
  assert.equal((await call(r.url, 'POST', `/subjects/${s}/versions`, { schema: deep })).body.error_code, 42201);
  assert.equal((await call(r.url, 'GET', '/subjects')).status, 200);
});

test('normalize=true stores the normalized form (Avro: full names), and finds it again', async () => {
  const schema = JSON.stringify({ type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'f', type: { type: 'enum', name: 'E', symbols: ['A'] } }] });
  const res = await call(r.url, 'POST', '/subjects/rest-normalized/versions?normalize=true', { schema });
  assert.equal(res.status, 200);
  const stored = (await call(r.url, 'GET', '/subjects/rest-normalized/versions/1')).body.schema as string;
  assert.equal(stored, '{"type":"record","name":"n.R","fields":[{"name":"f","type":{"type":"enum","name":"n.E","symbols":["A"]}}]}');
  assert.equal((await call(r.url, 'POST', '/subjects/rest-normalized?normalize=true', { schema })).body.id, res.body.id);
  await call(r.url, 'PUT', '/config/rest-normalized', { normalize: true });
  assert.deepEqual((await call(r.url, 'GET', '/config/rest-normalized')).body, { normalize: true });
  assert.deepEqual((await call(r.url, 'POST', '/subjects/rest-normalized/versions', { schema })).body, { id: res.body.id });
});

test('the registry can be mounted under a prefix', async () => {
  const prefixed = await startTestRegistry({ route: { prefix: '/schema-registry' } });
  try {
    assert.equal((await call(prefixed.url, 'POST', '/subjects/p/versions', { schema: user() })).status, 200);
    assert.deepEqual((await call(prefixed.url, 'GET', '/subjects')).body, ['p']);
    const root = await fetch(`http://127.0.0.1:${prefixed.http.port}/subjects`);
    assert.equal(root.status, 404);
  } finally {
    await prefixed.stop();
  }
});
