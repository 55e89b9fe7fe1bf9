// API keys end to end: with a SASL listener the HTTP port asks for
// credentials; a super user creates a service account and a key over the
// IAM v2 REST API (and the CLI lists it); kafkajs authenticates with the key
// over SASL/PLAIN and produces; once the key is deleted, a new connection
// is refused with SASL_AUTHENTICATION_FAILED.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { runCli } from '../../src/cli/run.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { TestIssuer } from '../helpers/jwt-issuer.js';

const { Kafka, logLevel } = kafkajs;
const ADMIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";';

let broker: SecureBroker;
let base: string;

before(async () => {
  broker = await startSecureBroker({
    listeners: 'SASL://127.0.0.1:0',
    'listener.security.protocol.map': 'SASL:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl.plain.sasl.jaas.config': ADMIN_JAAS,
    'super.users': 'User:admin',
  });
  base = `http://127.0.0.1:${broker.platform.http!.port}`;
});

after(async () => {
  await broker?.stop();
});

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

const ADMIN = basic('admin', 'admin-secret');

async function http(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

test('the HTTP port requires credentials once security is on (except /health)', async () => {
  assert.equal((await http('GET', '/health', {})).status, 200);
  const none = await http('GET', '/iam/v2/service-accounts', {});
  assert.equal(none.status, 401);
  assert.deepEqual(none.body, { error_code: 401, message: 'Unauthorized' });
  assert.equal((await http('GET', '/iam/v2/service-accounts', basic('admin', 'wrong'))).status, 401);
  assert.equal((await http('GET', '/iam/v2/service-accounts', { authorization: 'Basic !!!' })).status, 401);
  assert.equal((await http('GET', '/iam/v2/service-accounts', ADMIN)).status, 200);
  // No listener enables OAUTHBEARER: a bearer token (even a well-formed JWT) is refused, and only Basic is offered.
  const bearer = await fetch(`${base}/iam/v2/service-accounts`, { headers: { authorization: `Bearer ${new TestIssuer().token('admin')}` } });
  assert.equal(bearer.status, 401);
  assert.equal(bearer.headers.get('www-authenticate'), 'Basic realm="tributary"');
});

test('service account and API key over REST; kafkajs uses the key; deleting it ends authentication', async () => {
  const sa = await http('POST', '/iam/v2/service-accounts', ADMIN, { display_name: 'payments', description: 'the payments service' });
  assert.equal(sa.status, 201);
  assert.equal(sa.body.kind, 'ServiceAccount');
  const created = await http('POST', '/iam/v2/api-keys', ADMIN, { spec: { display_name: 'payments-key', description: 'prod', owner: { id: sa.body.id } } });
  assert.equal(created.status, 202);
  const key: string = created.body.id;
  const secret: string = created.body.spec.secret;
  assert.equal(created.body.spec.owner.id, sa.body.id);
  const fetched = await http('GET', `/iam/v2/api-keys/${key}`, ADMIN);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.spec.secret, undefined, 'the secret is shown once');
  const listed = await http('GET', `/iam/v2/api-keys?spec.owner=${sa.body.id}`, ADMIN);
  assert.deepEqual(listed.body.data.map((k: { id: string }) => k.id), [key]);

  // The CLI sees it too.
  let out = '';
  const code = await runCli(['api-keys', 'list', '--url', base, '--api-key', 'admin', '--api-secret', 'admin-secret'], { stdout: (t) => { out += t; } });
  assert.equal(code, 0);
  assert.match(out, new RegExp(`${key}\\s+${sa.body.id}\\s+prod`));

  // The key is not a super user: it may not manage IAM, but it does authenticate.
  assert.equal((await http('GET', '/iam/v2/service-accounts', basic(key, secret))).status, 403);

  const kafka = (password: string) => new Kafka({
    clientId: 'api-key-test', brokers: [`127.0.0.1:${broker.port('SASL')}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: key, password }, retry: { retries: 0 },
  });
  const producer = kafka(secret).producer();
  await producer.connect();
  await producer.send({ topic: 'api-key-topic', messages: [{ value: 'hello' }] });
  await producer.disconnect();
  const wrong = kafka('not-the-secret').producer();
  await assert.rejects(wrong.connect(), /SASL PLAIN authentication failed|Authentication failed/i);

  assert.equal((await http('DELETE', `/iam/v2/api-keys/${key}`, ADMIN)).status, 204);
  const gone = kafka(secret).producer();
  await assert.rejects(gone.connect(), /SASL PLAIN authentication failed|Authentication failed/i);
  assert.equal((await http('GET', `/iam/v2/api-keys/${key}`, ADMIN)).status, 404);

  // The failed authentications are in the audit log, in Confluent's event shape.
  const admin = new Kafka({
    clientId: 'audit-reader', brokers: [`127.0.0.1:${broker.port('SASL')}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' },
  });
  const consumer = admin.consumer({ groupId: 'audit-reader', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'confluent-audit-log-events', fromBeginning: true });
  const failures: Record<string, any>[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${failures.length} authentication failures in the audit log`)), 15_000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value!.toString());
        if (event.type === 'io.confluent.kafka.server/authentication' && event.data.result.status === 'UNAUTHENTICATED') failures.push(event);
        if (failures.length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  assert.equal(failures[0]!.data.methodName, 'kafka.Authentication');
  assert.equal(failures[0]!.data.authenticationInfo.metadata.mechanism, 'PLAIN');
  assert.match(failures[0]!.data.requestMetadata.client_address, /^\/.*127\.0\.0\.1$/);
});

test('bad input gets Confluent Cloud error bodies', async () => {
  const notJson = await http('POST', '/iam/v2/service-accounts', ADMIN, '{nope');
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errors[0].status, '400');
  assert.equal((await http('POST', '/iam/v2/service-accounts', ADMIN, { display_name: '' })).status, 400);
  assert.equal((await http('POST', '/iam/v2/api-keys', ADMIN, { spec: { owner: { id: 'sa-none00' } } })).status, 404);
  assert.equal((await http('DELETE', '/iam/v2/service-accounts/sa-none00', ADMIN)).status, 404);
  assert.equal((await http('PUT', '/iam/v2/api-keys', ADMIN, {})).status, 405);
  const huge = await http('POST', '/iam/v2/service-accounts', ADMIN, JSON.stringify({ display_name: 'x', description: 'y'.repeat(100_000) }));
  assert.equal(huge.status, 413);
});

test('CLI: usage errors exit 2 with a message; an unreachable platform exits 1; create prints the secret once', async () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
    return { code, out, err };
  };
  const noOwner = await run(['api-keys', 'create']);
  assert.equal(noOwner.code, 2);
  assert.match(noOwner.err, /needs --service-account/);
  assert.equal((await run(['service-accounts', 'rename', 'x'])).code, 2);
  assert.equal((await run(['api-keys', 'list', '--output', 'yaml'])).code, 2);
  assert.match((await run(['service-accounts', '--help'])).out, /tributary service-accounts create NAME/);
  const down = await run(['service-accounts', 'list', '--url', 'http://127.0.0.1:1']);
  assert.equal(down.code, 1);
  assert.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:1/);

  const auth = ['--url', base, '--api-key', 'admin', '--api-secret', 'admin-secret'];
  const sa = await run(['service-accounts', 'create', 'cli-made', '--description', 'from the CLI', ...auth, '--output', 'json']);
  assert.equal(sa.code, 0, sa.err);
  const id = JSON.parse(sa.out).id as string;
  const key = await run(['api-keys', 'create', '--service-account', id, ...auth]);
  assert.equal(key.code, 0, key.err);
  assert.match(key.out, /^API key: {4}[A-Z0-9]{16}\nAPI secret: \S{64}\n/);
  const unauthorized = await run(['service-accounts', 'list', '--url', base]);
  assert.equal(unauthorized.code, 1);
  assert.match(unauthorized.err, /HTTP 401/);
  const deleted = await run(['service-accounts', 'delete', id, ...auth]);
  assert.equal(deleted.code, 0, deleted.err);
  assert.match(deleted.out, new RegExp(`Deleted service account ${id}`));
});
