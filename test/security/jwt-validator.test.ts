// JWT validation for OAUTHBEARER: signatures against a JWKS (file and URL,
// with key rotation), the registered claims, and tokens that must be refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { JwksSource } from '../../src/security/oauth/jwks.js';
import { InvalidTokenError, JwtValidator } from '../../src/security/oauth/jwt-validator.js';
import { TestIssuer } from '../helpers/jwt-issuer.js';

const issuer = new TestIssuer();
let dir: string;
let validator: JwtValidator;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-jwks-'));
  writeFileSync(join(dir, 'jwks.json'), issuer.jwks());
  const keys = new JwksSource(join(dir, 'jwks.json'), { refreshMs: 60_000, minRefetchMs: 1000 });
  validator = new JwtValidator(keys, { expectedIssuer: issuer.issuer, expectedAudiences: ['other', issuer.audience], subClaimName: 'sub', clockSkewSeconds: 30 });
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function refused(token: string, pattern: RegExp, v: JwtValidator = validator): Promise<void> {
  await assert.rejects(v.validate(token), (err: unknown) => err instanceof InvalidTokenError && pattern.test(err.message));
}

test('RS256 and ES256 tokens validate; the principal and expiry come from the claims', async () => {
  const rs = await validator.validate(issuer.token('alice'));
  assert.equal(rs.principalName, 'alice');
  assert.equal(rs.expiresAtMs, (issuer.claims('alice').exp as number) * 1000);
  const es = await validator.validate(issuer.token('bob', 60, { aud: ['x', 'tributary'] }, issuer.ec));
  assert.equal(es.principalName, 'bob');
});

test('time claims: expiry and nbf with clock skew, exp and iat required', async () => {
  const now = Math.floor(Date.now() / 1000);
  await validator.validate(issuer.sign(issuer.claims('a', 0, { exp: now - 10 })));
  await refused(issuer.sign(issuer.claims('a', 0, { exp: now - 60 })), /expired/);
  await refused(issuer.sign(issuer.claims('a', 300, { nbf: now + 120 })), /not valid yet/);
  await validator.validate(issuer.sign(issuer.claims('a', 300, { nbf: now + 10 })));
  await refused(issuer.sign(issuer.claims('a', 300, { exp: undefined })), /no exp claim/);
  await refused(issuer.sign(issuer.claims('a', 300, { iat: undefined })), /no iat claim/);
  await refused(issuer.sign(issuer.claims('a', 300, { exp: 'soon' })), /exp claim is not a number/);
});

test('issuer, audience and the principal claim are checked', async () => {
  await refused(issuer.token('a', 300, { iss: 'https://evil.test' }), /issuer/);
  await refused(issuer.token('a', 300, { aud: 'someone-else' }), /audience/);
  await refused(issuer.token('a', 300, { aud: undefined }), /audience/);
  await refused(issuer.token('', 300), /no sub claim/);
  const byEmail = new JwtValidator(new JwksSource(join(dir, 'jwks.json'), { refreshMs: 60_000, minRefetchMs: 1000 }),
    { expectedIssuer: null, expectedAudiences: [], subClaimName: 'email', clockSkewSeconds: 0 });
  assert.equal((await byEmail.validate(issuer.token('ignored', 300, { email: 'carol@example.com', iss: 'any', aud: 'any' }))).principalName, 'carol@example.com');
});

test('signatures: tampering, alg none, HMAC, unknown kid and a stranger\'s key are refused', async () => {
  const good = issuer.token('alice');
  const [h, , s] = good.split('.');
  const forged = Buffer.from(JSON.stringify(issuer.claims('admin'))).toString('base64url');
  await refused(`${h}.${forged}.${s}`, /signature does not verify/);
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${forged}.`;
  await refused(none, /"none" is not accepted/);
  await refused(issuer.sign(issuer.claims('a'), issuer.rsa, { alg: 'HS256' }), /"HS256" is not accepted/);
  await refused(issuer.sign(issuer.claims('a'), issuer.rsa, { kid: 'nope' }), /no key in the JWKS/);
  await refused(issuer.sign(issuer.claims('a'), issuer.newKey('stranger'), { kid: 'rsa-1' }), /signature does not verify/);
  await refused(issuer.sign(issuer.claims('a'), issuer.rsa, { alg: 'ES256' }), /signature does not verify|no key/);
  for (const junk of ['', 'a.b', 'a.b.c.d', '!!!.e30.x', `${h}.e30.%%%`, `${Buffer.from('[1]').toString('base64url')}.e30.x`]) await refused(junk, /./);
});

test('a JWKS URL is fetched at start and again when a token names a new key', async () => {
  let jwks = issuer.jwks();
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const source = new JwksSource(`http://127.0.0.1:${port}/jwks`, { refreshMs: 60_000, minRefetchMs: 0 });
  try {
    await source.start();
    assert.equal(fetches, 1);
    const v = new JwtValidator(source, { expectedIssuer: null, expectedAudiences: [], subClaimName: 'sub', clockSkewSeconds: 0 });
    assert.equal((await v.validate(issuer.token('alice'))).principalName, 'alice');
    assert.equal(fetches, 1, 'known keys need no fetch');
    const rotated = issuer.newKey('rsa-2');
    jwks = issuer.jwks([rotated]);
    assert.equal((await v.validate(issuer.token('dan', 300, {}, rotated))).principalName, 'dan');
    assert.equal(fetches, 2, 'an unknown kid fetched the set again');
  } finally {
    source.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
