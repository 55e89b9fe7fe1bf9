// The group leader's choice of registry leader, from the members' identities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseLeader, identityUrl } from '../../src/registry/leader.js';

const member = (memberId: string, identity: Record<string, unknown>) =>
  ({ memberId, groupInstanceId: null, metadata: Buffer.from(JSON.stringify(identity)) });

test('the eligible member with the smallest member id leads; ineligible ones never do', () => {
  const choice = chooseLeader([
    member('sr-b', { version: 1, host: 'h2', port: 8081, scheme: 'http', leader_eligibility: true }),
    member('sr-a', { version: 1, host: 'h1', port: 8081, scheme: 'http', leader_eligibility: false }),
    member('sr-c', { version: 1, host: 'h3', port: 8081, scheme: 'http', leader_eligibility: true }),
  ]);
  assert.equal(choice.error, 0);
  assert.equal(choice.leader, 'sr-b');
  assert.equal(identityUrl(choice.leader_identity!), 'http://h2:8081');
});

test("older registries' master_eligibility is understood; unreadable metadata is not eligible", () => {
  const choice = chooseLeader([
    member('a', { host: 'old', port: 8081, master_eligibility: false }),
    { memberId: '0', groupInstanceId: null, metadata: Buffer.from('not json') },
    member('b', { host: 'new', port: 8082, scheme: 'https', path: '/sr' }),
  ]);
  assert.equal(choice.leader, 'b');
  assert.equal(identityUrl(choice.leader_identity!), 'https://new:8082/sr');
});

test('no eligible member: no leader; two members with one URL: error 1 (duplicate URLs)', () => {
  assert.deepEqual(chooseLeader([member('a', { host: 'h', port: 1, leader_eligibility: false })]),
    { version: 1, error: 0, leader: null, leader_identity: null });
  const dup = chooseLeader([member('a', { host: 'h', port: 1 }), member('b', { host: 'h', port: 1 })]);
  assert.equal(dup.error, 1);
  assert.equal(dup.leader, null);
});
