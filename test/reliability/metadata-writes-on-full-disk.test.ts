// Every metadata write on a full disk (the injected ENOSPC of
// harness/enospc-preload.ts: every write of the broker process fails) answers
// its Kafka error instead of closing the connection: DeleteTopics,
// CreatePartitions, AlterConfigs and IncrementalAlterConfigs (topic and
// broker), CreateAcls, DeleteAcls, AlterUserScramCredentials answer
// KAFKA_STORAGE_ERROR, InitProducerId COORDINATOR_LOAD_IN_PROGRESS, the IAM
// REST API 503. The connection then serves the next request, the state is as
// it was, and once there is room the same operations succeed and survive a
// restart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import {
  ApiKey, ErrorCode,
  type AlterUserScramCredentialsResponse, type CreateAclsResponse, type DeleteAclsResponse, type DescribeAclsResponse,
} from '../../src/protocol/generated/index.js';
import { UUID_ZERO } from '../../src/protocol/codec-runtime.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT } from '../../src/security/acl.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { scramUpsertion } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';
import { injectedEnospc, type FullDisk } from './harness/disk-full.js';

const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const ARGS = [
  '--override', 'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  // Plaintext clients are User:ANONYMOUS; here they administer everything.
  '--override', 'super.users=User:ANONYMOUS',
];
const ALL_ACLS = { resourceTypeFilter: RT.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: Perm.ANY };
const acl = (name: string) => ({ resourceType: RT.TOPIC, resourceName: name, resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW });
const aclFilter = (name: string) => ({ ...ALL_ACLS, resourceTypeFilter: RT.TOPIC, resourceNameFilter: name, patternTypeFilter: PatternType.LITERAL });

let disk: FullDisk;
let broker: BrokerProcess;
let c: WireClient;
let keptAccount = '';

function name(code: number): string {
  return ErrorCode[code] ?? String(code);
}

/** The connection still serves requests: Metadata answers on it. */
async function assertServes(what: string): Promise<void> {
  assert.equal(c.isClosed, false, `${what}: the broker closed the connection`);
  const md = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.ok(md.brokers.length === 1, `${what}: Metadata answered on the same connection`);
}

async function topicPartitions(topic: string): Promise<number | null> {
  const md = await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  const t = md.topics[0]!;
  return t.errorCode === ErrorCode.NONE ? t.partitions.length : null;
}

async function configValue(resourceType: number, resourceName: string, key: string): Promise<string | null> {
  const d = await c.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType, resourceName, configurationKeys: [key] }], includeSynonyms: false, includeDocumentation: false });
  return d.results[0]!.configs.find((e) => e.name === key)?.value ?? null;
}

async function aclNames(): Promise<string[]> {
  const d = (await c.request(ApiKey.DescribeAcls, 3, ALL_ACLS)) as DescribeAclsResponse;
  return d.resources.map((r) => r.resourceName).sort();
}

async function scramUsers(): Promise<string[]> {
  const d = await c.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
  return d.results.map((r) => r.user).sort();
}

async function iam(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(`http://127.0.0.1:${broker.httpPort}${path}`, {
    method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) as Record<string, unknown> };
}

async function accountNames(): Promise<string[]> {
  const list = await iam('GET', '/iam/v2/service-accounts');
  return (list.body!['data'] as { display_name: string }[]).map((a) => a.display_name).sort();
}

async function createTopic(topic: string, configs: Record<string, string> = {}): Promise<void> {
  const r = await c.request(ApiKey.CreateTopics, 7, {
    topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }], timeoutMs: 5000,
  });
  assert.equal(name(r.topics[0]!.errorCode), 'NONE', `create ${topic}`);
}

/** The writes under test; each returns the error names it was answered with. */
const writes = {
  deleteTopic: async () => {
    const r = await c.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'to-delete', topicId: UUID_ZERO }], timeoutMs: 5000 });
    return { codes: [name(r.responses[0]!.errorCode)], message: r.responses[0]!.errorMessage };
  },
  createPartitions: async () => {
    const r = await c.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'to-grow', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
    return { codes: [name(r.results[0]!.errorCode)], message: r.results[0]!.errorMessage };
  },
  alterTopicConfigs: async () => {
    const r = await c.request(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: TOPIC, resourceName: 'to-configure', configs: [{ name: 'retention.ms', value: '7000' }] }], validateOnly: false });
    return { codes: [name(r.responses[0]!.errorCode)], message: r.responses[0]!.errorMessage };
  },
  incrementalTopicConfigs: async () => {
    const r = await c.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: TOPIC, resourceName: 'to-configure', configs: [{ name: 'segment.ms', configOperation: SET, value: '3600000' }] }], validateOnly: false });
    return { codes: [name(r.responses[0]!.errorCode)], message: r.responses[0]!.errorMessage };
  },
  brokerConfigs: async () => {
    const r = await c.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: SET, value: '123456789' }] }], validateOnly: false });
    return { codes: [name(r.responses[0]!.errorCode)], message: r.responses[0]!.errorMessage };
  },
  createAcls: async () => {
    const r = (await c.request(ApiKey.CreateAcls, 3, { creations: [acl('new-1'), acl('new-2')] })) as CreateAclsResponse;
    return { codes: r.results.map((x) => name(x.errorCode)), message: r.results[0]!.errorMessage };
  },
  deleteAcls: async () => {
    const r = (await c.request(ApiKey.DeleteAcls, 3, { filters: [aclFilter('old')] })) as DeleteAclsResponse;
    return { codes: r.filterResults.map((x) => name(x.errorCode)), message: r.filterResults[0]!.errorMessage };
  },
  alterScram: async () => {
    const r = (await c.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions: [scramUpsertion('carol', 'SCRAM-SHA-256', 'carol-pw')] })) as AlterUserScramCredentialsResponse;
    return { codes: r.results.map((x) => name(x.errorCode)), message: r.results[0]!.errorMessage };
  },
};

before(async () => {
  disk = injectedEnospc();
  broker = await startBrokerProcess({ dataDir: join(disk.dir, 'data'), env: disk.env, args: ARGS });
  c = await WireClient.connect(broker.host, broker.port);
  await createTopic('to-delete');
  await createTopic('to-grow');
  await createTopic('to-configure', { 'retention.ms': '5000' });
  const created = (await c.request(ApiKey.CreateAcls, 3, { creations: [acl('old')] })) as CreateAclsResponse;
  assert.equal(name(created.results[0]!.errorCode), 'NONE');
  const account = await iam('POST', '/iam/v2/service-accounts', { display_name: 'kept', description: '' });
  assert.equal(account.status, 201);
  keptAccount = account.body!['id'] as string;
  // No InitProducerId yet: the first one must reserve a block of producer ids, on the full disk.
  disk.fill();
});

after(async () => {
  c?.close();
  await broker?.kill();
  disk?.release();
});

test('on a full disk every metadata write answers its error, the connection stays usable and nothing changes', async () => {
  for (const [what, write] of Object.entries(writes)) {
    const r = await write();
    assert.ok(r.codes.length > 0 && r.codes.every((code) => code === 'KAFKA_STORAGE_ERROR'), `${what} answered ${r.codes.join(', ')}`);
    assert.match(r.message ?? '', /^Could not write the metadata log: ENOSPC/, `${what}: ${r.message}`);
    await assertServes(what);
  }
  const pid = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(name(pid.errorCode), 'COORDINATOR_LOAD_IN_PROGRESS');
  assert.equal(pid.producerId, -1);
  await assertServes('InitProducerId');

  const created = await iam('POST', '/iam/v2/service-accounts', { display_name: 'while-full', description: '' });
  assert.equal(created.status, 503);
  const errors = created.body!['errors'] as { status: string; detail: string }[];
  assert.equal(errors[0]!.status, '503');
  assert.match(errors[0]!.detail, /^Could not write the metadata log: ENOSPC/);
  assert.equal((await iam('DELETE', `/iam/v2/service-accounts/${keptAccount}`)).status, 503);

  // Nothing changed.
  assert.equal(await topicPartitions('to-delete'), 1, 'the topic is still there');
  assert.equal(await topicPartitions('to-grow'), 1, 'still one partition');
  assert.equal(await configValue(TOPIC, 'to-configure', 'retention.ms'), '5000');
  assert.equal(await configValue(TOPIC, 'to-configure', 'segment.ms'), '604800000');
  assert.equal(await configValue(BROKER, '1', 'log.retention.ms'), null);
  assert.deepEqual(await aclNames(), ['old']);
  assert.deepEqual(await scramUsers(), []);
  assert.deepEqual(await accountNames(), ['kept']);
  // No handler threw: a failed metadata write is an answer, not an internal error.
  assert.deepEqual(broker.output().split('\n').filter((l) => /handler failed|request failed/.test(l)), []);
});

test('once there is room the same writes succeed', async () => {
  disk.makeRoom();
  for (const [what, write] of Object.entries(writes)) {
    const r = await write();
    assert.ok(r.codes.every((code) => code === 'NONE'), `${what} answered ${r.codes.join(', ')}: ${r.message}`);
  }
  const pid = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(name(pid.errorCode), 'NONE');
  assert.ok(pid.producerId >= 0);
  assert.equal((await iam('POST', '/iam/v2/service-accounts', { display_name: 'after-room', description: '' })).status, 201);
  assert.equal((await iam('DELETE', `/iam/v2/service-accounts/${keptAccount}`)).status, 204);
});

test('what was written once there was room survives a restart', async () => {
  const before = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  c.close();
  assert.equal(await broker.stop(), 0);
  broker = await startBrokerProcess({ dataDir: join(disk.dir, 'data'), env: disk.env, args: ARGS });
  c = await WireClient.connect(broker.host, broker.port);
  assert.equal(await topicPartitions('to-delete'), null, 'deleted');
  assert.equal(await topicPartitions('to-grow'), 3);
  assert.equal(await configValue(TOPIC, 'to-configure', 'retention.ms'), '7000');
  assert.equal(await configValue(TOPIC, 'to-configure', 'segment.ms'), '3600000');
  assert.equal(await configValue(BROKER, '1', 'log.retention.ms'), '123456789');
  assert.deepEqual(await aclNames(), ['new-1', 'new-2']);
  assert.deepEqual(await scramUsers(), ['carol']);
  assert.deepEqual(await accountNames(), ['after-room']);
  const after = await c.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(name(after.errorCode), 'NONE');
  assert.ok(after.producerId > before.producerId, `producer id ${after.producerId} after the restart, ${before.producerId} before: never reissued`);
});
