// Real clients over secured listeners: kcat and confluent-kafka-python (librdkafka)
// and the Java client, each over SASL_SSL with SCRAM-SHA-512 and PLAIN, over
// mutual TLS, and with a wrong password (SASL_AUTHENTICATION_FAILED, a message
// that does not say what was wrong). The broker runs in this process; the clients are child processes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { repoRoot } from '../helpers/broker-process.js';
import { makeTestCerts, PKCS12_PASSWORD, type CertFiles } from '../helpers/test-certs.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { scramUpsertion } from '../helpers/sasl-client.js';
import { WireClient } from '../helpers/wire-client.js';
import { startTokenEndpoint, TestIssuer, type TokenEndpoint } from '../helpers/jwt-issuer.js';
import { describe, lastJson, requireJava, requireKcat, requirePython, run, uniqueTopic } from './clients.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";';
const GENERIC_SCRAM_FAILURE = 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512';

let certs: CertFiles;
let broker: SecureBroker;
let kcat: string;
let python: string;
let java: string;
const issuer = new TestIssuer();
let tokenEndpoint: TokenEndpoint;

before(async () => {
  kcat = await requireKcat();
  python = await requirePython();
  java = requireJava();
  certs = makeTestCerts({ alice: '/O=Acme/CN=alice' });
  writeFileSync(join(certs.dir, 'jwks.json'), issuer.jwks());
  tokenEndpoint = await startTokenEndpoint(issuer, { 'svc-orders': 'orders-secret' });
  broker = await startSecureBroker({
    listeners: 'ADMIN://127.0.0.1:0,SECURE://127.0.0.1:0,MTLS://127.0.0.1:0,REAUTH://127.0.0.1:0,OAUTH://127.0.0.1:0',
    'listener.security.protocol.map': 'ADMIN:PLAINTEXT,SECURE:SASL_SSL,MTLS:SSL,REAUTH:SASL_SSL,OAUTH:SASL_SSL',
    'listener.name.oauth.sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': join(certs.dir, 'jwks.json'),
    'sasl.oauthbearer.expected.issuer': issuer.issuer,
    'sasl.oauthbearer.expected.audience': issuer.audience,
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.secure.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.reauth.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.reauth.connections.max.reauth.ms': '2000',
    'ssl.keystore.location': certs.serverPem,
    'ssl.truststore.location': certs.caCert,
    'listener.name.mtls.ssl.client.auth': 'required',
  });
  const admin = await WireClient.connect('127.0.0.1', broker.port('ADMIN'));
  try {
    const res = (await admin.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [], upsertions: [scramUpsertion('librdkafka', 'SCRAM-SHA-512', 'rd-secret', 8192)],
    })) as { results: { errorCode: number }[] };
    assert.equal(res.results[0]!.errorCode, ErrorCode.NONE);
  } finally {
    admin.close();
  }
});

after(async () => {
  await broker?.stop();
  await tokenEndpoint?.close();
  certs?.remove();
});

const bootstrap = (listener: string): string => `127.0.0.1:${broker.port(listener)}`;
const kcatTls = (): string[] => ['-X', `ssl.ca.location=${certs.caCert}`];
const kcatSasl = (mechanism: string, user: string, password: string): string[] => [
  '-X', 'security.protocol=SASL_SSL', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`, ...kcatTls(),
];

async function kc(listener: string, args: string[], input?: string) {
  const r = await run(kcat, ['-b', bootstrap(listener), ...args], { input, timeoutMs: 25_000 });
  return { ...r, failure: describe(`kcat ${args.join(' ')}`, r) };
}

test('kcat: SCRAM-SHA-512 over SASL_SSL produces and consumes', async () => {
  const topic = uniqueTopic('kcat-scram');
  const auth = kcatSasl('SCRAM-SHA-512', 'librdkafka', 'rd-secret');
  const lines = Array.from({ length: 20 }, (_, i) => `k${i}:v${i}`);
  const produced = await kc('SECURE', [...auth, '-P', '-t', topic, '-K:'], lines.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.failure);
  const consumed = await kc('SECURE', [...auth, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\n']);
  assert.equal(consumed.code, 0, consumed.failure);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), lines, consumed.failure);
});

test('kcat: PLAIN over SASL_SSL, mTLS over SSL; a wrong password or no client certificate is refused', async () => {
  const plain = await kc('SECURE', [...kcatSasl('PLAIN', 'alice', 'alice-secret'), '-L']);
  assert.equal(plain.code, 0, plain.failure);
  assert.match(plain.stdout, new RegExp(`broker 1 at 127\\.0\\.0\\.1:${broker.port('SECURE')}`), plain.failure);
  const mtls = await kc('MTLS', ['-X', 'security.protocol=SSL', ...kcatTls(), '-X', `ssl.certificate.location=${certs.clients['alice']!.cert}`, '-X', `ssl.key.location=${certs.clients['alice']!.key}`, '-L']);
  assert.equal(mtls.code, 0, mtls.failure);
  const noCert = await kc('MTLS', ['-X', 'security.protocol=SSL', ...kcatTls(), '-m', '3', '-L']);
  assert.notEqual(noCert.code, 0, noCert.failure);
  const wrong = await kc('SECURE', [...kcatSasl('SCRAM-SHA-512', 'librdkafka', 'not-it'), '-m', '3', '-L']);
  assert.notEqual(wrong.code, 0, wrong.failure);
  assert.match(wrong.stderr, new RegExp(`SASL authentication error: ${GENERIC_SCRAM_FAILURE}`), wrong.failure);
});

async function py(listener: string, config: string[], extra: string[] = []) {
  const args = [join(repoRoot(), 'compat', 'python', 'scenario_secure.py'), '--bootstrap-server', bootstrap(listener), ...config.flatMap((c) => ['--config', c]), ...extra];
  const r = await run(python, args, { timeoutMs: 60_000 });
  return { r, failure: describe('scenario_secure.py', r) };
}

const pyScram = (password: string): string[] => ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', 'sasl.username=librdkafka', `sasl.password=${password}`, `ssl.ca.location=${certs.caCert}`];

test('confluent-kafka-python: SCRAM-SHA-512 over SASL_SSL and mTLS round trips; a wrong password is _AUTHENTICATION', async () => {
  const scram = await py('SECURE', pyScram('rd-secret'), ['--topic', uniqueTopic('py-scram'), '--count', '200']);
  assert.equal(scram.r.code, 0, scram.failure);
  assert.equal(lastJson(scram.r)['match'], true, scram.failure);
  const mtls = await py('MTLS', ['security.protocol=SSL', `ssl.ca.location=${certs.caCert}`, `ssl.certificate.location=${certs.clients['alice']!.cert}`, `ssl.key.location=${certs.clients['alice']!.key}`], ['--topic', uniqueTopic('py-mtls'), '--count', '50']);
  assert.equal(mtls.r.code, 0, mtls.failure);
  assert.equal(lastJson(mtls.r)['match'], true, mtls.failure);
  const wrong = await py('SECURE', pyScram('wrong'), ['--expect-auth-failure']);
  assert.equal(wrong.r.code, 0, wrong.failure);
  const summary = lastJson(wrong.r) as { auth_failed: boolean; errors: { name: string; str: string }[] };
  assert.equal(summary.auth_failed, true, wrong.failure);
  const auth = summary.errors.find((e) => e.name === '_AUTHENTICATION');
  assert.match(auth?.str ?? '', new RegExp(GENERIC_SCRAM_FAILURE), wrong.failure);
});

function clientProperties(name: string, lines: string[]): string {
  const file = join(certs.dir, `${name}.properties`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const javaTrust = (): string[] => ['ssl.truststore.type=PEM', `ssl.truststore.location=${certs.caCert}`];
const javaSasl = (mechanism: string, module: string, user: string, password: string): string[] => [
  'security.protocol=SASL_SSL', `sasl.mechanism=${mechanism}`,
  `sasl.jaas.config=${module} required username="${user}" password="${password}";`, ...javaTrust(),
];
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

async function javaScenario(args: string[]) {
  const r = await run(java, ['dev.tributary.compat.SecurityScenarios', ...args], { timeoutMs: 90_000 });
  return { r, failure: describe(`SecurityScenarios ${args[0]}`, r) };
}

test('Java: Admin creates a SCRAM-SHA-512 user over PLAIN (kafka-configs --add-config), which then produces and consumes', async () => {
  const admin = clientProperties('java-admin', javaSasl('PLAIN', PLAIN_MODULE, 'admin', 'admin-secret'));
  const upsert = await javaScenario(['scram-upsert', '--bootstrap-server', bootstrap('SECURE'), '--command-config', admin, '--user', 'java-user', '--mechanism', 'SCRAM-SHA-512', '--password', 'java-secret']);
  assert.equal(upsert.r.code, 0, upsert.failure);
  assert.deepEqual(lastJson(upsert.r), { user: 'java-user', credentials: ['SCRAM_SHA_512:4096'] }, upsert.failure);
  const scram = clientProperties('java-scram', javaSasl('SCRAM-SHA-512', SCRAM_MODULE, 'java-user', 'java-secret'));
  const pc = await javaScenario(['produce-consume', '--bootstrap-server', bootstrap('SECURE'), '--command-config', scram, '--topic', uniqueTopic('java-scram'), '--count', '100']);
  assert.equal(pc.r.code, 0, pc.failure);
  assert.deepEqual(lastJson(pc.r), { produced: 100, consumed: 100, match: true }, pc.failure);
  const wrong = clientProperties('java-wrong', javaSasl('SCRAM-SHA-512', SCRAM_MODULE, 'java-user', 'not-the-secret'));
  const failed = await javaScenario(['expect-auth-failure', '--bootstrap-server', bootstrap('SECURE'), '--command-config', wrong]);
  assert.equal(failed.r.code, 0, failed.failure);
  assert.deepEqual(lastJson(failed.r), { error: 'SaslAuthenticationException', message: GENERIC_SCRAM_FAILURE }, failed.failure);
});

test('Java: mTLS with a PKCS12 key store; PLAIN across a KIP-368 re-authentication', async () => {
  const mtls = clientProperties('java-mtls', [
    'security.protocol=SSL', ...javaTrust(),
    'ssl.keystore.type=PKCS12', `ssl.keystore.location=${certs.clients['alice']!.p12}`, `ssl.keystore.password=${PKCS12_PASSWORD}`,
  ]);
  const pc = await javaScenario(['produce-consume', '--bootstrap-server', bootstrap('MTLS'), '--command-config', mtls, '--topic', uniqueTopic('java-mtls'), '--count', '50']);
  assert.equal(pc.r.code, 0, pc.failure);
  assert.equal(lastJson(pc.r)['match'], true, pc.failure);
  // Sessions last 2 s on REAUTH; the producer pauses 3 s halfway, so it must re-authenticate to go on.
  const plain = clientProperties('java-plain', javaSasl('PLAIN', PLAIN_MODULE, 'alice', 'alice-secret'));
  const re = await javaScenario(['produce-consume', '--bootstrap-server', bootstrap('REAUTH'), '--command-config', plain, '--topic', uniqueTopic('java-reauth'), '--count', '40', '--pause-ms', '3000']);
  assert.equal(re.r.code, 0, re.failure);
  assert.deepEqual(lastJson(re.r), { produced: 40, consumed: 40, match: true }, re.failure);
  const wrong = clientProperties('java-plain-wrong', javaSasl('PLAIN', PLAIN_MODULE, 'alice', 'admin-secret'));
  const failed = await javaScenario(['expect-auth-failure', '--bootstrap-server', bootstrap('SECURE'), '--command-config', wrong]);
  assert.equal(failed.r.code, 0, failed.failure);
  assert.deepEqual(lastJson(failed.r), { error: 'SaslAuthenticationException', message: 'Authentication failed: Invalid username or password' }, failed.failure);
});

test('OAUTHBEARER: confluent-kafka-python with a signed token (oauth_cb); kcat\'s unsecured token and a wrong audience are refused', async () => {
  // Debian's kcat has no OIDC (librdkafka built without libcurl) and no oauth_cb: it can only send
  // librdkafka's built-in unsecured JWT (alg none), which must not get in. Python covers librdkafka's success path.
  const unsecured = await kc('OAUTH', ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=OAUTHBEARER', ...kcatTls(),
    '-X', 'enable.sasl.oauthbearer.unsecure.jwt=true', '-X', 'sasl.oauthbearer.config=principal=admin', '-m', '3', '-L']);
  assert.notEqual(unsecured.code, 0, unsecured.failure);
  assert.match(unsecured.stderr, /SASL authentication error: \{"status":"invalid_token"\}/, unsecured.failure);

  const pyOauth = ['security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER', `ssl.ca.location=${certs.caCert}`];
  const ok = await py('OAUTH', pyOauth, ['--oauth-token', issuer.token('svc-python', 300), '--topic', uniqueTopic('py-oauth'), '--count', '50']);
  assert.equal(ok.r.code, 0, ok.failure);
  assert.equal(lastJson(ok.r)['match'], true, ok.failure);
  const wrongAudience = issuer.token('svc-python', 3600, { aud: 'not-tributary' });
  const refused = await py('OAUTH', pyOauth, ['--oauth-token', wrongAudience, '--expect-auth-failure']);
  assert.equal(refused.r.code, 0, refused.failure);
  assert.equal((lastJson(refused.r) as { auth_failed: boolean }).auth_failed, true, refused.failure);
});

test('OAUTHBEARER: the Java client gets its token from the token endpoint (OAuthBearerLoginCallbackHandler)', async () => {
  const props = clientProperties('java-oauth', [
    'security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER', ...javaTrust(),
    'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
    `sasl.oauthbearer.token.endpoint.url=${tokenEndpoint.url}`,
    'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="svc-orders" clientSecret="orders-secret";',
  ]);
  const before = tokenEndpoint.issued;
  // Kafka 4 clients only call token endpoints that this system property allows.
  const saved = process.env['JAVA_TOOL_OPTIONS'];
  process.env['JAVA_TOOL_OPTIONS'] = `-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${tokenEndpoint.url}`;
  try {
    const pc = await javaScenario(['produce-consume', '--bootstrap-server', bootstrap('OAUTH'), '--command-config', props, '--topic', uniqueTopic('java-oauth'), '--count', '30']);
    assert.equal(pc.r.code, 0, pc.failure);
    assert.deepEqual(lastJson(pc.r), { produced: 30, consumed: 30, match: true }, pc.failure);
  } finally {
    if (saved === undefined) delete process.env['JAVA_TOOL_OPTIONS'];
    else process.env['JAVA_TOOL_OPTIONS'] = saved;
  }
  assert.ok(tokenEndpoint.issued > before, 'the Java client fetched tokens from the endpoint');
});

test('API keys: kcat, confluent-kafka-python and the Java client authenticate with PLAIN using a key and secret from the IAM REST API; a deleted key is refused', async () => {
  const base = `http://127.0.0.1:${broker.platform.http!.port}`;
  const admin = { authorization: `Basic ${Buffer.from('admin:admin-secret').toString('base64')}`, 'content-type': 'application/json' };
  const sa = await (await fetch(`${base}/iam/v2/service-accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ display_name: 'compat-clients' }) })).json() as { id: string };
  const created = await fetch(`${base}/iam/v2/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ spec: { owner: { id: sa.id } } }) });
  assert.equal(created.status, 202);
  const { id: key, spec: { secret } } = await created.json() as { id: string; spec: { secret: string } };

  const lines = Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`);
  const topic = uniqueTopic('kcat-apikey');
  const produced = await kc('SECURE', [...kcatSasl('PLAIN', key, secret), '-P', '-t', topic, '-K:'], lines.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.failure);
  const consumed = await kc('SECURE', [...kcatSasl('PLAIN', key, secret), '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\n']);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), lines, consumed.failure);

  const pyPlain = (password: string): string[] => ['security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', `sasl.username=${key}`, `sasl.password=${password}`, `ssl.ca.location=${certs.caCert}`];
  const pyOk = await py('SECURE', pyPlain(secret), ['--topic', uniqueTopic('py-apikey'), '--count', '50']);
  assert.equal(pyOk.r.code, 0, pyOk.failure);
  assert.equal(lastJson(pyOk.r)['match'], true, pyOk.failure);

  const props = clientProperties('java-apikey', javaSasl('PLAIN', PLAIN_MODULE, key, secret));
  const pc = await javaScenario(['produce-consume', '--bootstrap-server', bootstrap('SECURE'), '--command-config', props, '--topic', uniqueTopic('java-apikey'), '--count', '50']);
  assert.equal(pc.r.code, 0, pc.failure);
  assert.deepEqual(lastJson(pc.r), { produced: 50, consumed: 50, match: true }, pc.failure);

  assert.equal((await fetch(`${base}/iam/v2/api-keys/${key}`, { method: 'DELETE', headers: admin })).status, 204);
  const gone = await kc('SECURE', [...kcatSasl('PLAIN', key, secret), '-m', '3', '-L']);
  assert.notEqual(gone.code, 0, gone.failure);
  assert.match(gone.stderr, /SASL authentication error: Authentication failed: Invalid username or password/, gone.failure);
  const pyGone = await py('SECURE', pyPlain(secret), ['--expect-auth-failure']);
  assert.equal((lastJson(pyGone.r) as { auth_failed: boolean }).auth_failed, true, pyGone.failure);
});
