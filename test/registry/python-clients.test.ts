// confluent-kafka-python's SchemaRegistryClient and its Avro, JSON Schema and
// Protobuf serializers (compat/python/scenario_schema_registry.py) against the
// platform: Python produces records the JS clients decode, and decodes records
// the JS clients produced.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AvroDeserializer, AvroSerializer, JsonDeserializer, JsonSerializer, ProtobufDeserializer, SchemaRegistryClient, SerdeType,
} from '@confluentinc/schemaregistry';
import { KafkaClient } from '../../src/client/index.js';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { describe, lastJson, requirePython, run, uniqueTopic } from '../compat/clients.js';

let broker: BrokerProcess;
let python: string;
let client: KafkaClient;
let registryUrl: string;

before(async () => {
  python = await requirePython();
  broker = await startBrokerProcess();
  registryUrl = `http://127.0.0.1:${broker.httpPort}`;
  client = await KafkaClient.connect({ bootstrap: [broker.bootstrap] });
});

after(async () => {
  await client?.close();
  await broker?.stop();
});

async function fetchValues(topic: string, count: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = 0;
  const deadline = Date.now() + 10_000;
  while (out.length < count && Date.now() < deadline) {
    const r = await client.fetch(topic, 0, offset, { maxWaitMs: 200 });
    for (const rec of r.records) out.push(rec.value!);
    offset = r.nextOffset;
  }
  return out;
}

async function produceValues(topic: string, values: Buffer[]): Promise<void> {
  const producer = client.producer();
  await producer.send(topic, values.map((value, i) => ({ key: Buffer.from(`k${i}`), value, partition: 0 })));
  await producer.close();
}

async function runPython(args: string[]): Promise<Record<string, unknown>> {
  const r = await run(python, [join(repoRoot(), 'compat', 'python', 'scenario_schema_registry.py'),
    '--bootstrap-server', broker.bootstrap, '--registry', registryUrl, ...args], { timeoutMs: 60_000 });
  const failure = `${describe('scenario_schema_registry.py', r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
  assert.equal(r.code, 0, failure);
  return lastJson(r);
}

test('SchemaRegistryClient admin calls and error codes (confluent-kafka-python)', async () => {
  const subject = uniqueTopic('sr-py-admin');
  const r = await runPython(['--admin-subject', subject]);
  assert.equal(r['v2_compatible'], true);
  assert.equal(r['bad_compatible'], false);
  assert.ok((r['id2'] as number) > (r['id1'] as number));
  assert.deepEqual(r['incompatible'], { http_status: 409, error_code: 409 });
  assert.deepEqual(r['versions'], [1, 2]);
  assert.equal(r['lookup_version'], 1);
  assert.equal(r['latest_version'], 2);
  assert.equal(r['by_id_type'], 'AVRO');
  assert.deepEqual(r['set_compatibility'], { compatibility: 'FULL' });
  assert.equal(r['compatibility'], 'FULL');
  assert.equal(r['subjects_contains'], true);
  assert.deepEqual(r['unknown_subject'], { http_status: 404, error_code: 40401 });
  assert.deepEqual(r['unknown_version'], { http_status: 404, error_code: 40402 });
  assert.deepEqual(r['unknown_id'], { http_status: 404, error_code: 40403 });
  assert.deepEqual(r['invalid_schema'], { http_status: 422, error_code: 42201 });
  assert.deepEqual(r['deleted_versions'], [1, 2]);
  assert.deepEqual(r['after_delete'], { http_status: 404, error_code: 40401 });
  assert.deepEqual(r['permanent'], [1, 2]);
});

const expected = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `user-${i}`, age: i }));

const AVRO_USER = JSON.stringify({
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }],
});

test('Avro: Python serializes and produces, JS decodes; JS produces, Python decodes', async () => {
  const fromPython = uniqueTopic('sr-py-avro');
  const fromJs = uniqueTopic('sr-js-avro');
  await client.createTopic(fromPython, { partitions: 1 });
  await client.createTopic(fromJs, { partitions: 1 });
  const sr = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  await sr.register(`${fromJs}-value`, { schemaType: 'AVRO', schema: AVRO_USER });
  const ser = new AvroSerializer(sr, SerdeType.VALUE, { useLatestVersion: true });
  await produceValues(fromJs, await Promise.all(expected(3).map((u) => ser.serialize(fromJs, u))));

  const summary = await runPython(['--format', 'avro', '--produce-topic', fromPython, '--consume-topic', fromJs, '--count', '3']);
  assert.deepEqual(summary['consumed'], expected(3));
  assert.equal((summary['registered'] as { type: string }).type, 'AVRO');

  const des = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  const decoded = await Promise.all((await fetchValues(fromPython, 3)).map((v) => des.deserialize(fromPython, v)));
  assert.deepEqual(decoded.map((d: object) => ({ ...d })), expected(3));
});

const JSON_USER = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'User', type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'],
});

test('JSON Schema: Python serializes and produces, JS decodes; JS produces, Python decodes', async () => {
  const fromPython = uniqueTopic('sr-py-json');
  const fromJs = uniqueTopic('sr-js-json');
  await client.createTopic(fromPython, { partitions: 1 });
  await client.createTopic(fromJs, { partitions: 1 });
  const sr = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  await sr.register(`${fromJs}-value`, { schemaType: 'JSON', schema: JSON_USER });
  const ser = new JsonSerializer(sr, SerdeType.VALUE, { useLatestVersion: true });
  await produceValues(fromJs, await Promise.all(expected(3).map((u) => ser.serialize(fromJs, u))));

  const summary = await runPython(['--format', 'json', '--produce-topic', fromPython, '--consume-topic', fromJs, '--count', '3']);
  assert.deepEqual(summary['consumed'], expected(3));
  assert.equal((summary['registered'] as { type: string }).type, 'JSON');

  const des = new JsonDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  const decoded = await Promise.all((await fetchValues(fromPython, 3)).map((v) => des.deserialize(fromPython, v)));
  assert.deepEqual(decoded, expected(3));
});

test('Protobuf: Python serializes and produces, JS decodes; JS produces with the same schema, Python decodes', async () => {
  const fromPython = uniqueTopic('sr-py-protobuf');
  const fromJs = uniqueTopic('sr-js-protobuf');
  await client.createTopic(fromPython, { partitions: 1 });
  await client.createTopic(fromJs, { partitions: 1 });

  const summary = await runPython(['--format', 'protobuf', '--produce-topic', fromPython, '--count', '3']);
  assert.equal((summary['registered'] as { type: string }).type, 'PROTOBUF');
  const des = new ProtobufDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  const values = await fetchValues(fromPython, 3);
  const decoded = await Promise.all(values.map((v) => des.deserialize(fromPython, v))) as { name: string; age: number }[];
  assert.deepEqual(decoded.map((d) => ({ name: d.name, age: d.age })), expected(3));

  // The JS side produces the same payload framing under its own subject (the registered schema reused by id).
  const id = values[0]!.readUInt32BE(1);
  await fetch(`${registryUrl}/subjects/${fromJs}-value/versions`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(await fetch(`${registryUrl}/schemas/ids/${id}`).then((r) => r.json())),
  });
  await produceValues(fromJs, values);
  const back = await runPython(['--format', 'protobuf', '--consume-topic', fromJs, '--count', '3']);
  assert.deepEqual(back['consumed'], expected(3));
});
