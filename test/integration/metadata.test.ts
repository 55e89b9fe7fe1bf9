// Metadata over a real listener: all topics, named topics, auto-creation (and
// the two ways to refuse it), invalid names, topic ids (v10+) and lookup by id (v12).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type MetadataResponse } from '../../src/protocol/generated/index.js';
import { UUID_ZERO } from '../../src/protocol/codec-runtime.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, createTopic, uniqueTopic, watchBrokerErrors } from './support.js';

const NUM_PARTITIONS = 3;

let broker: EmbeddedBroker;
/** auto.create.topics.enable=false */
let noAutoBroker: EmbeddedBroker;
let c: WireClient;
let topicA: string;
let topicB: string;
let topicAId: string;
const watch = watchBrokerErrors();

before(async () => {
  [broker, noAutoBroker] = await Promise.all([
    startEmbeddedBroker({ overrides: [`num.partitions=${NUM_PARTITIONS}`] }),
    startEmbeddedBroker({ overrides: ['auto.create.topics.enable=false'] }),
  ]);
  c = await WireClient.connect(broker.host, broker.port);
  topicA = uniqueTopic('meta-a');
  topicB = uniqueTopic('meta-b');
  topicAId = await createTopic(c, topicA, 2);
  await createTopic(c, topicB, 1);
});

after(async () => {
  c?.close();
  await Promise.all([broker?.stop(), noAutoBroker?.stop()]);
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

function names(res: MetadataResponse): (string | null)[] {
  return res.topics.map((t) => t.name);
}

function assertSingleBrokerLeads(res: MetadataResponse, b: EmbeddedBroker, topic: string, partitions: number): void {
  assert.equal(res.brokers.length, 1);
  const nodeId = res.brokers[0]!.nodeId;
  assert.equal(res.brokers[0]!.host, b.host);
  assert.equal(res.brokers[0]!.port, b.port);
  const t = res.topics.find((x) => x.name === topic);
  assert.ok(t, `${topic} is in the response`);
  assertError(t.errorCode, ErrorCode.NONE);
  assert.deepEqual(t.partitions.map((p) => p.partitionIndex).sort(), Array.from({ length: partitions }, (_, i) => i));
  for (const p of t.partitions) {
    assertError(p.errorCode, ErrorCode.NONE);
    assert.equal(p.leaderId, nodeId);
    assert.deepEqual(p.replicaNodes, [nodeId]);
    assert.deepEqual(p.isrNodes, [nodeId]);
    assert.deepEqual(p.offlineReplicas, []);
  }
}

test('a null topic list (v1+) returns every topic', async () => {
  for (const version of [1, 4, 9, 12]) {
    const res = await c.request(ApiKey.Metadata, version, { topics: null, allowAutoTopicCreation: false });
    assert.ok(names(res).includes(topicA) && names(res).includes(topicB), `v${version}: ${names(res).join(',')}`);
    assertSingleBrokerLeads(res, broker, topicA, 2);
    assertSingleBrokerLeads(res, broker, topicB, 1);
    assert.equal(res.controllerId, res.brokers[0]!.nodeId);
    if (version >= 2) assert.ok(res.clusterId !== null && res.clusterId.length > 0);
  }
});

test('an empty topic list means every topic in v0 and none in v1+', async () => {
  const v0 = await c.request(ApiKey.Metadata, 0, { topics: [] });
  assert.ok(names(v0).includes(topicA) && names(v0).includes(topicB));
  assertSingleBrokerLeads(v0, broker, topicA, 2);
  for (const version of [1, 12]) {
    const res = await c.request(ApiKey.Metadata, version, { topics: [], allowAutoTopicCreation: false });
    assert.deepEqual(res.topics, [], `v${version}`);
    assert.equal(res.brokers.length, 1);
  }
});

test('named topics return only those topics', async () => {
  const res = await c.request(ApiKey.Metadata, 9, { topics: [{ name: topicB }, { name: topicA }], allowAutoTopicCreation: false });
  assert.deepEqual(names(res).sort(), [topicA, topicB].sort());
  assertSingleBrokerLeads(res, broker, topicA, 2);
  assert.ok(res.topics.every((t) => !t.isInternal));
});

test('an unknown topic is auto-created with num.partitions when the request allows it', async () => {
  const name = uniqueTopic('auto');
  const res = await c.request(ApiKey.Metadata, 12, { topics: [{ name }], allowAutoTopicCreation: true });
  assert.equal(res.topics.length, 1);
  assertSingleBrokerLeads(res, broker, name, NUM_PARTITIONS);
  assert.notEqual(res.topics[0]!.topicId, UUID_ZERO);
  // It exists now: listed among all topics, and CreateTopics refuses it.
  const all = await c.request(ApiKey.Metadata, 12, { topics: null });
  assert.ok(names(all).includes(name));
  const again = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
  assertError(again.topics[0]!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('Metadata v0-v3 auto-create (the flag arrived in v4)', async () => {
  const name = uniqueTopic('auto-v3');
  const res = await c.request(ApiKey.Metadata, 3, { topics: [{ name }] });
  assertSingleBrokerLeads(res, broker, name, NUM_PARTITIONS);
});

test('allow_auto_topic_creation=false: UNKNOWN_TOPIC_OR_PARTITION and nothing created', async () => {
  const name = uniqueTopic('no-auto');
  const res = await c.request(ApiKey.Metadata, 12, { topics: [{ name }, { name: topicA }], allowAutoTopicCreation: false });
  // Kafka does not promise the request's order.
  const unknown = res.topics.find((t) => t.name === name)!;
  assertError(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.deepEqual(unknown.partitions, []);
  assertError(res.topics.find((t) => t.name === topicA)!.errorCode, ErrorCode.NONE);
  const all = await c.request(ApiKey.Metadata, 12, { topics: null });
  assert.ok(!names(all).includes(name));
});

test('auto.create.topics.enable=false: UNKNOWN_TOPIC_OR_PARTITION even when the request allows creation', async () => {
  const other = await WireClient.connect(noAutoBroker.host, noAutoBroker.port);
  try {
    const name = uniqueTopic('disabled');
    for (const version of [3, 12]) {
      const res = await other.request(ApiKey.Metadata, version, { topics: [{ name }], allowAutoTopicCreation: true });
      assertError(res.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version}`);
    }
    const all = await other.request(ApiKey.Metadata, 12, { topics: null });
    assert.deepEqual(names(all), []);
  } finally {
    other.close();
  }
});

test('an invalid topic name gets INVALID_TOPIC_EXCEPTION, whether or not creation is allowed', async () => {
  for (const allow of [true, false]) {
    for (const name of ['bad name!', '..', 'a'.repeat(250), 'tab\there']) {
      const res = await c.request(ApiKey.Metadata, 12, { topics: [{ name }], allowAutoTopicCreation: allow });
      assertError(res.topics[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, `${JSON.stringify(name)} allow=${allow}`);
      assert.equal(res.topics[0]!.name, name);
    }
  }
});

test('topic ids appear from v10 on and match CreateTopics', async () => {
  for (const version of [10, 11, 12]) {
    const res = await c.request(ApiKey.Metadata, version, { topics: [{ name: topicA }], allowAutoTopicCreation: false });
    assert.equal(res.topics[0]!.topicId, topicAId, `v${version}`);
  }
  const v9 = await c.request(ApiKey.Metadata, 9, { topics: [{ name: topicA }], allowAutoTopicCreation: false });
  assert.equal(v9.topics[0]!.topicId, UUID_ZERO);
  assert.notEqual(topicAId, UUID_ZERO);
});

test('v12 looks topics up by id; an unknown id gets UNKNOWN_TOPIC_ID with a null name', async () => {
  const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
  const res = await c.request(ApiKey.Metadata, 12, {
    topics: [{ topicId: topicAId, name: null }, { topicId: unknownId, name: null }],
    allowAutoTopicCreation: true,
  });
  assert.equal(res.topics.length, 2);
  const known = res.topics.find((t) => t.topicId === topicAId)!;
  assert.equal(known.name, topicA);
  assertSingleBrokerLeads(res, broker, topicA, 2);
  const unknown = res.topics.find((t) => t.topicId === unknownId)!;
  assertError(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal(unknown.name, null);
});

test('v10 and v11 naming a topic by id get INVALID_REQUEST (only v12 may)', async () => {
  for (const version of [10, 11]) {
    const res = await c.request(ApiKey.Metadata, version, { topics: [{ topicId: topicAId, name: null }, { name: topicB }], allowAutoTopicCreation: false });
    assert.deepEqual(res.topics.map((t) => t.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST], `v${version}`);
  }
});
