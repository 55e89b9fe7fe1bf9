import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBrokerConfig } from '../../src/config/broker-config.js';
import { describeTopicConfigs, logConfigFor, TOPIC_CONFIG_DEFINITIONS, validateTopicConfigs } from '../../src/config/topic-config.js';

test('validateTopicConfigs: valid configs give null', () => {
  assert.equal(validateTopicConfigs({}), null);
  assert.equal(validateTopicConfigs({ 'retention.ms': '-1', 'cleanup.policy': 'compact,delete', 'segment.bytes': '1048576', 'min.cleanable.dirty.ratio': '0.1', 'message.timestamp.type': 'LogAppendTime' }), null);
  assert.equal(validateTopicConfigs({ 'flush.messages': '9223372036854775807' }), null);
});

test("validateTopicConfigs: Kafka's INVALID_CONFIG messages", () => {
  assert.deepEqual(validateTopicConfigs({ x: '1' }), { name: 'x', message: 'Unknown topic config name: x' });
  assert.deepEqual(validateTopicConfigs({ 'retention.ms': 'abc' }), { name: 'retention.ms', message: 'Invalid value abc for configuration retention.ms: Not a number of type LONG' });
  assert.deepEqual(validateTopicConfigs({ 'retention.ms': '-2' }), { name: 'retention.ms', message: 'Invalid value -2 for configuration retention.ms: Value must be at least -1' });
  assert.deepEqual(validateTopicConfigs({ 'segment.bytes': '100' }), { name: 'segment.bytes', message: 'Invalid value 100 for configuration segment.bytes: Value must be at least 1048576' });
  assert.deepEqual(validateTopicConfigs({ 'max.message.bytes': '1.5' }), { name: 'max.message.bytes', message: 'Invalid value 1.5 for configuration max.message.bytes: Not a number of type INT' });
  assert.deepEqual(validateTopicConfigs({ 'cleanup.policy': 'purge' }), { name: 'cleanup.policy', message: 'Invalid value purge for configuration cleanup.policy: String must be one of: compact, delete' });
  assert.deepEqual(validateTopicConfigs({ 'message.timestamp.type': 'Now' }), { name: 'message.timestamp.type', message: 'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime' });
  assert.deepEqual(validateTopicConfigs({ preallocate: 'maybe' }), { name: 'preallocate', message: 'Invalid value maybe for configuration preallocate: Expected value to be either true or false' });
  assert.deepEqual(validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }), { name: 'min.compaction.lag.ms', message: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)' });
});

test('configs removed in Kafka 4 are unknown', () => {
  for (const name of ['message.downconversion.enable', 'message.format.version', 'message.timestamp.difference.max.ms']) {
    assert.equal(validateTopicConfigs({ [name]: 'true' })?.message, `Unknown topic config name: ${name}`);
    assert.ok(!TOPIC_CONFIG_DEFINITIONS.some((d) => d.name === name));
  }
});

test('describeTopicConfigs: defaults come from the broker with DEFAULT_CONFIG synonyms', () => {
  const broker = loadBrokerConfig({});
  const entries = new Map(describeTopicConfigs(broker, {}, true).map((e) => [e.name, e]));
  assert.ok(!entries.has('internal.segment.bytes'));
  assert.deepEqual(entries.get('segment.bytes'), {
    name: 'segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG', isSensitive: false, readOnly: false, type: 'INT',
    documentation: entries.get('segment.bytes')?.documentation,
    synonyms: [{ name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' }],
  });
  assert.equal(entries.get('retention.ms')?.value, '604800000');
  assert.deepEqual(entries.get('retention.ms')?.synonyms, [{ name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' }]);
  assert.equal(entries.get('flush.ms')?.value, '9223372036854775807');
  assert.deepEqual(entries.get('flush.ms')?.synonyms, [{ name: 'log.flush.scheduler.interval.ms', value: '9223372036854775807', source: 'DEFAULT_CONFIG' }]);
  assert.equal(entries.get('segment.ms')?.value, '604800000');
  assert.equal(entries.get('cleanup.policy')?.type, 'LIST');
  assert.equal(entries.get('min.cleanable.dirty.ratio')?.value, '0.5');
  assert.equal(entries.get('remote.storage.enable')?.source, 'DEFAULT_CONFIG');
  assert.deepEqual(entries.get('remote.storage.enable')?.synonyms, []);
});

test('describeTopicConfigs: TOPIC_CONFIG, then broker synonyms in Kafka order', () => {
  const broker = loadBrokerConfig({ overrides: ['log.retention.hours=24', 'log.retention.minutes=90', 'log.segment.bytes=2097152'] })
    .withDynamic({}, { 'log.retention.ms': '5000' });
  const entries = new Map(describeTopicConfigs(broker, { 'retention.ms': '1000' }, true).map((e) => [e.name, e]));
  const retention = entries.get('retention.ms');
  assert.equal(retention?.value, '1000');
  assert.equal(retention?.source, 'TOPIC_CONFIG');
  assert.deepEqual(retention?.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`), [
    'TOPIC_CONFIG:retention.ms=1000',
    'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=5000',
    'STATIC_BROKER_CONFIG:log.retention.minutes=90',
    'STATIC_BROKER_CONFIG:log.retention.hours=24',
    'DEFAULT_CONFIG:log.retention.hours=168',
  ]);
  const seg = entries.get('segment.bytes');
  assert.equal(seg?.value, '2097152');
  assert.equal(seg?.source, 'STATIC_BROKER_CONFIG');
  assert.deepEqual(describeTopicConfigs(broker, {}, false).find((e) => e.name === 'retention.ms')?.synonyms, []);
  assert.equal(describeTopicConfigs(broker, {}, false).find((e) => e.name === 'retention.ms')?.value, '5000');
});

test('describeTopicConfigs: the synonym that supplied the value gives the source', () => {
  const broker = loadBrokerConfig({ overrides: ['log.retention.hours=24'] });
  const retention = describeTopicConfigs(broker, {}, true).find((e) => e.name === 'retention.ms');
  assert.equal(retention?.value, String(24 * 3600_000));
  assert.equal(retention?.source, 'STATIC_BROKER_CONFIG');
});

test('logConfigFor: broker defaults', () => {
  assert.deepEqual(logConfigFor(loadBrokerConfig({}), {}), {
    segmentBytes: 1073741824,
    segmentMs: 604800000,
    retentionMs: 604800000,
    retentionBytes: -1,
    flushMessages: Number.MAX_SAFE_INTEGER,
    flushMs: Number.MAX_SAFE_INTEGER,
    maxMessageBytes: 1048588,
    indexIntervalBytes: 4096,
    segmentIndexBytes: 10485760,
    messageTimestampType: 'CreateTime',
    cleanupPolicy: ['delete'],
    fileDeleteDelayMs: 60000,
    compressionType: 'producer',
    compressionGzipLevel: -1,
    compressionZstdLevel: 3,
    deleteRetentionMs: 86400000,
    minCleanableDirtyRatio: 0.5,
    minCompactionLagMs: 0,
    maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  });
});

test('logConfigFor: broker settings with fallbacks, then topic overrides', () => {
  const broker = loadBrokerConfig({ overrides: [
    'log.roll.hours=1', 'log.retention.minutes=30', 'log.flush.interval.messages=1', 'log.flush.scheduler.interval.ms=100',
    'message.max.bytes=2000000', 'log.cleanup.policy=compact', 'log.message.timestamp.type=LogAppendTime', 'log.segment.delete.delay.ms=0',
  ] });
  const fromBroker = logConfigFor(broker, {});
  assert.equal(fromBroker.segmentMs, 3600_000);
  assert.equal(fromBroker.retentionMs, 30 * 60_000);
  assert.equal(fromBroker.flushMessages, 1);
  assert.equal(fromBroker.flushMs, 100);
  assert.equal(fromBroker.maxMessageBytes, 2000000);
  assert.deepEqual(fromBroker.cleanupPolicy, ['compact']);
  assert.equal(fromBroker.messageTimestampType, 'LogAppendTime');
  assert.equal(fromBroker.fileDeleteDelayMs, 0);

  const topic = logConfigFor(broker, { 'segment.ms': '10', 'retention.ms': '-1', 'flush.ms': '5', 'cleanup.policy': 'Delete,Compact', 'message.timestamp.type': 'CreateTime', 'segment.bytes': '1048576' });
  assert.equal(topic.segmentMs, 10);
  assert.equal(topic.retentionMs, -1);
  assert.equal(topic.flushMs, 5);
  assert.deepEqual(topic.cleanupPolicy, ['delete', 'compact']);
  assert.equal(topic.messageTimestampType, 'CreateTime');
  assert.equal(topic.segmentBytes, 1048576);
  assert.equal(logConfigFor(broker, { 'internal.segment.bytes': '1024' }).segmentBytes, 1024);
});
