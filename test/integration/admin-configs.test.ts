// AlterConfigs and IncrementalAlterConfigs over a real listener: topic
// overrides and dynamic broker configs (per broker and cluster default),
// validate_only, Kafka's error codes for bad input, the live effect on
// DescribeConfigs and the partition logs, and persistence across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { assertError, createTopic, produce, uniqueTopic, watchBrokerErrors } from './support.js';

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const SOURCE = { TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, DEFAULT_CONFIG: 5 } as const;

let broker: EmbeddedBroker;
let c: WireClient;
let nodeId: number;
const watch = watchBrokerErrors();

before(async () => {
  broker = await startEmbeddedBroker();
  c = await WireClient.connect(broker.host, broker.port);
  nodeId = (await c.request(ApiKey.Metadata, 12, { topics: [] })).brokers[0]!.nodeId;
});

after(async () => {
  c?.close();
  await broker?.stop();
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

type Op = [name: string, op: number, value: string | null];

async function incremental(resourceType: number, resourceName: string, ops: Op[], validateOnly = false, client = c, version = 1) {
  const res = await client.request(ApiKey.IncrementalAlterConfigs, version, {
    resources: [{ resourceType, resourceName, configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })) }],
    validateOnly,
  });
  assert.equal(res.responses.length, 1);
  return res.responses[0]!;
}

async function legacy(resourceType: number, resourceName: string, configs: Record<string, string | null>, validateOnly = false, version = 2) {
  const res = await c.request(ApiKey.AlterConfigs, version, {
    resources: [{ resourceType, resourceName, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    validateOnly,
  });
  assert.equal(res.responses.length, 1);
  return res.responses[0]!;
}

async function describe(resourceType: number, resourceName: string, keys: string[] | null, client = c) {
  const res = await client.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: false, includeDocumentation: false,
  });
  const r = res.results[0]!;
  assertError(r.errorCode, ErrorCode.NONE, `describe ${resourceName}: ${r.errorMessage}`);
  return new Map(r.configs.map((e) => [e.name, { value: e.value, source: e.configSource }]));
}

test('IncrementalAlterConfigs on a topic: SET, DELETE, APPEND, SUBTRACT, validate_only', async () => {
  const t = uniqueTopic('inc');
  await createTopic(c, t, 1, { 'max.message.bytes': '2000' });
  let r = await incremental(TOPIC, t, [['retention.ms', SET, '3600000'], ['max.message.bytes', DELETE, null]], true);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  let d = await describe(TOPIC, t, ['retention.ms', 'max.message.bytes']);
  assert.equal(d.get('retention.ms')!.source, SOURCE.DEFAULT_CONFIG, 'validate_only changed nothing');
  assert.equal(d.get('max.message.bytes')!.value, '2000');

  for (const version of [0, 1]) {
    r = await incremental(TOPIC, t, [['retention.ms', SET, String(3600000 + version)], ['max.message.bytes', DELETE, null]], false, c, version);
    assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  }
  d = await describe(TOPIC, t, ['retention.ms', 'max.message.bytes']);
  assert.deepEqual(d.get('retention.ms'), { value: '3600001', source: SOURCE.TOPIC_CONFIG });
  assert.equal(d.get('max.message.bytes')!.source, SOURCE.DEFAULT_CONFIG);

  // An APPEND to an unset list starts from the value in effect (cleanup.policy=delete).
  r = await incremental(TOPIC, t, [['cleanup.policy', APPEND, 'compact']]);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  assert.equal((await describe(TOPIC, t, ['cleanup.policy'])).get('cleanup.policy')!.value, 'delete,compact');
  r = await incremental(TOPIC, t, [['cleanup.policy', SUBTRACT, 'delete']]);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  assert.equal((await describe(TOPIC, t, ['cleanup.policy'])).get('cleanup.policy')!.value, 'compact');
});

test('IncrementalAlterConfigs: bad input gets Kafka\'s error codes and changes nothing', async () => {
  const t = uniqueTopic('inc-bad');
  await createTopic(c, t, 1);
  const cases: [string, number, string, Op[], ErrorCode][] = [
    ['unknown config', TOPIC, t, [['no.such.config', SET, '1']], ErrorCode.INVALID_CONFIG],
    ['bad value', TOPIC, t, [['retention.ms', SET, 'soon']], ErrorCode.INVALID_CONFIG],
    ['below minimum', TOPIC, t, [['segment.bytes', SET, '10']], ErrorCode.INVALID_CONFIG],
    ['append to a non-list', TOPIC, t, [['retention.ms', APPEND, '5']], ErrorCode.INVALID_CONFIG],
    ['null SET value', TOPIC, t, [['retention.ms', SET, null]], ErrorCode.INVALID_REQUEST],
    ['duplicate key', TOPIC, t, [['retention.ms', SET, '1000'], ['retention.ms', DELETE, null]], ErrorCode.INVALID_REQUEST],
    // Deliberate: Kafka 4.1 answers UNKNOWN_SERVER_ERROR here.
    ['unknown operation', TOPIC, t, [['retention.ms', 9, '1000']], ErrorCode.INVALID_REQUEST],
    ['subtract from a non-list', TOPIC, t, [['retention.ms', SUBTRACT, '5']], ErrorCode.INVALID_CONFIG],
    ['unknown topic', TOPIC, uniqueTopic('missing'), [['retention.ms', SET, '1000']], ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    // Kafka answers INVALID_REQUEST, not INVALID_CONFIG, for broker configs.
    ['read-only broker config', BROKER, String(nodeId), [['num.partitions', SET, '3']], ErrorCode.INVALID_REQUEST],
    ['read-only broker config (log.dirs)', BROKER, '', [['log.dirs', SET, '/tmp/x']], ErrorCode.INVALID_REQUEST],
    ['per-broker config at the cluster default', BROKER, '', [['listeners', SET, 'PLAINTEXT://:1']], ErrorCode.INVALID_REQUEST],
    // Deliberate: Kafka accepts unknown broker config names (for plugins).
    ['unknown broker config', BROKER, String(nodeId), [['no.such.broker.config', SET, '1']], ErrorCode.INVALID_REQUEST],
    ['bad broker value', BROKER, String(nodeId), [['log.retention.ms', SET, 'x']], ErrorCode.INVALID_REQUEST],
    ['another broker', BROKER, String(nodeId + 1), [['log.retention.ms', SET, '1000']], ErrorCode.INVALID_REQUEST],
    ['a broker name that is not a number', BROKER, 'abc', [['log.retention.ms', SET, '1000']], ErrorCode.INVALID_REQUEST],
    // Deliberate: Kafka's IncrementalAlterConfigs sets log4j levels.
    ['broker logger', BROKER_LOGGER, String(nodeId), [['root', SET, 'DEBUG']], ErrorCode.INVALID_REQUEST],
    ['unknown resource type', 99, 'x', [['a', SET, 'b']], ErrorCode.INVALID_REQUEST],
  ];
  for (const [what, type, name, ops, expected] of cases) {
    const r = await incremental(type, name, ops);
    assertError(r.errorCode, expected, what);
    assert.ok(r.errorMessage !== null && r.errorMessage !== '', `${what}: an error message`);
  }
  const d = await describe(TOPIC, t, ['retention.ms']);
  assert.equal(d.get('retention.ms')!.source, SOURCE.DEFAULT_CONFIG);

  const dup = await c.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [
      { resourceType: TOPIC, resourceName: t, configs: [{ name: 'retention.ms', configOperation: SET, value: '1000' }] },
      { resourceType: TOPIC, resourceName: t, configs: [{ name: 'retention.ms', configOperation: SET, value: '2000' }] },
    ],
    validateOnly: false,
  });
  assert.deepEqual(dup.responses.map((x) => x.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
});

test('AlterConfigs replaces all of a topic\'s overrides', async () => {
  const t = uniqueTopic('legacy');
  await createTopic(c, t, 1, { 'max.message.bytes': '2000' });
  for (const version of [0, 2]) {
    const r = await legacy(TOPIC, t, { 'retention.ms': String(1000 + version) });
    assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  }
  const d = await describe(TOPIC, t, ['retention.ms', 'max.message.bytes']);
  assert.deepEqual(d.get('retention.ms'), { value: '1002', source: SOURCE.TOPIC_CONFIG });
  assert.equal(d.get('max.message.bytes')!.source, SOURCE.DEFAULT_CONFIG, 'the override not named is gone');
  assertError((await legacy(TOPIC, t, { 'retention.ms': 'x' })).errorCode, ErrorCode.INVALID_CONFIG);
  assertError((await legacy(TOPIC, t, { 'retention.ms': null })).errorCode, ErrorCode.INVALID_REQUEST);
  assertError((await legacy(TOPIC, uniqueTopic('missing'), {})).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assertError((await legacy(BROKER, String(nodeId), { 'num.partitions': '2' })).errorCode, ErrorCode.INVALID_REQUEST);
  assertError((await legacy(BROKER_LOGGER, String(nodeId), { root: 'INFO' })).errorCode, ErrorCode.INVALID_REQUEST);
  assertError((await legacy(TOPIC, t, { 'retention.ms': '1', 'no.such.config': '2' })).errorCode, ErrorCode.INVALID_CONFIG);
  const v = await legacy(TOPIC, t, {}, true);
  assertError(v.errorCode, ErrorCode.NONE);
  assert.equal((await describe(TOPIC, t, ['retention.ms'])).get('retention.ms')!.value, '1002', 'validate_only kept the override');
});

test('a topic override applies live: max.message.bytes rejects a larger batch at once', async () => {
  const t = uniqueTopic('live');
  await createTopic(c, t, 1);
  const r = await incremental(TOPIC, t, [['max.message.bytes', SET, '100']]);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  const p = await produce(c, t, 0, buildSimpleBatch(3, { valueSize: 200 }));
  assertError(p.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
});

test('dynamic broker configs: per broker over cluster default, shown by DescribeConfigs and inherited by topics', async () => {
  const t = uniqueTopic('dyn');
  await createTopic(c, t, 1);
  let r = await incremental(BROKER, '', [['log.retention.ms', SET, '7200000']]);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  let b = await describe(BROKER, String(nodeId), ['log.retention.ms']);
  assert.deepEqual(b.get('log.retention.ms'), { value: '7200000', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG });
  let d = await describe(TOPIC, t, ['retention.ms']);
  assert.deepEqual(d.get('retention.ms'), { value: '7200000', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG });
  // The cluster-default resource ("") lists exactly the dynamic defaults.
  const clusterDefaults = await describe(BROKER, '', null);
  assert.deepEqual([...clusterDefaults.entries()], [['log.retention.ms', { value: '7200000', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG }]]);

  r = await incremental(BROKER, String(nodeId), [['log.retention.ms', SET, '3600000']]);
  assertError(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
  d = await describe(TOPIC, t, ['retention.ms']);
  assert.deepEqual(d.get('retention.ms'), { value: '3600000', source: SOURCE.DYNAMIC_BROKER_CONFIG });

  r = await incremental(BROKER, String(nodeId), [['log.retention.ms', SET, '1']], true);
  assertError(r.errorCode, ErrorCode.NONE);
  assert.equal((await describe(BROKER, String(nodeId), ['log.retention.ms'])).get('log.retention.ms')!.value, '3600000', 'validate_only');

  r = await incremental(BROKER, String(nodeId), [['log.retention.ms', DELETE, null]]);
  assertError(r.errorCode, ErrorCode.NONE);
  r = await incremental(BROKER, '', [['log.retention.ms', DELETE, null]]);
  assertError(r.errorCode, ErrorCode.NONE);
  b = await describe(BROKER, String(nodeId), ['log.retention.ms']);
  assert.notEqual(b.get('log.retention.ms')?.source, SOURCE.DYNAMIC_BROKER_CONFIG);
  d = await describe(TOPIC, t, ['retention.ms']);
  assert.deepEqual(d.get('retention.ms')!.value, '604800000');
});

test('altered topic and broker configs survive a restart', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-configs-restart-'));
  let b: EmbeddedBroker | undefined;
  let client: WireClient | undefined;
  try {
    b = await startEmbeddedBroker({ dataDir });
    client = await WireClient.connect(b.host, b.port);
    await createTopic(client, 'kept', 1);
    assertError((await incremental(TOPIC, 'kept', [['retention.ms', SET, '123456']], false, client)).errorCode, ErrorCode.NONE);
    assertError((await incremental(BROKER, String(nodeId), [['log.retention.bytes', SET, '999999']], false, client)).errorCode, ErrorCode.NONE);
    assertError((await incremental(BROKER, '', [['log.cleaner.threads', SET, '2']], false, client)).errorCode, ErrorCode.NONE);
    client.close();
    await b.stop();
    b = await startEmbeddedBroker({ dataDir });
    client = await WireClient.connect(b.host, b.port);
    assert.deepEqual((await describe(TOPIC, 'kept', ['retention.ms', 'retention.bytes'], client)).get('retention.ms'), { value: '123456', source: SOURCE.TOPIC_CONFIG });
    assert.deepEqual((await describe(TOPIC, 'kept', ['retention.bytes'], client)).get('retention.bytes'), { value: '999999', source: SOURCE.DYNAMIC_BROKER_CONFIG });
    const bc = await describe(BROKER, String(nodeId), ['log.retention.bytes', 'log.cleaner.threads'], client);
    assert.deepEqual(bc.get('log.retention.bytes'), { value: '999999', source: SOURCE.DYNAMIC_BROKER_CONFIG });
    assert.deepEqual(bc.get('log.cleaner.threads'), { value: '2', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG });
  } finally {
    client?.close();
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
