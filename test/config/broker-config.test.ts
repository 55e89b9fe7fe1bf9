import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BROKER_CONFIG_DEFINITIONS, ConfigError, brokerConfigDefinition, loadBrokerConfig } from '../../src/config/broker-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const path = join(dir, `server-${n++}.properties`);
  writeFileSync(path, text);
  return path;
}

function configError(fn: () => unknown, pattern: RegExp, property?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (property !== undefined) assert.equal(err.property, property);
    return true;
  });
}

// The properties of Apache Kafka 4's KRaft config/server.properties (combined mode).
const KAFKA_KRAFT_SERVER_PROPERTIES = `
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
#log.flush.interval.messages=10000
#log.flush.interval.ms=1000
log.retention.hours=168
#log.retention.bytes=1073741824
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
controller.quorum.voters=1@localhost:9093
group.initial.rebalance.delay.ms=0
`;

test('defaults', () => {
  const c = loadBrokerConfig({});
  assert.equal(c.nodeId, 1);
  assert.equal(c.dataDir, './data');
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(c.advertisedListeners, c.listeners);
  assert.equal(c.httpHost, '127.0.0.1');
  assert.equal(c.httpPort, 8080);
  assert.equal(c.int('num.partitions'), 1);
  assert.equal(c.int('default.replication.factor'), 1);
  assert.equal(c.bool('auto.create.topics.enable'), true);
  assert.equal(c.bool('delete.topic.enable'), true);
  assert.equal(c.int('message.max.bytes'), 1048588);
  assert.equal(c.int('socket.request.max.bytes'), 104857600);
  assert.equal(c.int('log.segment.bytes'), 1073741824);
  assert.equal(c.long('log.roll.ms'), 168 * 3600_000);
  assert.equal(c.long('log.retention.ms'), 168 * 3600_000);
  assert.equal(c.long('log.retention.bytes'), -1);
  assert.equal(c.long('log.retention.check.interval.ms'), 300000);
  assert.equal(c.long('log.flush.interval.messages'), Number.MAX_SAFE_INTEGER);
  assert.equal(c.long('log.flush.interval.ms'), Number.MAX_SAFE_INTEGER, 'falls back to log.flush.scheduler.interval.ms');
  assert.equal(c.int('log.index.interval.bytes'), 4096);
  assert.equal(c.int('log.index.size.max.bytes'), 10485760);
  assert.equal(c.string('log.message.timestamp.type'), 'CreateTime');
  assert.deepEqual(c.list('log.cleanup.policy'), ['delete']);
  assert.equal(c.long('log.segment.delete.delay.ms'), 60000);
  assert.equal(c.string('compression.type'), 'producer');
  assert.equal(c.int('offsets.topic.num.partitions'), 50);
  assert.equal(c.optional('log.retention.minutes'), null);
  assert.equal(c.isSet('num.partitions'), false);
});

test('every definition has a valid default, a doc line and a known type', () => {
  const names = new Set<string>();
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    assert.ok(!names.has(d.name), `duplicate ${d.name}`);
    names.add(d.name);
    assert.ok(d.doc.length > 0 && !d.doc.includes('\n'), d.name);
  }
  const c = loadBrokerConfig({});
  for (const entry of c.describe()) assert.ok(names.has(entry.name));
});

test("Apache Kafka's KRaft server.properties loads as is", () => {
  const c = loadBrokerConfig({ file: file(KAFKA_KRAFT_SERVER_PROPERTIES) });
  assert.equal(c.nodeId, 1);
  assert.equal(c.dataDir, '/tmp/kraft-combined-logs');
  // The CONTROLLER listener belongs to the KRaft quorum, which Tributary does not run.
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '0.0.0.0', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(c.advertisedListeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(c.int('group.initial.rebalance.delay.ms'), 0);
  const entry = c.describe().find((e) => e.name === 'num.io.threads');
  assert.equal(entry?.source, 'STATIC_BROKER_CONFIG');
});

test('precedence: defaults < file < --override < dedicated flags', () => {
  const f = file('num.partitions=3\nlog.dirs=/from/file\nhttp.port=9000\nlisteners=PLAINTEXT://127.0.0.1:9999\nadvertised.listeners=PLAINTEXT://public:9999\n');
  const fromFile = loadBrokerConfig({ file: f });
  assert.equal(fromFile.int('num.partitions'), 3);
  assert.equal(fromFile.dataDir, '/from/file');
  assert.equal(fromFile.httpPort, 9000);
  assert.equal(fromFile.advertisedListeners[0]?.host, 'public');

  const overridden = loadBrokerConfig({ file: f, overrides: ['num.partitions=5', 'log.dirs=/from/override', 'http.port=9001'] });
  assert.equal(overridden.int('num.partitions'), 5);
  assert.equal(overridden.dataDir, '/from/override');
  assert.equal(overridden.httpPort, 9001);

  const flagged = loadBrokerConfig({ file: f, overrides: ['log.dirs=/from/override', 'http.port=9001'], dataDir: '/from/flag', kafkaPort: 0, httpPort: 0 });
  assert.equal(flagged.dataDir, '/from/flag');
  assert.equal(flagged.httpPort, 0);
  assert.deepEqual(flagged.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }]);
  // --kafka-port means a single listener: advertised.listeners follows it.
  assert.deepEqual(flagged.advertisedListeners, flagged.listeners);
});

test('--override values may contain = and surrounding spaces are trimmed for typed values', () => {
  const c = loadBrokerConfig({ overrides: ['sasl.jaas.config=a b="c=d";', 'num.partitions= 7 '] });
  assert.equal(c.string('sasl.jaas.config'), 'a b="c=d";');
  assert.equal(c.int('num.partitions'), 7);
  configError(() => loadBrokerConfig({ overrides: ['novalue'] }), /--override 'novalue': expected key=value/);
});

test('retention: log.retention.ms over minutes over hours; negative means -1', () => {
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.hours=2'] }).long('log.retention.ms'), 2 * 3600_000);
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.hours=2', 'log.retention.minutes=3'] }).long('log.retention.ms'), 3 * 60_000);
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.hours=2', 'log.retention.minutes=3', 'log.retention.ms=4'] }).long('log.retention.ms'), 4);
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.ms=-1'] }).long('log.retention.ms'), -1);
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.ms=-7'] }).long('log.retention.ms'), -1);
  assert.equal(loadBrokerConfig({ overrides: ['log.retention.hours=-1'] }).long('log.retention.ms'), -1);
  // Precedence is by name, not by where the value came from.
  const c = loadBrokerConfig({ file: file('log.retention.ms=1000\n'), overrides: ['log.retention.hours=1'] });
  assert.equal(c.long('log.retention.ms'), 1000);
});

test('roll: log.roll.ms over log.roll.hours; flush ms falls back to the scheduler interval', () => {
  assert.equal(loadBrokerConfig({ overrides: ['log.roll.hours=1'] }).long('log.roll.ms'), 3600_000);
  assert.equal(loadBrokerConfig({ overrides: ['log.roll.hours=1', 'log.roll.ms=5'] }).long('log.roll.ms'), 5);
  assert.equal(loadBrokerConfig({ overrides: ['log.flush.scheduler.interval.ms=2000'] }).long('log.flush.interval.ms'), 2000);
  assert.equal(loadBrokerConfig({ overrides: ['log.flush.scheduler.interval.ms=2000', 'log.flush.interval.ms=10'] }).long('log.flush.interval.ms'), 10);
});

test('Long.MAX_VALUE parses and reads as Number.MAX_SAFE_INTEGER; describe keeps the exact text', () => {
  const c = loadBrokerConfig({ overrides: ['log.flush.interval.messages=9223372036854775807'] });
  assert.equal(c.long('log.flush.interval.messages'), Number.MAX_SAFE_INTEGER);
  assert.equal(c.describe().find((e) => e.name === 'log.flush.interval.messages')?.value, '9223372036854775807');
  configError(() => loadBrokerConfig({ overrides: ['log.flush.interval.messages=9223372036854775808'] }), /Invalid value 9223372036854775808 for configuration log\.flush\.interval\.messages: Not a number of type LONG/);
});

test('unknown property: an error naming it, with a suggestion when close', () => {
  configError(() => loadBrokerConfig({ file: file('num.partitions=1\nlog.retension.hours=1\n') }), /Unknown broker property 'log\.retension\.hours' \(.*line 2\); did you mean 'log\.retention\.hours'\?/, 'log.retension.hours');
  configError(() => loadBrokerConfig({ overrides: ['completely.unrelated.thing=1'] }), /^Unknown broker property 'completely\.unrelated\.thing' \(--override\)$/);
  configError(() => loadBrokerConfig({ overrides: ['zookeeper.connect=localhost:2181'] }), /ZooKeeper mode is not supported/);
});

test('listener.name.<listener>.* overrides are accepted', () => {
  const c = loadBrokerConfig({ overrides: ['listener.name.plaintext.sasl.enabled.mechanisms=PLAIN', 'listener.name.sasl_ssl.plain.sasl.jaas.config=secret'] });
  const jaas = c.describe().find((e) => e.name === 'listener.name.sasl_ssl.plain.sasl.jaas.config');
  assert.equal(jaas?.isSensitive, true);
  assert.equal(jaas?.value, null);
});

test('a listener override counts as implemented only where the listener reads it (security settings)', () => {
  assert.equal(brokerConfigDefinition('listener.name.external.ssl.keystore.location')?.implemented, true);
  assert.equal(brokerConfigDefinition('listener.name.external.sasl.enabled.mechanisms')?.implemented, true);
  assert.equal(brokerConfigDefinition('listener.name.external.scram-sha-512.sasl.jaas.config')?.implemented, true);
  assert.equal(brokerConfigDefinition('listener.name.external.connections.max.reauth.ms')?.implemented, true);
  // Implemented broker-wide, but no per-listener limit is applied.
  assert.equal(brokerConfigDefinition('max.connections')?.implemented, true);
  assert.equal(brokerConfigDefinition('listener.name.external.max.connections')?.implemented, false);
});

test('bad values name the property and the value', () => {
  configError(() => loadBrokerConfig({ overrides: ['num.partitions=abc'] }), /Invalid value abc for configuration num\.partitions: Not a number of type INT \(--override\)/, 'num.partitions');
  configError(() => loadBrokerConfig({ overrides: ['num.partitions=0'] }), /Invalid value 0 for configuration num\.partitions: Value must be at least 1/);
  configError(() => loadBrokerConfig({ overrides: ['num.partitions=2147483648'] }), /Not a number of type INT/);
  configError(() => loadBrokerConfig({ overrides: ['auto.create.topics.enable=yes'] }), /Invalid value yes for configuration auto\.create\.topics\.enable: Expected value to be either true or false/);
  configError(() => loadBrokerConfig({ overrides: ['log.cleanup.policy=delete,shred'] }), /Invalid value delete,shred for configuration log\.cleanup\.policy: String must be one of: compact, delete/);
  configError(() => loadBrokerConfig({ overrides: ['compression.type=brotli'] }), /compression\.type: String must be one of/);
  configError(() => loadBrokerConfig({ overrides: ['log.cleaner.min.cleanable.ratio=1.5'] }), /Value must be no more than 1/);
  configError(() => loadBrokerConfig({ overrides: ['http.port=70000'] }), /http\.port: Value must be no more than 65535/);
  configError(() => loadBrokerConfig({ file: file('num.partitions=1\nnum.io.threads=x\n') }), /num\.io\.threads: Not a number of type INT \(.*line 2\)/);
  assert.equal(loadBrokerConfig({ overrides: ['auto.create.topics.enable=FALSE'] }).bool('auto.create.topics.enable'), false);
  assert.equal(loadBrokerConfig({ overrides: ['log.cleaner.io.buffer.load.factor=1e-1'] }).double('log.cleaner.io.buffer.load.factor'), 0.1);
});

test('config file errors: missing file, malformed escape with its line', () => {
  configError(() => loadBrokerConfig({ file: join(dir, 'missing.properties') }), /Cannot read config file .*missing\.properties: no such file/);
  configError(() => loadBrokerConfig({ file: file('a.b=\\uZZ\n') }), /line 1: malformed/);
});

test('node.id and broker.id', () => {
  assert.equal(loadBrokerConfig({ overrides: ['broker.id=7'] }).nodeId, 7);
  assert.equal(loadBrokerConfig({ overrides: ['node.id=8'] }).nodeId, 8);
  assert.equal(loadBrokerConfig({ overrides: ['node.id=8', 'broker.id=8'] }).int('broker.id'), 8);
  configError(() => loadBrokerConfig({ overrides: ['node.id=8', 'broker.id=9'] }), /broker\.id \(9.*\) and node\.id \(8.*\) must be the same/);
});

test('log.dirs wins over log.dir; only one directory', () => {
  assert.equal(loadBrokerConfig({ overrides: ['log.dir=/a'] }).dataDir, '/a');
  assert.equal(loadBrokerConfig({ overrides: ['log.dir=/a', 'log.dirs=/b'] }).dataDir, '/b');
  configError(() => loadBrokerConfig({ overrides: ['log.dirs=/a,/b'] }), /exactly one data directory/, 'log.dirs');
});

test('listeners: parsing, protocol map, IPv6, errors', () => {
  const c = loadBrokerConfig({ overrides: ['listeners=CLIENT://[::1]:9092,plaintext://:9094', 'listener.security.protocol.map=CLIENT:PLAINTEXT,PLAINTEXT:PLAINTEXT'] });
  assert.deepEqual(c.listeners, [
    { name: 'CLIENT', host: '::1', port: 9092, securityProtocol: 'PLAINTEXT' },
    { name: 'PLAINTEXT', host: '0.0.0.0', port: 9094, securityProtocol: 'PLAINTEXT' },
  ]);
  assert.equal(c.advertisedListeners[1]?.host, hostname(), 'a wildcard host advertises this machine');
  const secure = loadBrokerConfig({ overrides: ['listeners=SSL://:9093,SASL_PLAINTEXT://h:9094,EXT://:9095', 'listener.security.protocol.map=EXT:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT'] });
  assert.deepEqual(secure.listeners.map((l) => `${l.name}:${l.securityProtocol}`), ['SSL:SSL', 'SASL_PLAINTEXT:SASL_PLAINTEXT', 'EXT:SASL_SSL']);
  assert.equal(loadBrokerConfig({ overrides: ['listeners=A://:1,B://:2', 'listener.security.protocol.map=A:PLAINTEXT,B:SSL', 'inter.broker.listener.name=b'] }).listeners.length, 2);
  configError(() => loadBrokerConfig({ overrides: ['listeners=A://:1', 'listener.security.protocol.map=A:PLAINTEXT', 'inter.broker.listener.name=B'] }), /inter\.broker\.listener\.name must be a listener name defined in advertised\.listeners/);
  configError(() => loadBrokerConfig({ overrides: ['inter.broker.listener.name=PLAINTEXT', 'security.inter.broker.protocol=PLAINTEXT'] }), /Only one of inter\.broker\.listener\.name and security\.inter\.broker\.protocol/);
  configError(() => loadBrokerConfig({ overrides: ['listeners=CLIENT://:9093'] }), /Listener CLIENT in listeners has no security protocol/);
  configError(() => loadBrokerConfig({ overrides: ['listeners=localhost:9092'] }), /is not of the form NAME:\/\/host:port/);
  configError(() => loadBrokerConfig({ overrides: ['listeners=PLAINTEXT://:70000'] }), /port 70000/);
  configError(() => loadBrokerConfig({ overrides: ['listeners=PLAINTEXT://:1,PLAINTEXT://:2'] }), /different name/);
  configError(() => loadBrokerConfig({ overrides: ['listeners='] }), /at least one broker listener/);
  configError(() => loadBrokerConfig({ overrides: ['advertised.listeners=OTHER://h:1', 'listener.security.protocol.map=OTHER:PLAINTEXT,PLAINTEXT:PLAINTEXT'] }), /OTHER, which is not in listeners/);
  configError(() => loadBrokerConfig({ overrides: ['advertised.listeners=PLAINTEXT://0.0.0.0:9092'] }), /nonroutable/);
  configError(() => loadBrokerConfig({ overrides: ['listener.security.protocol.map=PLAINTEXT:FOO'] }), /listener\.security\.protocol\.map/);
});

test('describe: sources, read-only, sensitive values, synonyms in Kafka order', () => {
  const c = loadBrokerConfig({ file: file('log.retention.hours=24\nnum.partitions=3\nssl.keystore.password=secret\n') });
  const entries = new Map(c.describe().map((e) => [e.name, e]));
  assert.deepEqual(entries.get('num.partitions'), {
    name: 'num.partitions', value: '3', source: 'STATIC_BROKER_CONFIG', isSensitive: false, readOnly: true, type: 'INT',
    documentation: entries.get('num.partitions')?.documentation,
    synonyms: [
      { name: 'num.partitions', value: '3', source: 'STATIC_BROKER_CONFIG' },
      { name: 'num.partitions', value: '1', source: 'DEFAULT_CONFIG' },
    ],
  });
  const seg = entries.get('log.segment.bytes');
  assert.equal(seg?.source, 'DEFAULT_CONFIG');
  assert.equal(seg?.readOnly, false);
  assert.deepEqual(seg?.synonyms, [{ name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' }]);
  // As Kafka: describing log.retention.hours lists it and its lower synonyms; log.retention.ms stays null.
  assert.deepEqual(entries.get('log.retention.hours')?.synonyms, [
    { name: 'log.retention.hours', value: '24', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
  ]);
  assert.equal(entries.get('log.retention.ms')?.value, null);
  assert.equal(entries.get('log.retention.ms')?.source, 'DEFAULT_CONFIG');
  const pw = entries.get('ssl.keystore.password');
  assert.equal(pw?.isSensitive, true);
  assert.equal(pw?.value, null);
  assert.equal(pw?.type, 'PASSWORD');
  assert.deepEqual(pw?.synonyms, [{ name: 'ssl.keystore.password', value: null, source: 'STATIC_BROKER_CONFIG' }]);
  assert.equal(entries.has('log.initial.task.delay.ms'), false, 'internal configs are hidden');
  assert.equal(entries.get('http.port')?.value, '8080');
  const names = c.describe({ names: ['num.partitions', 'nope'], includeSynonyms: false });
  assert.equal(names.length, 1);
  assert.deepEqual(names[0]?.synonyms, []);
});

test('withDynamic: per-broker over cluster defaults over static; read-only rejected', () => {
  const base = loadBrokerConfig({ overrides: ['log.retention.ms=1000', 'message.max.bytes=2000'] });
  const dyn = base.withDynamic({ 'log.retention.ms': '3000' }, { 'log.retention.ms': '2000', 'log.cleaner.threads': '2' });
  assert.equal(base.long('log.retention.ms'), 1000, 'the original is unchanged');
  assert.equal(dyn.long('log.retention.ms'), 3000);
  assert.equal(dyn.int('log.cleaner.threads'), 2);
  assert.equal(dyn.int('message.max.bytes'), 2000);
  const entry = dyn.describe({ names: ['log.retention.ms'] })[0];
  assert.equal(entry?.source, 'DYNAMIC_BROKER_CONFIG');
  assert.deepEqual(entry?.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`), [
    'DYNAMIC_BROKER_CONFIG:log.retention.ms=3000',
    'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=2000',
    'STATIC_BROKER_CONFIG:log.retention.ms=1000',
    'DEFAULT_CONFIG:log.retention.hours=168',
  ]);
  assert.equal(dyn.describe({ names: ['log.cleaner.threads'] })[0]?.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  // Omitting clusterDefaults keeps them; the per-broker layer is replaced.
  const again = dyn.withDynamic({});
  assert.equal(again.long('log.retention.ms'), 2000);
  configError(() => base.withDynamic({ 'num.partitions': '4' }), /Cannot update these configs dynamically: num\.partitions/, 'num.partitions');
  configError(() => base.withDynamic({}, { listeners: 'PLAINTEXT://:1' }), /broker id must be specified: listeners/);
  configError(() => base.withDynamic({ 'message.max.bytes': 'big' }), /Invalid value big for configuration message\.max\.bytes/);
  configError(() => base.withDynamic({ 'log.retention.mss': '1' }), /did you mean 'log\.retention\.ms'/);
});

test('typed getters reject the wrong type', () => {
  const c = loadBrokerConfig({});
  assert.throws(() => c.int('listeners'), /not int/);
  assert.throws(() => c.int('no.such.config'), /Unknown broker config/);
  assert.throws(() => c.long('log.retention.minutes'), ConfigError);
});

test('KIP-848 consumer group bounds are checked as Kafka\'s GroupCoordinatorConfig does', () => {
  const load = (...overrides: string[]) => () => loadBrokerConfig({ overrides: overrides.map((o) => `group.consumer.${o}`) });
  configError(load('session.timeout.ms=30000'),
    /^group\.consumer\.session\.timeout\.ms must be greater than or equal to group\.consumer\.min\.session\.timeout\.ms \(30000 and 45000, --override\)$/, 'group.consumer.session.timeout.ms');
  configError(load('session.timeout.ms=90000'), /session\.timeout\.ms must be less than or equal to group\.consumer\.max\.session\.timeout\.ms \(90000 and 60000/);
  configError(load('max.session.timeout.ms=40000'), /max\.session\.timeout\.ms must be greater than or equal to group\.consumer\.min\.session\.timeout\.ms/, 'group.consumer.max.session.timeout.ms');
  configError(load('heartbeat.interval.ms=1000'), /heartbeat\.interval\.ms must be greater than or equal to group\.consumer\.min\.heartbeat\.interval\.ms \(1000 and 5000/);
  configError(load('heartbeat.interval.ms=20000'), /heartbeat\.interval\.ms must be less than or equal to group\.consumer\.max\.heartbeat\.interval\.ms/);
  configError(load('max.heartbeat.interval.ms=4000'), /max\.heartbeat\.interval\.ms must be greater than or equal to group\.consumer\.min\.heartbeat\.interval\.ms/);
  configError(load('session.timeout.ms=6000', 'min.session.timeout.ms=6000', 'heartbeat.interval.ms=6000', 'max.heartbeat.interval.ms=6000'),
    /^group\.consumer\.heartbeat\.interval\.ms must be less than group\.consumer\.session\.timeout\.ms \(6000 and 6000/);
  configError(load('max.size=0'), /Invalid value 0 for configuration group\.consumer\.max\.size: Value must be at least 1/);
  // Lowered bounds let shorter timeouts through.
  const c = loadBrokerConfig({ overrides: ['group.consumer.session.timeout.ms=6000', 'group.consumer.min.session.timeout.ms=6000', 'group.consumer.heartbeat.interval.ms=500', 'group.consumer.min.heartbeat.interval.ms=500'] });
  assert.deepEqual([c.int('group.consumer.session.timeout.ms'), c.int('group.consumer.heartbeat.interval.ms')], [6000, 500]);
});

test('group.consumer.migration.policy: Kafka\'s four values, any case', () => {
  assert.equal(loadBrokerConfig({}).string('group.consumer.migration.policy'), 'bidirectional');
  assert.equal(loadBrokerConfig({ overrides: ['group.consumer.migration.policy=DOWNGRADE'] }).string('group.consumer.migration.policy'), 'DOWNGRADE');
  configError(() => loadBrokerConfig({ overrides: ['group.consumer.migration.policy=sideways'] }), /Invalid value sideways for configuration group\.consumer\.migration\.policy/);
});

test('max.connections.per.ip.overrides: host:count entries (IPv6 bare or bracketed, names lower-cased); bad entries are a ConfigError naming the entry', () => {
  const overrides = (text: string) => loadBrokerConfig({ overrides: [`max.connections.per.ip.overrides=${text}`] }).maxConnectionsPerIpOverrides;
  assert.deepEqual([...overrides('')], []);
  assert.deepEqual([...overrides('127.0.0.1:200, Broker.Example.com:50,::1:7,[fe80::1]:0')],
    [['127.0.0.1', 200], ['broker.example.com', 50], ['::1', 7], ['fe80::1', 0]]);
  for (const bad of ['127.0.0.1', '127.0.0.1:', ':5', '127.0.0.1:-1', '127.0.0.1:x', 'a:1,,b:2', 'a:2147483648']) {
    configError(() => overrides(bad), /^Invalid value .* for configuration max\.connections\.per\.ip\.overrides: '.*' is not host:count/, 'max.connections.per.ip.overrides');
  }
  // Also when it arrives as a dynamic config.
  const base = loadBrokerConfig();
  configError(() => base.withDynamic({}, { 'max.connections.per.ip.overrides': 'localhost=5' }), /'localhost=5' is not host:count/);
  assert.equal(base.withDynamic({}, { 'max.connections.per.ip.overrides': 'localhost:5' }).maxConnectionsPerIpOverrides.get('localhost'), 5);
});

test('max.connections.per.ip=0 needs overrides (as Kafka requires); the connection limits are dynamic cluster-wide configs', () => {
  configError(() => loadBrokerConfig({ overrides: ['max.connections.per.ip=0'] }), /max\.connections\.per\.ip can be set to zero only if max\.connections\.per\.ip\.overrides property is set/, 'max.connections.per.ip');
  assert.equal(loadBrokerConfig({ overrides: ['max.connections.per.ip=0', 'max.connections.per.ip.overrides=10.0.0.1:5'] }).int('max.connections.per.ip'), 0);
  for (const name of ['max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides']) {
    const d = BROKER_CONFIG_DEFINITIONS.find((x) => x.name === name)!;
    assert.equal(d.dynamic, 'cluster-wide', name);
    assert.equal(d.implemented, true, name);
  }
  const d = BROKER_CONFIG_DEFINITIONS.find((x) => x.name === 'queued.max.requests')!;
  assert.deepEqual([d.dynamic, d.implemented, d.default], ['read-only', true, '500']);
  const bytes = BROKER_CONFIG_DEFINITIONS.find((x) => x.name === 'queued.max.request.bytes')!;
  assert.deepEqual([bytes.dynamic, bytes.implemented, bytes.default], ['read-only', true, '-1']);
  // Set at the cluster default level, as kafka-configs --entity-default does.
  assert.equal(loadBrokerConfig().withDynamic({}, { 'max.connections': '3' }).int('max.connections'), 3);
});
