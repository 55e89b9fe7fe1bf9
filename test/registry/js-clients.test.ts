// Real registry clients against the platform: @kafkajs/confluent-schema-registry
// and @confluentinc/schemaregistry register schemas and (de)serialize records
// that kafkajs produces to Tributary; what one client writes, the other reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SchemaRegistry as KafkajsRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  AvroDeserializer, AvroSerializer, JsonDeserializer, JsonSerializer, ProtobufDeserializer, ProtobufSerializer,
  SchemaRegistryClient, SerdeType,
} from '@confluentinc/schemaregistry';
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import kafkajs from 'kafkajs';
import { KafkaClient } from '../../src/client/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { uniqueTopic } from '../compat/clients.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

let broker: EmbeddedBroker;
let registryUrl: string;
let client: KafkaClient;

before(async () => {
  broker = await startEmbeddedBroker();
  registryUrl = `http://127.0.0.1:${broker.httpPort}`;
  client = await KafkaClient.connect({ bootstrap: [broker.bootstrap] });
});

after(async () => {
  await client?.close();
  await broker?.stop();
});

async function produce(topic: string, values: Buffer[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'sr-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  } finally {
    await producer.disconnect();
  }
}

async function consume(topic: string, count: number): Promise<Buffer[]> {
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

const userSchema = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }, { name: 'email', type: ['null', 'string'], default: null }],
};

test('@kafkajs/confluent-schema-registry encodes, @confluentinc/schemaregistry decodes (Avro)', async () => {
  const topic = uniqueTopic('sr-kafkajs-avro');
  await client.createTopic(topic, { partitions: 1 });
  const registry = new KafkajsRegistry({ host: registryUrl });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userSchema) }, { subject: `${topic}-value` });
  assert.ok(id > 0);
  assert.equal(await registry.getLatestSchemaId(`${topic}-value`), id);
  const users = [{ name: 'ada', age: 36, email: 'ada@example.com' }, { name: 'bob', age: 7, email: null }];
  await produce(topic, await Promise.all(users.map((u) => registry.encode(id, u))));

  const srClient = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const deserializer = new AvroDeserializer(srClient, SerdeType.VALUE, {});
  const values = await consume(topic, users.length);
  const decoded = await Promise.all(values.map((v) => deserializer.deserialize(topic, v)));
  assert.deepEqual(decoded.map((d: { name: string; age: number; email: string | null }) => ({ ...d })), users);
  // And kafkajs's client reads them back too.
  assert.deepEqual({ ...(await registry.decode(values[0]!)) }, users[0]);
});

test('@confluentinc/schemaregistry auto-registers and encodes, @kafkajs/confluent-schema-registry decodes (Avro)', async () => {
  const topic = uniqueTopic('sr-confluent-avro');
  await client.createTopic(topic, { partitions: 1 });
  const srClient = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const id = await srClient.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(userSchema) });
  const ser = new AvroSerializer(srClient, SerdeType.VALUE, { useLatestVersion: true });
  const payload = await ser.serialize(topic, { name: 'cy', age: 40, email: null });
  assert.equal(payload.readUInt32BE(1), id);
  await produce(topic, [payload]);
  const [value] = await consume(topic, 1);
  const registry = new KafkajsRegistry({ host: registryUrl });
  assert.deepEqual({ ...(await registry.decode(value!)) }, { name: 'cy', age: 40, email: null });

  // Evolution through the client: a compatible version registers, an incompatible one is refused with 409.
  const v2 = { ...userSchema, fields: [...userSchema.fields, { name: 'score', type: 'double', default: 0 }] };
  const id2 = await srClient.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(v2) });
  assert.ok(id2 > id);
  // (a fresh client: the first one caches the latest version it served the serializer)
  const latest = await new SchemaRegistryClient({ baseURLs: [registryUrl] }).getLatestSchemaMetadata(`${topic}-value`);
  assert.equal(latest.version, 2);
  const bad = { ...userSchema, fields: [...userSchema.fields, { name: 'required', type: 'long' }] };
  await assert.rejects(srClient.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(bad) }),
    (e: { status?: number; errorCode?: number }) => e.status === 409);
  assert.deepEqual(await srClient.getAllVersions(`${topic}-value`), [1, 2]);
  assert.equal(await srClient.getCompatibility(`${topic}-value`).catch((e: { errorCode?: number }) => e.errorCode), 40408);
  await srClient.updateCompatibility(`${topic}-value`, 'FULL' as never);
  assert.equal(await srClient.getCompatibility(`${topic}-value`), 'FULL');

  // kafkajs's client registering an incompatible schema gets its compatibility error.
  await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(bad) }, { subject: `${topic}-value` }),
    (e: Error) => e.name === 'ConfluentSchemaRegistryCompatibilityError');
});

test('@confluentinc/schemaregistry data contracts: the latest version with given metadata', async () => {
  const subject = `${uniqueTopic('sr-metadata')}-value`;
  const sr = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const v1 = { ...userSchema, fields: [{ name: 'name', type: 'string' }] };
  await sr.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(v1), metadata: { properties: { major: '1' } } });
  const v2 = { ...v1, fields: [...v1.fields, { name: 'nick', type: 'string', default: '' }] };
  await sr.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(v2), metadata: { properties: { major: '2' } } });
  const one = await sr.getLatestWithMetadata(subject, { major: '1' });
  assert.equal(one.version, 1);
  assert.deepEqual(one.metadata?.properties, { major: '1' });
  assert.equal((await sr.getLatestWithMetadata(subject, { major: '2' })).version, 2);
  await assert.rejects(sr.getLatestWithMetadata(subject, { major: '3' }), (e: { errorCode?: number }) => e.errorCode === 40403);
});

test('@confluentinc/schemaregistry with autoRegisterSchemas registers the schema it infers', async () => {
  const topic = uniqueTopic('sr-confluent-auto');
  const srClient = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const serializer = new AvroSerializer(srClient, SerdeType.VALUE, { autoRegisterSchemas: true });
  const payload = await serializer.serialize(topic, { city: 'Oslo', zip: 150 });
  const id = payload.readUInt32BE(1);
  const registered = await fetch(`${registryUrl}/subjects/${topic}-value/versions/latest`).then((r) => r.json()) as { id: number; schema: string };
  assert.equal(registered.id, id);
  const deserializer = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  assert.deepEqual({ ...(await deserializer.deserialize(topic, payload)) }, { city: 'Oslo', zip: 150 });
});

test('@confluentinc/schemaregistry JSON Schema serializer and deserializer round trip through Tributary', async () => {
  const topic = uniqueTopic('sr-confluent-json');
  await client.createTopic(topic, { partitions: 1 });
  const schema = JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object',
    properties: { sensor: { type: 'string' }, value: { type: 'number' } }, required: ['sensor', 'value'],
  });
  const sr = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const id = await sr.register(`${topic}-value`, { schemaType: 'JSON', schema });
  const ser = new JsonSerializer(sr, SerdeType.VALUE, { useLatestVersion: true, validate: true });
  const readings = [{ sensor: 's1', value: 1.5 }, { sensor: 's2', value: -3 }];
  const payloads = await Promise.all(readings.map((r) => ser.serialize(topic, r)));
  assert.equal(payloads[0]!.readUInt32BE(1), id);
  await produce(topic, payloads);
  const des = new JsonDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  const decoded = await Promise.all((await consume(topic, 2)).map((v) => des.deserialize(topic, v)));
  assert.deepEqual(decoded, readings);
  // The serializer validates against the registered schema.
  await assert.rejects(ser.serialize(topic, { sensor: 's3' }));
});

test('@kafkajs/confluent-schema-registry with JSON Schema and Protobuf: registers text schemas and decodes from what the registry returns', async () => {
  const registry = new KafkajsRegistry({ host: registryUrl });
  const topic = uniqueTopic('sr-kafkajs-json');
  const jsonSchema = JSON.stringify({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
  const { id: jsonId } = await registry.register({ type: SchemaType.JSON, schema: jsonSchema }, { subject: `${topic}-value` });
  const encoded = await registry.encode(jsonId, { n: 5 });
  assert.deepEqual(await registry.decode(encoded), { n: 5 });
  // The framing is Confluent's: @confluentinc/schemaregistry decodes it.
  const des = new JsonDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  assert.deepEqual(await des.deserialize(topic, encoded), { n: 5 });

  // kafkajs's client parses the canonical .proto text this registry returns (fully-qualified type names included).
  const proto = 'syntax = "proto3";\npackage kjs;\nmessage Outer {\n  Inner inner = 1;\n  message Inner { string word = 1; }\n}\n';
  const { id: protoId } = await registry.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: `${topic}-proto` });
  const fresh = new KafkajsRegistry({ host: registryUrl });
  const bytes = await fresh.encode(protoId, { inner: { word: 'hi' } });
  assert.deepEqual(JSON.parse(JSON.stringify(await new KafkajsRegistry({ host: registryUrl }).decode(bytes))), { inner: { word: 'hi' } });
});

test('@confluentinc/schemaregistry Protobuf serializer registers the serialized descriptor; the deserializer reads it back', async () => {
  const topic = uniqueTopic('sr-confluent-protobuf');
  await client.createTopic(topic, { partitions: 1 });
  // A message type built at run time from the registry's own serialized form of a .proto text.
  const text = 'syntax = "proto3";\npackage demo;\nmessage Ping {\n  string from = 1;\n  int64 seq = 2;\n  repeated string tags = 3;\n}\n';
  const tmp = await fetch(`${registryUrl}/subjects/${topic}-scratch/versions`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schemaType: 'PROTOBUF', schema: text }),
  }).then((r) => r.json()) as { id: number };
  const serialized = await fetch(`${registryUrl}/schemas/ids/${tmp.id}?format=serialized`).then((r) => r.json()) as { schema: string };
  const fdp = fromBinary(FileDescriptorProtoSchema, Buffer.from(serialized.schema, 'base64'));
  fdp.name = 'ping.proto';
  const registry = createFileRegistry(fdp, () => undefined);
  const desc = registry.getMessage('demo.Ping')!;
  assert.ok(desc !== undefined);

  const sr = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const ser = new ProtobufSerializer(sr, SerdeType.VALUE, { autoRegisterSchemas: true });
  ser.registry.add(desc);
  const msg = create(desc, { from: 'js', seq: 7n, tags: ['a', 'b'] });
  const payload = await ser.serialize(topic, msg);
  await produce(topic, [payload]);
  const registered = await fetch(`${registryUrl}/subjects/${topic}-value/versions/latest`).then((r) => r.json()) as { schemaType: string; schema: string };
  assert.equal(registered.schemaType, 'PROTOBUF');
  assert.match(registered.schema, /message Ping \{/);

  const des = new ProtobufDeserializer(new SchemaRegistryClient({ baseURLs: [registryUrl] }), SerdeType.VALUE, {});
  const [value] = await consume(topic, 1);
  const decoded = await des.deserialize(topic, value!) as { from: string; seq: bigint; tags: string[] };
  assert.equal(decoded.from, 'js');
  assert.equal(decoded.seq, 7n);
  assert.deepEqual(decoded.tags, ['a', 'b']);
});
