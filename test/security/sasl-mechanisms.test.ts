// SASL building blocks without a socket: JAAS config parsing, PLAIN users,
// SCRAM against the RFC 7677 example exchange, SCRAM credentials in the
// metadata log across compaction.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JaasConfigError, parseJaasConfig } from '../../src/security/jaas.js';
import { plainMechanism, plainUsersFromJaas } from '../../src/security/sasl/plain.js';
import { scramMechanism } from '../../src/security/sasl/scram.js';
import { SaslAuthenticationError } from '../../src/security/sasl/mechanism.js';
import { credentialFromSaltedPassword, LoggedScramCredentialStore, saltedPassword, scramAlgorithm, type ScramCredential, type ScramCredentialStore } from '../../src/security/scram-credentials.js';
import { MetadataStore } from '../../src/storage/metadata-log.js';

test('JAAS: module, flag, quoted and bare values, escapes; one module only', () => {
  const e = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required\n  username="admin" password="a \\"quoted\\" secret" user_bob=plain-word;');
  assert.equal(e.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule');
  assert.equal(e.flag, 'required');
  assert.deepEqual([...e.options], [['username', 'admin'], ['password', 'a "quoted" secret'], ['user_bob', 'plain-word']]);
  for (const bad of ['', 'Module;', 'Module required a="b"', 'Module sometimes;', 'M required a=;', 'M required a="b"; N required;', 'M required a="unterminated;']) {
    assert.throws(() => parseJaasConfig(bad), JaasConfigError, bad);
  }
});

test('PLAIN checks user_<name> options; other options are not users', async () => {
  const jaas = parseJaasConfig('X required username="admin" password="pw" user_alice="alice-pw";');
  const mech = plainMechanism(plainUsersFromJaas(jaas.options));
  const step = await mech.createSession().evaluate(Buffer.from('\u0000alice\u0000alice-pw'));
  assert.ok(step.complete && step.principal.name === 'alice');
  assert.throws(() => mech.createSession().evaluate(Buffer.from('\u0000admin\u0000pw')), SaslAuthenticationError, 'username/password options are the login identity, not a user');
});

test('SCRAM-SHA-256 reproduces the RFC 7677 example exchange', async () => {
  const alg = scramAlgorithm('SCRAM-SHA-256')!;
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = credentialFromSaltedPassword(alg, saltedPassword(alg, 'pencil', salt, 4096), salt, 4096);
  const store: ScramCredentialStore = {
    get: (user) => (user === 'user' ? credential : undefined),
    describe: () => new Map(),
    alter: () => {},
  };
  const session = scramMechanism(alg, store, () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0').createSession();
  const first = await session.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.equal(first.challenge.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const final = await session.evaluate(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
  assert.ok(final.complete);
  assert.equal(final.challenge.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.equal(final.principal.name, 'user');
  // The same exchange once more on the finished session is refused.
  assert.throws(() => session.evaluate(Buffer.from('c=biws')), SaslAuthenticationError);
});

test('SCRAM user names with escaped "," and "="', async () => {
  const alg = scramAlgorithm('SCRAM-SHA-512')!;
  const seen: string[] = [];
  const store: ScramCredentialStore = { get: (user) => { seen.push(user); return undefined; }, describe: () => new Map(), alter: () => {} };
  await scramMechanism(alg, store).createSession().evaluate(Buffer.from('n,,n=a=2Cb=3Dc,r=nonce'));
  assert.deepEqual(seen, ['a,b=c']);
});

test('SCRAM credentials persist in the metadata log, through compaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-scram-'));
  try {
    const alg = scramAlgorithm('SCRAM-SHA-512')!;
    const cred: ScramCredential = credentialFromSaltedPassword(alg, saltedPassword(alg, 'pw', Buffer.from('salt'), 4096), Buffer.from('salt'), 4096);
    let meta = await MetadataStore.open(dir);
    let store = new LoggedScramCredentialStore(meta);
    store.alter({ upsert: [{ user: 'u1', mechanism: 'SCRAM-SHA-512', credential: cred }, { user: 'u2', mechanism: 'SCRAM-SHA-512', credential: cred }], remove: [] });
    store.alter({ upsert: [], remove: [{ user: 'u2', mechanism: 'SCRAM-SHA-512' }] });
    meta.compact();
    await meta.close();
    meta = await MetadataStore.open(dir);
    store = new LoggedScramCredentialStore(meta);
    assert.deepEqual(store.get('u1', 'SCRAM-SHA-512'), cred);
    assert.equal(store.get('u2', 'SCRAM-SHA-512'), undefined);
    assert.deepEqual([...store.describe()], [['u1', [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]]]);
    await meta.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
