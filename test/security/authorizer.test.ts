// The authorization decision with StandardAuthorizer's semantics, and
// AclBindingFilter matching, on an in-memory ACL list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT, filterMatches, validateNewAcl, type AclBinding } from '../../src/security/acl.js';
import { Authorizer, parseSuperUsers, type StoredAcl } from '../../src/security/authorizer.js';
import { INTERNAL_PRINCIPAL, userPrincipal } from '../../src/security/principal.js';

function authorizer(superUsers = '', allowEveryone = false): Authorizer {
  let acls: StoredAcl[] = [];
  return new Authorizer({ acls: () => acls, alterAcls: (add, remove) => { acls = [...acls.filter((a) => !remove.includes(a.id)), ...add]; } },
    { superUsers: parseSuperUsers(superUsers), allowEveryoneIfNoAclFound: allowEveryone });
}

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: RT.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW, ...over,
});
const alice = userPrincipal('alice');
const bob = userPrincipal('bob');

test('literal, wildcard and prefixed patterns; principal and host wildcards', () => {
  const a = authorizer();
  a.create([acl({}), acl({ resourceName: 'pay-', patternType: PatternType.PREFIXED, principal: 'User:*', operation: Op.WRITE }), acl({ resourceName: '*', principal: 'User:bob', host: '10.0.0.1' })]);
  assert.equal(a.authorize(alice, '127.0.0.1', Op.READ, RT.TOPIC, 'orders'), true);
  assert.equal(a.authorize(alice, '127.0.0.1', Op.WRITE, RT.TOPIC, 'orders'), false);
  assert.equal(a.authorize(bob, '127.0.0.1', Op.WRITE, RT.TOPIC, 'pay-ments'), true, 'prefixed + User:*');
  assert.equal(a.authorize(bob, '127.0.0.1', Op.WRITE, RT.TOPIC, 'pa'), false, 'shorter than the prefix');
  assert.equal(a.authorize(bob, '10.0.0.1', Op.READ, RT.TOPIC, 'anything'), true, 'wildcard resource from the right host');
  assert.equal(a.authorize(bob, '10.0.0.2', Op.READ, RT.TOPIC, 'anything'), false);
  assert.equal(a.authorize(alice, '127.0.0.1', Op.READ, RT.GROUP, 'orders'), false, 'resource types are separate');
});

test('DENY wins over ALLOW, ALL covers every operation, implied DESCRIBE and DESCRIBE_CONFIGS', () => {
  const a = authorizer();
  a.create([acl({ operation: Op.ALL }), acl({ operation: Op.WRITE, permissionType: Perm.DENY })]);
  assert.equal(a.authorize(alice, 'h', Op.READ, RT.TOPIC, 'orders'), true);
  assert.equal(a.authorize(alice, 'h', Op.WRITE, RT.TOPIC, 'orders'), false);
  const b = authorizer();
  b.create([acl({ operation: Op.WRITE }), acl({ resourceName: 'c', operation: Op.ALTER_CONFIGS })]);
  assert.equal(b.authorize(alice, 'h', Op.DESCRIBE, RT.TOPIC, 'orders'), true, 'WRITE implies DESCRIBE');
  assert.equal(b.authorize(alice, 'h', Op.DESCRIBE_CONFIGS, RT.TOPIC, 'c'), true, 'ALTER_CONFIGS implies DESCRIBE_CONFIGS');
  assert.equal(b.authorize(alice, 'h', Op.READ, RT.TOPIC, 'orders'), false);
  const c = authorizer();
  c.create([acl({ operation: Op.ALL, permissionType: Perm.DENY, principal: 'User:*' }), acl({})]);
  assert.equal(c.authorize(alice, 'h', Op.READ, RT.TOPIC, 'orders'), false, 'a wildcard DENY ALL beats a specific ALLOW');
});

test('super.users and allow.everyone.if.no.acl.found', () => {
  const a = authorizer('User:admin; User:ops', false);
  a.create([acl({ permissionType: Perm.DENY, principal: 'User:*', operation: Op.ALL })]);
  assert.equal(a.authorize(userPrincipal('admin'), 'h', Op.WRITE, RT.TOPIC, 'orders'), true, 'super users skip ACLs');
  assert.equal(a.authorize(userPrincipal('ops'), 'h', Op.ALTER, RT.CLUSTER, 'kafka-cluster'), true);
  assert.equal(a.authorize(alice, 'h', Op.READ, RT.TOPIC, 'no-acls-here'), false);
  const open = authorizer('', true);
  open.create([acl({})]);
  assert.equal(open.authorize(bob, 'h', Op.READ, RT.TOPIC, 'no-acls-here'), true, 'no ACL for the resource: allowed');
  assert.equal(open.authorize(bob, 'h', Op.READ, RT.TOPIC, 'orders'), false, 'an ACL exists for the resource, not for bob');
});

test('filters: ANY, MATCH, LITERAL, PREFIXED; create is idempotent; delete returns what it removed', () => {
  const a = authorizer();
  const literal = acl({});
  const wildcard = acl({ resourceName: '*' });
  const prefixed = acl({ resourceName: 'ord', patternType: PatternType.PREFIXED });
  a.create([literal, wildcard, prefixed, literal]);
  const any = { resourceType: RT.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: Perm.ANY };
  assert.equal(a.describe(any).length, 3, 'the duplicate was not stored twice');
  assert.equal(a.describe({ ...any, resourceType: RT.TOPIC, resourceName: 'orders', patternType: PatternType.MATCH }).length, 3);
  assert.equal(a.describe({ ...any, resourceName: 'orders', patternType: PatternType.ANY }).length, 1);
  assert.equal(a.describe({ ...any, resourceName: 'ord', patternType: PatternType.PREFIXED }).length, 1);
  assert.equal(a.describe({ ...any, patternType: PatternType.LITERAL }).length, 2);
  assert.ok(filterMatches({ ...any, principal: 'User:alice' }, literal));
  assert.ok(!filterMatches({ ...any, principal: 'User:bob' }, literal));
  const [removed] = a.delete([{ ...any, patternType: PatternType.LITERAL }]);
  assert.equal(removed!.length, 2);
  assert.equal(a.describe(any).length, 1);
});

test('new bindings are validated as Kafka does', () => {
  assert.equal(validateNewAcl(acl({})), null);
  assert.match(validateNewAcl(acl({ resourceType: RT.ANY }))!, /Invalid resourceType/);
  assert.match(validateNewAcl(acl({ patternType: PatternType.MATCH }))!, /Invalid patternType/);
  assert.match(validateNewAcl(acl({ operation: Op.ANY }))!, /Invalid operation/);
  assert.match(validateNewAcl(acl({ permissionType: Perm.ANY }))!, /Invalid permissionType/);
  assert.match(validateNewAcl(acl({ resourceName: '' }))!, /should not be empty/);
  assert.match(validateNewAcl(acl({ resourceType: RT.CLUSTER, resourceName: 'x' }))!, /kafka-cluster/);
  assert.match(validateNewAcl(acl({ principal: 'alice' }))!, /Could not parse principal/);
});

test('authorizeByResourceType (KIP-679): an ALLOW no DENY covers entirely', () => {
  const a = authorizer();
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), false, 'no binding at all');
  a.create([acl({ operation: Op.WRITE })]);
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), true, 'WRITE on one literal topic');
  assert.equal(a.authorizeByResourceType(bob, 'h', Op.WRITE, RT.TOPIC), false, 'another principal');
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.GROUP), false, 'another resource type');
  a.create([acl({ resourceName: 'ord', patternType: PatternType.PREFIXED, operation: Op.WRITE, permissionType: Perm.DENY })]);
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), false, 'a prefix DENY covers the literal ALLOW');
  a.create([acl({ resourceName: 'pay-', patternType: PatternType.PREFIXED, operation: Op.ALL })]);
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), true, 'ALL on a prefix no DENY covers');
  a.create([acl({ resourceName: '*', principal: 'User:*', operation: Op.WRITE, permissionType: Perm.DENY })]);
  assert.equal(a.authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), false, 'a wildcard DENY covers everything');
  assert.equal(authorizer('User:alice').authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), true, 'super user');
  assert.equal(authorizer('', true).authorizeByResourceType(alice, 'h', Op.WRITE, RT.TOPIC), true, 'allow.everyone.if.no.acl.found with no binding of the type');
});

test('the internal principal of in-process connections is a super user; the same name from outside is not', () => {
  const a = authorizer('', false);
  assert.equal(a.authorize(INTERNAL_PRINCIPAL, 'in-process', Op.WRITE, RT.TOPIC, '_schemas'), true);
  assert.equal(a.authorize(INTERNAL_PRINCIPAL, 'in-process', Op.ALTER, RT.CLUSTER, 'kafka-cluster'), true);
  a.create([acl({ resourceName: '_schemas', principal: 'User:__tributary', operation: Op.ALL, permissionType: Perm.DENY })]);
  assert.equal(a.authorize(INTERNAL_PRINCIPAL, 'in-process', Op.READ, RT.TOPIC, '_schemas'), true, 'as for super.users, no ACL applies');
  // A SASL user or certificate that happens to be called __tributary is an ordinary principal.
  assert.equal(a.authorize(userPrincipal('__tributary'), '127.0.0.1', Op.READ, RT.TOPIC, 'orders'), false);
});
