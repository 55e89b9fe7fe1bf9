// CreateAcls, DescribeAcls and DeleteAcls at the wire: literal and prefixed
// patterns, filters, validation errors, persistence across a restart, and
// SECURITY_DISABLED without authorizer.class.name.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type CreateAclsResponse, type DeleteAclsResponse, type DescribeAclsResponse } from '../../src/protocol/generated/index.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT } from '../../src/security/acl.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';

const PROPS = {
  listeners: 'PLAINTEXT://127.0.0.1:0',
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
};
let broker: SecureBroker;

before(async () => {
  broker = await startSecureBroker(PROPS);
});

after(async () => {
  await broker?.stop();
});

async function call<T>(apiKey: number, version: number, body: object, b: SecureBroker = broker): Promise<T> {
  const c = await WireClient.connect('127.0.0.1', b.port('PLAINTEXT'));
  try {
    return (await c.request(apiKey, version, body)) as T;
  } finally {
    c.close();
  }
}

const ALL = { resourceTypeFilter: RT.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: Perm.ANY };
const creation = (over: object) => ({ resourceType: RT.TOPIC, resourceName: 'orders', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...over });

test('create, describe by filter, delete, with per-creation validation errors', async () => {
  const created = await call<CreateAclsResponse>(ApiKey.CreateAcls, 3, {
    creations: [
      creation({}),
      creation({ resourceName: 'pay', resourcePatternType: PatternType.PREFIXED, operation: Op.WRITE }),
      creation({ resourceType: RT.GROUP, resourceName: 'g1' }),
      creation({ resourceType: RT.CLUSTER, resourceName: 'kafka-cluster', operation: Op.IDEMPOTENT_WRITE }),
      creation({ principal: 'alice' }),
      creation({ resourcePatternType: PatternType.MATCH }),
    ],
  });
  assert.deepEqual(created.results.map((r) => ErrorCode[r.errorCode]), ['NONE', 'NONE', 'NONE', 'NONE', 'INVALID_REQUEST', 'INVALID_REQUEST']);
  assert.match(created.results[4]!.errorMessage ?? '', /Could not parse principal/);

  const all = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, ALL);
  assert.equal(all.errorCode, ErrorCode.NONE);
  assert.deepEqual(all.resources.map((r) => `${r.resourceType}/${r.patternType}/${r.resourceName}`).sort(), ['2/3/orders', '2/4/pay', '3/3/g1', '4/3/kafka-cluster']);
  const matching = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, { ...ALL, resourceTypeFilter: RT.TOPIC, resourceNameFilter: 'payments', patternTypeFilter: PatternType.MATCH });
  assert.deepEqual(matching.resources.map((r) => r.resourceName), ['pay'], 'MATCH finds the prefixed binding that applies to "payments"');
  const bad = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, { ...ALL, operation: Op.UNKNOWN });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);

  const deleted = await call<DeleteAclsResponse>(ApiKey.DeleteAcls, 3, { filters: [{ ...ALL, resourceTypeFilter: RT.GROUP }, { ...ALL, resourceTypeFilter: RT.UNKNOWN }] });
  assert.equal(deleted.filterResults[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(deleted.filterResults[0]!.matchingAcls.map((a) => [a.resourceName, a.principal, a.operation]), [['g1', 'User:alice', Op.READ]]);
  assert.equal(deleted.filterResults[1]!.errorCode, ErrorCode.INVALID_REQUEST);
  const after = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, ALL);
  assert.equal(after.resources.length, 3);
});

test('ACLs survive a restart (metadata log)', async () => {
  const before = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, ALL);
  const dir = broker.dataDir;
  await broker.platform.stop();
  broker = await startSecureBroker(PROPS, dir);
  const stop = broker.stop.bind(broker);
  broker.stop = async () => { await stop(); rmSync(dir, { recursive: true, force: true }); };
  const after = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, ALL);
  assert.deepEqual(after.resources, before.resources);
});

test('without authorizer.class.name the ACL APIs answer SECURITY_DISABLED', async () => {
  const plain = await startSecureBroker({ listeners: 'PLAINTEXT://127.0.0.1:0' });
  try {
    const d = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, ALL, plain);
    assert.equal(d.errorCode, ErrorCode.SECURITY_DISABLED);
    const c = await call<CreateAclsResponse>(ApiKey.CreateAcls, 3, { creations: [creation({})] }, plain);
    assert.equal(c.results[0]!.errorCode, ErrorCode.SECURITY_DISABLED);
    const del = await call<DeleteAclsResponse>(ApiKey.DeleteAcls, 3, { filters: [ALL] }, plain);
    assert.equal(del.filterResults[0]!.errorCode, ErrorCode.SECURITY_DISABLED);
  } finally {
    await plain.stop();
  }
});
