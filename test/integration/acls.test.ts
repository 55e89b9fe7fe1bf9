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
import { plainLogin } from '../helpers/sasl-client.js';
import type { AlterUserScramCredentialsResponse, DescribeUserScramCredentialsResponse } from '../../src/protocol/generated/index.js';

const PROPS = {
  listeners: 'PLAINTEXT://127.0.0.1:0',
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  // Plaintext clients are User:ANONYMOUS; here they administer the ACLs.
  'super.users': 'User:ANONYMOUS',
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

test('the ACL and SCRAM credential APIs need ALTER / DESCRIBE on the cluster; super.users always pass; DENY wins', async () => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-pw" user_alice="alice-pw";';
  const secured = await startSecureBroker({
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaas,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
  });
  const as = async (user: string, password: string): Promise<WireClient> => {
    const c = await WireClient.connect('127.0.0.1', secured.port('SASL_PLAINTEXT'));
    assert.equal((await plainLogin(c, user, password)).errorCode, ErrorCode.NONE);
    return c;
  };
  const admin = await as('admin', 'admin-pw');
  const alice = await as('alice', 'alice-pw');
  try {
    const denied = async () => {
      const d = (await alice.request(ApiKey.DescribeAcls, 3, ALL)) as DescribeAclsResponse;
      const c = (await alice.request(ApiKey.CreateAcls, 3, { creations: [creation({ principal: 'User:alice', operation: Op.ALL })] })) as CreateAclsResponse;
      const del = (await alice.request(ApiKey.DeleteAcls, 3, { filters: [ALL] })) as DeleteAclsResponse;
      const ds = (await alice.request(ApiKey.DescribeUserScramCredentials, 0, { users: null })) as DescribeUserScramCredentialsResponse;
      const alt = (await alice.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [{ name: 'x', mechanism: 1 }], upsertions: [] })) as AlterUserScramCredentialsResponse;
      return [d.errorCode, c.results[0]!.errorCode, del.filterResults[0]!.errorCode, ds.errorCode, alt.results[0]!.errorCode].map((e) => ErrorCode[e]);
    };
    assert.deepEqual(await denied(), Array(5).fill('CLUSTER_AUTHORIZATION_FAILED'));
    const cluster = { resourceType: RT.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', permissionType: Perm.ALLOW };
    const granted = (await admin.request(ApiKey.CreateAcls, 3, { creations: [{ ...cluster, operation: Op.ALTER }, { ...cluster, operation: Op.DESCRIBE }] })) as CreateAclsResponse;
    assert.deepEqual(granted.results.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
    const d = (await alice.request(ApiKey.DescribeAcls, 3, ALL)) as DescribeAclsResponse;
    assert.equal(d.errorCode, ErrorCode.NONE);
    assert.equal(d.resources[0]?.acls.length, 2);
    // A DENY for alice's host beats her ALLOW.
    await admin.request(ApiKey.CreateAcls, 3, { creations: [{ ...cluster, operation: Op.DESCRIBE, host: '127.0.0.1', permissionType: Perm.DENY }] });
    assert.equal(((await alice.request(ApiKey.DescribeAcls, 3, ALL)) as DescribeAclsResponse).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal(((await admin.request(ApiKey.DescribeAcls, 3, ALL)) as DescribeAclsResponse).errorCode, ErrorCode.NONE, 'super users are never denied');
  } finally {
    admin.close();
    alice.close();
    await secured.stop();
  }
});
