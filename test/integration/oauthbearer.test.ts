// SASL/OAUTHBEARER at the wire: JWTs validated against the issuer's JWKS, the
// RFC 7628 error challenge for a refused token, the token's exp bounding the
// session (KIP-368), malformed messages, and configuration errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { ConfigError } from '../../src/config/broker-config.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { authenticate, handshake } from '../helpers/sasl-client.js';
import { oauthBearerInitialResponse, TestIssuer } from '../helpers/jwt-issuer.js';

const issuer = new TestIssuer();
const INVALID_TOKEN = '{"status":"invalid_token"}';
let broker: SecureBroker;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-oauth-'));
  writeFileSync(join(dir, 'jwks.json'), issuer.jwks());
  broker = await startSecureBroker({
    listeners: 'OAUTH://127.0.0.1:0',
    'listener.security.protocol.map': 'OAUTH:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'connections.max.reauth.ms': '600000',
    'connection.failed.authentication.delay.ms': '0',
    'sasl.oauthbearer.expected.issuer': issuer.issuer,
    'sasl.oauthbearer.expected.audience': issuer.audience,
    // Kafka's per-listener, per-mechanism form.
    'listener.name.oauth.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': `file://${join(dir, 'jwks.json')}`,
  }, join(dir, 'data'));
  const stop = broker.stop.bind(broker);
  broker.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
});

after(async () => {
  await broker?.stop();
});

const connect = (): Promise<WireClient> => WireClient.connect('127.0.0.1', broker.port('OAUTH'));

async function metadataOk(c: WireClient): Promise<void> {
  const md = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.equal(md.brokers.length, 1);
}

test('a valid token authenticates; the session ends no later than the token', async () => {
  const c = await connect();
  try {
    assert.deepEqual((await handshake(c, 'OAUTHBEARER')).mechanisms, ['OAUTHBEARER']);
    const res = await authenticate(c, oauthBearerInitialResponse(issuer.token('alice', 120), '', { traceId: 'abc' }));
    assert.equal(res.errorCode, ErrorCode.NONE, res.errorMessage ?? '');
    assert.ok(res.sessionLifetimeMs > 100_000 && res.sessionLifetimeMs <= 120_000, `session_lifetime_ms ${res.sessionLifetimeMs}`);
    await metadataOk(c);
  } finally {
    c.close();
  }
});

test('a refused token gets the invalid_token challenge, then SASL_AUTHENTICATION_FAILED after the client\'s %x01', async () => {
  const now = Math.floor(Date.now() / 1000);
  const bad = [
    issuer.sign(issuer.claims('alice', 0, { exp: now - 3600 })),
    issuer.token('alice', 300, { aud: 'elsewhere' }),
    issuer.token('alice', 300, { iss: 'https://evil.test' }),
    issuer.sign(issuer.claims('alice'), issuer.newKey('rsa-1')),
    'not.a.jwt',
  ];
  for (const token of bad) {
    const c = await connect();
    try {
      await handshake(c, 'OAUTHBEARER');
      const first = await authenticate(c, oauthBearerInitialResponse(token));
      assert.equal(first.errorCode, ErrorCode.NONE);
      assert.equal(first.authBytes.toString(), INVALID_TOKEN);
      const final = await authenticate(c, Buffer.from([0x01]));
      assert.equal(final.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(final.errorMessage, INVALID_TOKEN, 'the same answer whatever the reason');
      assert.equal(await c.waitForClose(2000), true);
    } finally {
      c.close();
    }
  }
});

test('malformed OAUTHBEARER messages and a mismatched authzid fail and close', async () => {
  const token = issuer.token('alice');
  const messages = [
    Buffer.from(''),
    Buffer.from(`n,,auth=Bearer ${token}`),
    Buffer.from(`y,,\u0001auth=Bearer ${token}\u0001\u0001`),
    Buffer.from(`n,,\u0001auth=Basic ${token}\u0001\u0001`),
    Buffer.from('n,,\u0001\u0001'),
    Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001bad key=1\u0001\u0001`),
    oauthBearerInitialResponse(token, 'mallory'),
  ];
  for (const m of messages) {
    const c = await connect();
    try {
      await handshake(c, 'OAUTHBEARER');
      const res = await authenticate(c, m);
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, JSON.stringify(m.toString()));
      assert.equal(await c.waitForClose(2000), true);
    } finally {
      c.close();
    }
  }
});

test('when the token expires the connection must re-authenticate, or it closes on the next request', async () => {
  const c = await connect();
  try {
    await handshake(c, 'OAUTHBEARER');
    // exp 1 s ahead (clock skew does not extend a session).
    const res = await authenticate(c, oauthBearerInitialResponse(issuer.token('alice', 1)));
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.ok(res.sessionLifetimeMs <= 1000, `session_lifetime_ms ${res.sessionLifetimeMs}`);
    await new Promise((r) => setTimeout(r, 1300));
    await assert.rejects(c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false }));
    assert.equal(await c.waitForClose(2000), true);
  } finally {
    c.close();
  }
  const re = await connect();
  try {
    await handshake(re, 'OAUTHBEARER');
    assert.equal((await authenticate(re, oauthBearerInitialResponse(issuer.token('alice', 2)))).errorCode, ErrorCode.NONE);
    await handshake(re, 'OAUTHBEARER');
    const second = await authenticate(re, oauthBearerInitialResponse(issuer.token('alice', 300)));
    assert.equal(second.errorCode, ErrorCode.NONE);
    await new Promise((r) => setTimeout(r, 2200));
    await metadataOk(re);
  } finally {
    re.close();
  }
});

test('OAUTHBEARER without a JWKS location, or with an unreadable one, is a ConfigError', async () => {
  const base = { listeners: 'O://127.0.0.1:0', 'listener.security.protocol.map': 'O:SASL_PLAINTEXT', 'sasl.enabled.mechanisms': 'OAUTHBEARER' };
  await assert.rejects(startSecureBroker(base), (e: unknown) => e instanceof ConfigError && /sasl\.oauthbearer\.jwks\.endpoint\.url is not set/.test(e.message));
  await assert.rejects(startSecureBroker({ ...base, 'sasl.oauthbearer.jwks.endpoint.url': '/nonexistent/jwks.json' }),
    (e: unknown) => e instanceof ConfigError && /cannot read the JWKS file/.test(e.message));
});
