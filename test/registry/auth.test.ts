// The Schema Registry behind the HTTP port's authentication, with ACLs on:
// the registry's own Kafka client is the internal principal (User:__tributary)
// and keeps working with no ACL granted to it; Confluent's registry clients
// authenticate with an API key (Basic) or a JWT (Bearer, validated as the
// first OAUTHBEARER listener validates it) and get 401 without.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SchemaRegistry as KafkajsRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';
import kafkajs from 'kafkajs';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { TestIssuer } from '../helpers/jwt-issuer.js';
import { repoRoot } from '../helpers/broker-process.js';
import { describe, lastJson, requirePython, run, uniqueTopic } from '../compat/clients.js';
import { BrokerConnection } from '../../src/client/connection.js';
import type { ClientApi } from '../../src/client/apis.js';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/acl.js';
import {
  ApiKey, DescribeAclsRequestMessage, DescribeAclsResponseMessage, ErrorCode, type DescribeAclsRequestInput, type DescribeAclsResponse,
} from '../../src/protocol/generated/index.js';
import type { MessageDescriptor } from '../../src/protocol/message.js';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
const ADMIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";';
const SR_JSON = 'application/vnd.schemaregistry.v1+json';

const issuer = new TestIssuer();
let dir: string;
let broker: SecureBroker;
let base: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-sr-auth-'));
  writeFileSync(join(dir, 'jwks.json'), issuer.jwks());
  broker = await startSecureBroker({
    // PLAIN first, OAUTHBEARER on the second listener: bearer tokens on HTTP follow the first listener that enables it.
    listeners: 'SASL://127.0.0.1:0,OAUTH://127.0.0.1:0',
    'listener.security.protocol.map': 'SASL:SASL_PLAINTEXT,OAUTH:SASL_PLAINTEXT',
    'listener.name.sasl.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.oauth.sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.sasl.plain.sasl.jaas.config': ADMIN_JAAS,
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': `file://${join(dir, 'jwks.json')}`,
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.issuer': issuer.issuer,
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.audience': issuer.audience,
    // The principal comes from the azp claim, not sub: the HTTP port must honour it too.
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.sub.claim.name': 'azp',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': 'User:admin',
    'group.initial.rebalance.delay.ms': '0',
  }, join(dir, 'data'));
  base = `http://127.0.0.1:${broker.platform.http!.port}`;
});

after(async () => {
  await broker?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
const ADMIN = basic('admin', 'admin-secret');

async function http(method: string, path: string, authorization: string | null, body?: unknown): Promise<{ status: number; body: any; challenge: string | null }> {
  const headers: Record<string, string> = { 'content-type': SR_JSON, ...(authorization !== null ? { authorization } : {}) };
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text), challenge: res.headers.get('www-authenticate') };
}

const avro = (name: string, extra: object[] = []) => JSON.stringify({ type: 'record', name, namespace: 'com.example', fields: [{ name: 'name', type: 'string' }, ...extra] });

/** A service account and an API key for it, made by the super user over the IAM REST API. */
async function apiKey(name: string): Promise<{ key: string; secret: string; principal: string }> {
  const sa = await http('POST', '/iam/v2/service-accounts', ADMIN, { display_name: name, description: 'registry client' });
  assert.equal(sa.status, 201, JSON.stringify(sa.body));
  const created = await http('POST', '/iam/v2/api-keys', ADMIN, { spec: { display_name: `${name}-key`, owner: { id: sa.body.id } } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  return { key: created.body.id, secret: created.body.spec.secret, principal: `User:${sa.body.id}` };
}

test('with ACLs on and none granted, the registry (in-process, User:__tributary) registers and reads schemas', async () => {
  const registered = await http('POST', '/subjects/internal-principal/versions', ADMIN, { schema: avro('Internal') });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  const id: number = registered.body.id;
  const byId = await http('GET', `/schemas/ids/${id}`, ADMIN);
  assert.equal(byId.status, 200);
  assert.deepEqual(JSON.parse(byId.body.schema), JSON.parse(avro('Internal')));
  const latest = await http('GET', '/subjects/internal-principal/versions/latest', ADMIN);
  assert.equal(latest.body.id, id);
  assert.equal(latest.body.version, 1);
  // A second version goes through the same compatibility check and the same _schemas topic.
  const v2 = await http('POST', '/subjects/internal-principal/versions', ADMIN, { schema: avro('Internal', [{ name: 'n', type: 'int', default: 0 }]) });
  assert.equal(v2.status, 200, JSON.stringify(v2.body));
  assert.ok(v2.body.id > id);
  assert.deepEqual((await http('GET', '/subjects/internal-principal/versions', ADMIN)).body, [1, 2]);

  // The in-process connection's principal is a super user to the authorizer: DescribeAcls (DESCRIBE on the
  // cluster, which nobody was granted) answers NONE on it, while an API key over TCP is refused.
  const describeAcls: ClientApi<DescribeAclsRequestInput, DescribeAclsResponse> = {
    apiKey: ApiKey.DescribeAcls, name: 'DescribeAcls', minVersion: 1, maxVersion: 3,
    request: DescribeAclsRequestMessage as MessageDescriptor<unknown, DescribeAclsRequestInput>,
    response: DescribeAclsResponseMessage as MessageDescriptor<DescribeAclsResponse, unknown>,
  };
  const anyAcl: DescribeAclsRequestInput = {
    resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY,
    principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY,
  };
  const inProcess = await BrokerConnection.over(broker.platform.connectInProcess(), 'in-process', { clientId: 'internal-test', requestTimeoutMs: 10_000 });
  try {
    const r = await inProcess.request(describeAcls, anyAcl);
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '');
    assert.deepEqual(r.resources, [], 'no ACL granted to anyone');
  } finally {
    await inProcess.close();
  }
  const { key, secret } = await apiKey('outsider');
  const outsider = new Kafka({
    clientId: 'outsider', brokers: [`127.0.0.1:${broker.port('SASL')}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key, password: secret }, retry: { retries: 0 },
  }).admin();
  await outsider.connect();
  try {
    await assert.rejects(outsider.describeAcls({
      resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
    }), (e: { type?: string }) => e.type === 'CLUSTER_AUTHORIZATION_FAILED');
  } finally {
    await outsider.disconnect();
  }
});

test('Bearer JWTs on the HTTP port: validated like the OAUTHBEARER listener\'s, principal from its claim; bad ones get 401', async () => {
  // The principal is the azp claim: "admin" is a super user for the IAM API, "reader" is not.
  const adminToken = issuer.token('someone', 300, { azp: 'admin' });
  const readerToken = issuer.token('someone', 300, { azp: 'reader' });
  assert.equal((await http('GET', '/iam/v2/service-accounts', `Bearer ${adminToken}`)).status, 200);
  assert.equal((await http('GET', '/iam/v2/service-accounts', `Bearer ${readerToken}`)).status, 403);
  const listed = await http('GET', '/subjects', `Bearer ${readerToken}`);
  assert.equal(listed.status, 200);
  assert.ok(Array.isArray(listed.body));

  const now = Math.floor(Date.now() / 1000);
  const refused = [
    issuer.sign(issuer.claims('x', 0, { azp: 'admin', exp: now - 3600 })), // expired
    issuer.token('x', 300, { azp: 'admin', aud: 'elsewhere' }), // wrong audience
    issuer.token('x', 300, { azp: 'admin', iss: 'https://evil.test' }), // wrong issuer
    issuer.sign(issuer.claims('x', 300, { azp: 'admin' }), issuer.newKey('rsa-1')), // a key not in the JWKS
    issuer.token('x', 300), // no azp claim to name the principal
    'not.a.jwt',
  ];
  for (const token of refused) {
    const r = await http('GET', '/subjects', `Bearer ${token}`);
    assert.equal(r.status, 401, `token ${token.slice(0, 40)}...`);
    assert.deepEqual(r.body, { error_code: 401, message: 'Unauthorized' });
    assert.match(r.challenge ?? '', /Basic realm="tributary", Bearer realm="tributary"/);
  }
  assert.equal((await http('GET', '/subjects', 'Bearer')).status, 401);
  assert.equal((await http('GET', '/subjects', null)).status, 401);

  // @confluentinc/schemaregistry with a static bearer token registers through it.
  const sr = new SchemaRegistryClient({
    baseURLs: [base],
    bearerAuthCredentials: { credentialsSource: 'STATIC_TOKEN', token: readerToken, logicalCluster: 'lsrc-test', identityPoolId: 'pool-test' },
  });
  const id = await sr.register('bearer-client-value', { schemaType: 'AVRO', schema: avro('Bearer') });
  assert.equal((await http('GET', '/subjects/bearer-client-value/versions/latest', ADMIN)).body.id, id);
});

test('Confluent\'s JS registry clients with an API key register and (de)serialize; without it they get 401', async () => {
  const { key, secret } = await apiKey('js-registry');
  const subject = `${uniqueTopic('sr-auth-js')}-value`;

  const kjs = new KafkajsRegistry({ host: base, auth: { username: key, password: secret } });
  const { id } = await kjs.register({ type: SchemaType.AVRO, schema: avro('User', [{ name: 'age', type: 'int' }]) }, { subject });
  const encoded = await kjs.encode(id, { name: 'ada', age: 36 });
  assert.equal(encoded.readUInt32BE(1), id);

  const sr = new SchemaRegistryClient({ baseURLs: [base], basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: `${key}:${secret}` } });
  const decoded = await new AvroDeserializer(sr, SerdeType.VALUE, {}).deserialize(subject.replace(/-value$/, ''), encoded);
  assert.deepEqual({ ...decoded }, { name: 'ada', age: 36 });
  const payload = await new AvroSerializer(sr, SerdeType.VALUE, { useLatestVersion: true }).serialize(subject.replace(/-value$/, ''), { name: 'bob', age: 7 });
  assert.equal(payload.readUInt32BE(1), id);
  assert.deepEqual({ ...(await kjs.decode(payload)) }, { name: 'bob', age: 7 });

  // Without credentials, or with a wrong secret: 401 from both clients.
  await assert.rejects(new KafkajsRegistry({ host: base }).register({ type: SchemaType.AVRO, schema: avro('Nope') }, { subject }),
    (e: { status?: number }) => e.status === 401);
  await assert.rejects(new KafkajsRegistry({ host: base, auth: { username: key, password: 'wrong' } }).getLatestSchemaId(subject),
    (e: { status?: number }) => e.status === 401);
  await assert.rejects(new SchemaRegistryClient({ baseURLs: [base] }).getLatestSchemaMetadata(subject),
    (e: { status?: number }) => e.status === 401);
});

test('confluent-kafka-python: SchemaRegistryClient and Kafka with one API key (basic.auth.user.info, SASL/PLAIN); 401 without', async () => {
  const python = await requirePython();
  const { key, secret, principal } = await apiKey('py-registry');
  const topic = uniqueTopic('sr-auth-py');
  // The key's service account may use its topics; the registry itself needs no grant.
  const kafka = new Kafka({
    clientId: 'sr-auth-admin', brokers: [`127.0.0.1:${broker.port('SASL')}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: [
        { resourceType: AclResourceTypes.TOPIC, resourceName: 'sr-auth-py', resourcePatternType: ResourcePatternTypes.PREFIXED, principal, host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
        { resourceType: AclResourceTypes.GROUP, resourceName: 'sr-py-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal, host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW },
      ],
    });
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  } finally {
    await admin.disconnect();
  }
  const script = join(repoRoot(), 'compat', 'python', 'scenario_schema_registry.py');
  const common = [script, '--bootstrap-server', `127.0.0.1:${broker.port('SASL')}`, '--registry', base];
  const r = await run(python, [...common, '--api-key', `${key}:${secret}`, '--produce-topic', topic, '--consume-topic', topic, '--count', '3'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, describe('scenario_schema_registry.py', r));
  const out = lastJson(r);
  assert.equal(out['produced'], 3);
  assert.deepEqual(out['consumed'], [0, 1, 2].map((i) => ({ name: `user-${i}`, age: i })));
  const latest = await http('GET', `/subjects/${topic}-value/versions/latest`, ADMIN);
  assert.deepEqual(out['schema_ids'], [latest.body.id]);

  const refused = await run(python, [...common, '--admin-subject', `${topic}-admin`], { timeoutMs: 60_000 });
  assert.notEqual(refused.code, 0);
  assert.match(String(lastJson(refused)['error']), /401/);
});
