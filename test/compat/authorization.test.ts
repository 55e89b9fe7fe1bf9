// ACL enforcement as real clients see it: a produce refused for lack of
// WRITE surfaces as kafkajs's TOPIC_AUTHORIZATION_FAILED protocol error and
// as the Java client's TopicAuthorizationException (kafka-console-producer),
// while the same clients produce once the ACL is there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT } from '../../src/security/acl.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { describe as describeRun, requireJava, run, uniqueTopic } from './clients.js';

const { Kafka, logLevel } = kafkajs;
const JAAS_SERVER = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_carol="carol-secret";';

let broker: SecureBroker;
let admin: WireClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-authz-compat-'));
  broker = await startSecureBroker({
    listeners: 'ADMIN://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'ADMIN:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS_SERVER,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS',
  });
  admin = await WireClient.connect('127.0.0.1', broker.port('ADMIN'));
});

after(async () => {
  admin?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(topic: string): Promise<void> {
  const created = await admin.request(ApiKey.CreateTopics, 7, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, configs: [] }], timeoutMs: 5000 });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  // DESCRIBE only: the client finds the topic's leader, and is then refused the write itself.
  await acl(topic, Op.DESCRIBE);
}

async function acl(topic: string, operation: number): Promise<void> {
  const r = await admin.request(ApiKey.CreateAcls, 3, {
    creations: [{ resourceType: RT.TOPIC, resourceName: topic, resourcePatternType: PatternType.LITERAL, principal: 'User:carol', host: '*', operation, permissionType: Perm.ALLOW }],
  });
  assert.equal(r.results[0]!.errorCode, ErrorCode.NONE);
}

test('kafkajs: a denied produce is TOPIC_AUTHORIZATION_FAILED; with WRITE it succeeds', async () => {
  const topic = uniqueTopic('authz-kafkajs');
  await setUp(topic);
  const kafka = new Kafka({
    clientId: 'authz-kafkajs', brokers: [`127.0.0.1:${broker.port('SASL_PLAINTEXT')}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'carol', password: 'carol-secret' }, retry: { retries: 0 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await assert.rejects(producer.send({ topic, messages: [{ value: 'denied' }] }), (err: Error & { type?: string }) => {
      assert.equal(err.type, 'TOPIC_AUTHORIZATION_FAILED', `${err.name}: ${err.message}`);
      return true;
    });
    await acl(topic, Op.WRITE);
    const sent = await producer.send({ topic, messages: [{ value: 'allowed' }] });
    assert.equal(sent[0]!.errorCode, 0);
  } finally {
    await producer.disconnect();
  }
});

test('Java client (kafka-console-producer): a denied produce is a TopicAuthorizationException', async () => {
  const java = requireJava();
  const topic = uniqueTopic('authz-java');
  await setUp(topic);
  const config = join(dir, 'carol.properties');
  writeFileSync(config, [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=PLAIN',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="carol" password="carol-secret";',
    'retries=0',
    'delivery.timeout.ms=20000',
    'request.timeout.ms=10000',
    '',
  ].join('\n'));
  const r = await run(java, [
    'org.apache.kafka.tools.ConsoleProducer', '--bootstrap-server', `127.0.0.1:${broker.port('SASL_PLAINTEXT')}`,
    '--topic', topic, '--producer.config', config, '--sync',
  ], { input: 'denied\n', timeoutMs: 90_000 });
  assert.match(r.stdout + r.stderr, /TopicAuthorizationException/, describeRun('kafka-console-producer', r));
  const fetched = await admin.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  assert.equal(Number(fetched.topics[0]!.partitions[0]!.offset), 0, 'nothing was written');
});
