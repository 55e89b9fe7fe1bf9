// The admin APIs over a real listener: CreateTopics, DeleteTopics,
// DescribeConfigs and DescribeCluster, with Kafka's error codes and messages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type DescribeConfigsResponseDescribeConfigsResourceResult } from '../../src/protocol/generated/index.js';
import { UUID_ZERO } from '../../src/protocol/codec-runtime.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, asStored, createTopic, fetchPartition, produce, uniqueTopic, watchBrokerErrors } from './support.js';

const NUM_PARTITIONS = 4;
const TOPIC = 2;
const BROKER = 4;
const SOURCE = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

let broker: EmbeddedBroker;
/** delete.topic.enable=false */
let noDeleteBroker: EmbeddedBroker;
let c: WireClient;
let nodeId: number;
let clusterId: string;
const watch = watchBrokerErrors();

before(async () => {
  [broker, noDeleteBroker] = await Promise.all([
    startEmbeddedBroker({ overrides: [`num.partitions=${NUM_PARTITIONS}`] }),
    startEmbeddedBroker({ overrides: ['delete.topic.enable=false'] }),
  ]);
  c = await WireClient.connect(broker.host, broker.port);
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [] });
  nodeId = meta.brokers[0]!.nodeId;
  clusterId = meta.clusterId!;
});

after(async () => {
  c?.close();
  await Promise.all([broker?.stop(), noDeleteBroker?.stop()]);
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

async function topicExists(name: string, client = c): Promise<boolean> {
  const res = await client.request(ApiKey.Metadata, 12, { topics: [{ name }], allowAutoTopicCreation: false });
  return res.topics[0]!.errorCode === ErrorCode.NONE;
}

async function createOne(topic: { name: string; numPartitions?: number; replicationFactor?: number; configs?: Record<string, string | null> }, opts: { version?: number; validateOnly?: boolean } = {}) {
  const res = await c.request(ApiKey.CreateTopics, opts.version ?? 7, {
    topics: [{
      name: topic.name, numPartitions: topic.numPartitions ?? 1, replicationFactor: topic.replicationFactor ?? 1,
      configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
    }],
    timeoutMs: 5000, validateOnly: opts.validateOnly ?? false,
  });
  assert.equal(res.topics.length, 1);
  return res.topics[0]!;
}

async function describeTopic(name: string, opts: { keys?: string[] | null; synonyms?: boolean; documentation?: boolean; version?: number } = {}) {
  const res = await c.request(ApiKey.DescribeConfigs, opts.version ?? 4, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: opts.keys ?? null }],
    includeSynonyms: opts.synonyms ?? false, includeDocumentation: opts.documentation ?? false,
  });
  assert.equal(res.results.length, 1);
  return res.results[0]!;
}

function entry(configs: DescribeConfigsResponseDescribeConfigsResourceResult[], name: string): DescribeConfigsResponseDescribeConfigsResourceResult {
  const e = configs.find((x) => x.name === name);
  assert.ok(e, `${name} is described`);
  return e;
}

// ---- CreateTopics ----

test('CreateTopics with validate_only answers as if created but creates nothing', async () => {
  const name = uniqueTopic('validate');
  const t = await createOne({ name, numPartitions: 3, configs: { 'retention.ms': '1000' } }, { validateOnly: true });
  assertError(t.errorCode, ErrorCode.NONE, `${t.errorMessage}`);
  assert.equal(t.numPartitions, 3);
  assert.equal(t.replicationFactor, 1);
  assert.notEqual(t.topicId, UUID_ZERO);
  // The configs the topic would have, overrides marked as such (Java's AdminClient reads these).
  assert.ok(t.configs !== null && t.configs.length > 10);
  assert.equal(t.configs.find((x) => x.name === 'retention.ms')?.value, '1000');
  assert.equal(t.configs.find((x) => x.name === 'retention.ms')?.configSource, SOURCE.TOPIC_CONFIG);
  assert.equal(t.configs.find((x) => x.name === 'cleanup.policy')?.configSource, SOURCE.DEFAULT_CONFIG);
  assert.equal(await topicExists(name), false);
  // Validation still applies.
  const bad = await createOne({ name, configs: { 'retention.ms': 'soon' } }, { validateOnly: true });
  assertError(bad.errorCode, ErrorCode.INVALID_CONFIG);
  // And the real creation is still possible.
  assertError((await createOne({ name })).errorCode, ErrorCode.NONE);
});

test('CreateTopics applies configs: DescribeConfigs shows them as TOPIC_CONFIG', async () => {
  const name = uniqueTopic('configs');
  const t = await createOne({ name, configs: { 'retention.ms': '12345', 'cleanup.policy': 'compact', 'max.message.bytes': '50000' } });
  assertError(t.errorCode, ErrorCode.NONE);
  const d = await describeTopic(name);
  assertError(d.errorCode, ErrorCode.NONE);
  for (const [k, v] of [['retention.ms', '12345'], ['cleanup.policy', 'compact'], ['max.message.bytes', '50000']] as const) {
    const e = entry(d.configs, k);
    assert.equal(e.value, v, k);
    assert.equal(e.configSource, SOURCE.TOPIC_CONFIG, k);
    assert.equal(e.isDefault, false, k);
  }
  assert.equal(entry(d.configs, 'segment.bytes').configSource, SOURCE.DEFAULT_CONFIG);
});

test('replication factor 3 gets INVALID_REPLICATION_FACTOR with Kafka\'s message; 0 partitions INVALID_PARTITIONS', async () => {
  const name = uniqueTopic('rf3');
  const t = await createOne({ name, numPartitions: 2, replicationFactor: 3 });
  assertError(t.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(t.errorMessage, 'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.');
  assert.equal(t.numPartitions, -1);
  assert.equal(await topicExists(name), false);
  const rf0 = await createOne({ name, replicationFactor: 0 });
  assertError(rf0.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(rf0.errorMessage, 'Replication factor must be larger than 0, or -1 to use the default value.');
  const p0 = await createOne({ name, numPartitions: 0 });
  assertError(p0.errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(p0.errorMessage, 'Number of partitions was set to an invalid non-positive value.');
});

test('-1 partitions and replication factor take num.partitions and 1 (KIP-464)', async () => {
  const name = uniqueTopic('defaults');
  const t = await createOne({ name, numPartitions: -1, replicationFactor: -1 });
  assertError(t.errorCode, ErrorCode.NONE);
  assert.equal(t.numPartitions, NUM_PARTITIONS);
  assert.equal(t.replicationFactor, 1);
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name }] });
  assert.equal(meta.topics[0]!.partitions.length, NUM_PARTITIONS);
});

test('a name twice in one request gets INVALID_REQUEST once, and nothing is created', async () => {
  const name = uniqueTopic('dup');
  const other = uniqueTopic('dup-other');
  const res = await c.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1 }, { name: other, numPartitions: 1, replicationFactor: 1 }, { name, numPartitions: 2, replicationFactor: 1 }],
    timeoutMs: 5000,
  });
  const byName = res.topics.filter((t) => t.name === name);
  assert.equal(byName.length, 1, 'one result per name, as Kafka keys results by name');
  assertError(byName[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(byName[0]!.errorMessage, 'Duplicate topic name.');
  assertError(res.topics.find((t) => t.name === other)!.errorCode, ErrorCode.NONE);
  assert.equal(await topicExists(name), false);
});

test('an existing topic gets TOPIC_ALREADY_EXISTS', async () => {
  const name = uniqueTopic('exists');
  await createTopic(c, name, 1);
  const t = await createOne({ name, numPartitions: 2 });
  assertError(t.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal(t.errorMessage, `Topic '${name}' already exists.`);
  const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name }] });
  assert.equal(meta.topics[0]!.partitions.length, 1, 'the existing topic is unchanged');
});

test('a name that differs from an existing one only by \'.\' vs \'_\' collides (INVALID_TOPIC_EXCEPTION)', async () => {
  const base = uniqueTopic('collide');
  await createTopic(c, `${base}.x`, 1);
  const t = await createOne({ name: `${base}_x`, numPartitions: 1 });
  assertError(t.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal(t.errorMessage, `Topic '${base}_x' collides with existing topic: ${base}.x`);
});

test('an unknown config name or an invalid value gets INVALID_CONFIG', async () => {
  const cases: [Record<string, string | null>, string][] = [
    [{ 'no.such.config': '1' }, 'Unknown topic config name: no.such.config'],
    [{ 'retention.ms': 'abc' }, 'Invalid value abc for configuration retention.ms: Not a number of type LONG'],
    [{ 'cleanup.policy': 'bogus' }, 'Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete'],
    [{ 'retention.ms': null }, 'Null value not supported for topic configs: retention.ms'],
  ];
  for (const [configs, message] of cases) {
    const name = uniqueTopic('bad-config');
    const t = await createOne({ name, configs });
    assertError(t.errorCode, ErrorCode.INVALID_CONFIG, JSON.stringify(configs));
    assert.equal(t.errorMessage, message);
    assert.equal(await topicExists(name), false);
  }
});

test('an invalid topic name gets INVALID_TOPIC_EXCEPTION with Kafka\'s message', async () => {
  const cases: [string, string][] = [
    ['', 'Topic name is invalid: the empty string is not allowed'],
    ['..', "Topic name is invalid: '..' is not allowed"],
    ['x/y', "Topic name is invalid: 'x/y' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
    ['a'.repeat(250), `Topic name is invalid: the length of '${'a'.repeat(250)}' is longer than the max allowed length 249`],
  ];
  for (const [name, message] of cases) {
    const t = await createOne({ name });
    assertError(t.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, JSON.stringify(name));
    assert.equal(t.errorMessage, message);
  }
  // 249 characters is still legal.
  assertError((await createOne({ name: `${uniqueTopic('long')}-`.padEnd(249, 'x') })).errorCode, ErrorCode.NONE);
});

test('CreateTopics v0-v7 all create; v5+ report partitions and configs, v7 the topic id', async () => {
  for (let version = 0; version <= 7; version++) {
    const name = uniqueTopic(`v${version}`);
    const t = await createOne({ name, numPartitions: 2, configs: { 'retention.ms': '5000' } }, { version });
    assertError(t.errorCode, ErrorCode.NONE, `v${version}`);
    const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name }] });
    assert.equal(meta.topics[0]!.partitions.length, 2, `v${version}`);
    if (version >= 5) {
      assert.equal(t.numPartitions, 2);
      assert.equal(t.replicationFactor, 1);
      assert.equal(t.configs?.find((x) => x.name === 'retention.ms')?.value, '5000');
      assert.equal(t.configs?.find((x) => x.name === 'retention.ms')?.configSource, SOURCE.TOPIC_CONFIG);
    } else {
      assert.equal(t.numPartitions, -1, 'not in the layout before v5');
    }
    if (version >= 7) assert.equal(t.topicId, meta.topics[0]!.topicId);
    else assert.equal(t.topicId, UUID_ZERO);
  }
});

// ---- DeleteTopics ----

async function produceAndCheck(name: string, n: number, expectedBase: number): Promise<void> {
  const batch = buildSimpleBatch(n);
  const p = await produce(c, name, 0, batch);
  assertError(p.errorCode, ErrorCode.NONE);
  assert.equal(p.baseOffset, expectedBase);
}

test('DeleteTopics by name (v0-v5): the data is gone and the name can be created again at once, from offset 0', async () => {
  for (let version = 0; version <= 5; version++) {
    const name = uniqueTopic(`del-v${version}`);
    const oldId = await createTopic(c, name, 1);
    await produceAndCheck(name, 5, 0);
    const res = await c.request(ApiKey.DeleteTopics, version, { topicNames: [name], timeoutMs: 5000 });
    assert.equal(res.responses.length, 1);
    assert.equal(res.responses[0]!.name, name);
    assertError(res.responses[0]!.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(await topicExists(name), false, `v${version}`);
    const gone = await fetchPartition(c, name, 0, 0).catch((e: Error) => e);
    assert.ok(!(gone instanceof Error) && gone.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${version}: fetch after delete`);

    const newId = await createTopic(c, name, 1);
    assert.notEqual(newId, oldId, 'a new topic gets a new id');
    const batch = buildSimpleBatch(2, { prefix: 'reborn' });
    const p = await produce(c, name, 0, batch);
    assert.equal(p.baseOffset, 0, `v${version}: the re-created topic starts at offset 0`);
    const f = await fetchPartition(c, name, 0, 0);
    assert.deepEqual(f.records, asStored(batch, 0), 'only the new data is there');
    assert.equal(f.highWatermark, 2);
  }
});

test('DeleteTopics v6 by topic id; an unknown id or name gets its error', async () => {
  const name = uniqueTopic('del-id');
  const topicId = await createTopic(c, name, 2);
  await produceAndCheck(name, 3, 0);
  const missing = uniqueTopic('del-missing');
  const res = await c.request(ApiKey.DeleteTopics, 6, {
    topics: [{ name: null, topicId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }, { name: missing, topicId: UUID_ZERO }],
    timeoutMs: 5000,
  });
  assert.equal(res.responses.length, 3);
  const deleted = res.responses.find((r) => r.topicId === topicId)!;
  assertError(deleted.errorCode, ErrorCode.NONE);
  assert.equal(deleted.name, name);
  assertError(res.responses.find((r) => r.topicId === 'AAAAAAAAAAAAAAAAAAAAAQ')!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assertError(res.responses.find((r) => r.name === missing)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await topicExists(name), false);
  // The old id is unknown now, also to Fetch.
  const f = await c.request(ApiKey.Fetch, 13, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1,
    topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  assertError(f.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test('delete.topic.enable=false gets TOPIC_DELETION_DISABLED and keeps the topic', async () => {
  const other = await WireClient.connect(noDeleteBroker.host, noDeleteBroker.port);
  try {
    const name = uniqueTopic('keep');
    await createTopic(other, name, 1);
    for (const version of [1, 6]) {
      const res = await other.request(ApiKey.DeleteTopics, version, version >= 6 ? { topics: [{ name, topicId: UUID_ZERO }], timeoutMs: 5000 } : { topicNames: [name], timeoutMs: 5000 });
      assertError(res.responses[0]!.errorCode, ErrorCode.TOPIC_DELETION_DISABLED, `v${version}`);
    }
    assert.equal(await topicExists(name, other), true);
  } finally {
    other.close();
  }
});

// ---- DescribeConfigs ----

test('DescribeConfigs for a topic lists every topic config, defaults and overrides', async () => {
  const name = uniqueTopic('describe');
  await createTopic(c, name, 1, { 'retention.ms': '777' });
  const d = await describeTopic(name);
  assertError(d.errorCode, ErrorCode.NONE);
  assert.equal(d.resourceType, TOPIC);
  assert.equal(d.resourceName, name);
  const names = d.configs.map((e) => e.name);
  for (const k of ['cleanup.policy', 'compression.type', 'max.message.bytes', 'message.timestamp.type', 'min.insync.replicas', 'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.ms']) {
    assert.ok(names.includes(k), `${k} is listed`);
  }
  const retention = entry(d.configs, 'retention.ms');
  assert.deepEqual([retention.value, retention.configSource, retention.isDefault, retention.readOnly], ['777', SOURCE.TOPIC_CONFIG, false, false]);
  const segment = entry(d.configs, 'segment.bytes');
  assert.deepEqual([segment.value, segment.configSource], ['1073741824', SOURCE.DEFAULT_CONFIG]);
  assert.equal(entry(d.configs, 'cleanup.policy').value, 'delete');
  // Types (v3+): LONG for retention.ms, LIST for cleanup.policy.
  assert.equal(retention.configType, 5);
  assert.equal(entry(d.configs, 'cleanup.policy').configType, 7);
  // Only the keys asked for.
  const some = await describeTopic(name, { keys: ['retention.ms', 'segment.bytes'] });
  assert.deepEqual(some.configs.map((e) => e.name).sort(), ['retention.ms', 'segment.bytes']);
});

test('DescribeConfigs synonyms (v1+) and documentation (v3+) come only when asked for', async () => {
  const name = uniqueTopic('synonyms');
  await createTopic(c, name, 1, { 'cleanup.policy': 'compact' });
  const withSyn = await describeTopic(name, { keys: ['cleanup.policy', 'segment.bytes'], synonyms: true, documentation: true });
  // As Apache Kafka answers: the override first, then the broker default it hides.
  assert.deepEqual(entry(withSyn.configs, 'cleanup.policy').synonyms.map((s) => [s.name, s.value, s.source]),
    [['cleanup.policy', 'compact', SOURCE.TOPIC_CONFIG], ['log.cleanup.policy', 'delete', SOURCE.DEFAULT_CONFIG]]);
  assert.deepEqual(entry(withSyn.configs, 'segment.bytes').synonyms.map((s) => [s.name, s.value, s.source]),
    [['log.segment.bytes', '1073741824', SOURCE.DEFAULT_CONFIG]]);
  for (const e of withSyn.configs) assert.ok(typeof e.documentation === 'string' && e.documentation.length > 0, `${e.name} has documentation`);

  const without = await describeTopic(name, { keys: ['cleanup.policy'] });
  assert.deepEqual(entry(without.configs, 'cleanup.policy').synonyms, []);
  assert.equal(entry(without.configs, 'cleanup.policy').documentation, null);

  // v1 carries synonyms but no documentation field.
  const v1 = await describeTopic(name, { keys: ['cleanup.policy'], synonyms: true, version: 1 });
  assert.equal(entry(v1.configs, 'cleanup.policy').synonyms.length, 2);
});

test('DescribeConfigs for the broker: resource name is the node id; another id gets INVALID_REQUEST', async () => {
  const res = await c.request(ApiKey.DescribeConfigs, 4, {
    resources: [
      { resourceType: BROKER, resourceName: String(nodeId), configurationKeys: ['num.partitions', 'log.retention.hours', 'node.id'] },
      { resourceType: BROKER, resourceName: String(nodeId + 98), configurationKeys: null },
      { resourceType: BROKER, resourceName: '', configurationKeys: null },
    ],
    includeSynonyms: true, includeDocumentation: false,
  });
  const [mine, wrong, clusterDefault] = res.results;
  assertError(mine!.errorCode, ErrorCode.NONE);
  assert.equal(mine!.resourceName, String(nodeId));
  assert.equal(entry(mine!.configs, 'num.partitions').value, String(NUM_PARTITIONS));
  assert.notEqual(entry(mine!.configs, 'num.partitions').configSource, SOURCE.DEFAULT_CONFIG, 'set by an override');
  assert.equal(entry(mine!.configs, 'log.retention.hours').value, '168');
  assert.equal(entry(mine!.configs, 'node.id').value, String(nodeId));
  assertError(wrong!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(wrong!.errorMessage, `Unexpected broker id, expected ${nodeId} or empty string, but received ${nodeId + 98}`);
  assert.deepEqual(wrong!.configs, []);
  assertError(clusterDefault!.errorCode, ErrorCode.NONE);
});

test('DescribeConfigs for an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const d = await describeTopic(uniqueTopic('nope'));
  assertError(d.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.deepEqual(d.configs, []);
});

// ---- DescribeCluster ----

test('DescribeCluster v0 and v1: the cluster id of Metadata and one broker on the advertised port', async () => {
  for (const version of [0, 1]) {
    const res = await c.request(ApiKey.DescribeCluster, version, { endpointType: 1, includeClusterAuthorizedOperations: false });
    assertError(res.errorCode, ErrorCode.NONE, `v${version}`);
    assert.equal(res.clusterId, clusterId);
    assert.equal(res.controllerId, nodeId);
    assert.deepEqual(res.brokers.map((b) => [b.brokerId, b.host, b.port, b.rack]), [[nodeId, broker.host, broker.port, null]]);
    if (version >= 1) assert.equal(res.endpointType, 1);
  }
  assert.ok(clusterId.length === 22, `cluster id ${clusterId} is a base64url UUID`);
});
