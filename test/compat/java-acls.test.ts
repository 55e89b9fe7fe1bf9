// Kafka's own kafka-acls tool (org.apache.kafka.tools.AclCommand) against the
// broker's CreateAcls/DescribeAcls/DeleteAcls: add, list, remove.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, type DescribeAclsResponse } from '../../src/protocol/generated/index.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT } from '../../src/security/acl.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { describe as describeRun, requireJava, run } from './clients.js';

let broker: SecureBroker;
let java: string;

before(async () => {
  java = requireJava();
  broker = await startSecureBroker({ listeners: 'PLAINTEXT://127.0.0.1:0', 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' });
});

after(async () => {
  await broker?.stop();
});

const ALL = { resourceTypeFilter: RT.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: Perm.ANY };

async function call<T>(apiKey: number, version: number, body: object): Promise<T> {
  const c = await WireClient.connect('127.0.0.1', broker.port('PLAINTEXT'));
  try {
    return (await c.request(apiKey, version, body)) as T;
  } finally {
    c.close();
  }
}

test('kafka-acls (AclCommand): --add, --list, --remove', async () => {
  const bootstrap = `127.0.0.1:${broker.port('PLAINTEXT')}`;
  const acls = async (args: string[]) => {
    const r = await run(java, ['org.apache.kafka.tools.AclCommand', '--bootstrap-server', bootstrap, ...args], { timeoutMs: 60_000 });
    return { r, failure: describeRun(`kafka-acls ${args.join(' ')}`, r) };
  };
  const add = await acls(['--add', '--allow-principal', 'User:svc', '--operation', 'Read', '--operation', 'Describe', '--topic', 'events-', '--resource-pattern-type', 'prefixed', '--group', 'svc-group']);
  assert.equal(add.r.code, 0, add.failure);
  const list = await acls(['--list', '--topic', 'events-', '--resource-pattern-type', 'prefixed']);
  assert.equal(list.r.code, 0, list.failure);
  assert.match(list.r.stdout, /ResourcePattern\(resourceType=TOPIC, name=events-, patternType=PREFIXED\)/, list.failure);
  assert.match(list.r.stdout, /\(principal=User:svc, host=\*, operation=READ, permissionType=ALLOW\)/, list.failure);
  assert.match(list.r.stdout, /\(principal=User:svc, host=\*, operation=DESCRIBE, permissionType=ALLOW\)/, list.failure);
  const groups = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, { ...ALL, resourceTypeFilter: RT.GROUP, resourceNameFilter: 'svc-group', patternTypeFilter: PatternType.PREFIXED });
  assert.deepEqual(groups.resources[0]?.acls.map((a) => a.operation).sort(), [Op.READ, Op.DESCRIBE].sort());
  const remove = await acls(['--remove', '--force', '--allow-principal', 'User:svc', '--operation', 'Read', '--topic', 'events-', '--resource-pattern-type', 'prefixed']);
  assert.equal(remove.r.code, 0, remove.failure);
  const left = await call<DescribeAclsResponse>(ApiKey.DescribeAcls, 3, { ...ALL, resourceTypeFilter: RT.TOPIC, resourceNameFilter: 'events-', patternTypeFilter: PatternType.PREFIXED });
  assert.deepEqual(left.resources[0]?.acls.map((a) => a.operation), [Op.DESCRIBE]);
});

