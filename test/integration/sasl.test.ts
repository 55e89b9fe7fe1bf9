// SASL on SASL_PLAINTEXT and SASL_SSL listeners at the wire: SaslHandshake v0/v1,
// SaslAuthenticate v0-2, PLAIN and SCRAM-SHA-256/512, SCRAM credentials through
// AlterUserScramCredentials/DescribeUserScramCredentials (persisted), KIP-368
// re-authentication, and hostile input (malformed tokens, oversized frames,
// nonce replay): clear errors or closed connections, and the broker serves on.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, SaslHandshakeResponseMessage, type AlterUserScramCredentialsResponse, type DescribeUserScramCredentialsResponse } from '../../src/protocol/generated/index.js';
import { decodeResponseHeader } from '../../src/protocol/headers.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { makeTestCerts, type CertFiles } from '../helpers/test-certs.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { encodeRequestFrame, WireClient } from '../helpers/wire-client.js';
import { authenticate, handshake, plainLogin, plainToken, ScramClient, scramLogin, scramUpsertion } from '../helpers/sasl-client.js';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";';
const FAILED_PLAIN = 'Authentication failed: Invalid username or password';
const failedScram = (m: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${m}`;
const MAX_RECEIVE = 65536;

let certs: CertFiles;
let broker: SecureBroker;

function properties(): Record<string, string> {
  return {
    listeners: 'ADMIN://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,REAUTH://127.0.0.1:0',
    'listener.security.protocol.map': 'ADMIN:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,REAUTH:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'listener.name.sasl_ssl.plain.sasl.jaas.config': JAAS,
    'listener.name.reauth.plain.sasl.jaas.config': JAAS,
    'listener.name.reauth.connections.max.reauth.ms': '1500',
    'listener.name.reauth.scram-sha-512.connections.max.reauth.ms': '60000',
    'ssl.keystore.location': certs.serverPem,
    'connection.failed.authentication.delay.ms': '10',
    'sasl.server.max.receive.size': String(MAX_RECEIVE),
  };
}

before(async () => {
  certs = makeTestCerts();
  broker = await startSecureBroker(properties());
});

after(async () => {
  await broker?.stop();
  certs?.remove();
});

const sasl = (): Promise<WireClient> => WireClient.connect('127.0.0.1', broker.port('SASL_PLAINTEXT'));
const admin = (): Promise<WireClient> => WireClient.connect('127.0.0.1', broker.port('ADMIN'));

async function metadataOk(c: WireClient): Promise<void> {
  const md = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.equal(md.brokers.length, 1);
}

async function alter(body: object): Promise<AlterUserScramCredentialsResponse> {
  const c = await admin();
  try {
    return (await c.request(ApiKey.AlterUserScramCredentials, 0, body)) as AlterUserScramCredentialsResponse;
  } finally {
    c.close();
  }
}

async function describeUsers(users: string[] | null): Promise<DescribeUserScramCredentialsResponse> {
  const c = await admin();
  try {
    return (await c.request(ApiKey.DescribeUserScramCredentials, 0, { users: users === null ? null : users.map((name) => ({ name })) })) as DescribeUserScramCredentialsResponse;
  } finally {
    c.close();
  }
}

test('before authentication only ApiVersions and SaslHandshake are answered; ApiVersions lists the SASL APIs', async () => {
  const c = await sasl();
  try {
    const v = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const range = (k: number) => v.apiKeys.find((a) => a.apiKey === k);
    assert.deepEqual([range(ApiKey.SaslHandshake)?.minVersion, range(ApiKey.SaslHandshake)?.maxVersion], [0, 1]);
    assert.deepEqual([range(ApiKey.SaslAuthenticate)?.minVersion, range(ApiKey.SaslAuthenticate)?.maxVersion], [0, 2]);
    assert.ok(range(ApiKey.DescribeUserScramCredentials) && range(ApiKey.AlterUserScramCredentials));
    await assert.rejects(c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false }));
    assert.equal(await c.waitForClose(2000), true);
  } finally {
    c.close();
  }
  const early = await sasl();
  try {
    await assert.rejects(authenticate(early, plainToken('admin', 'admin-secret')), 'SaslAuthenticate before SaslHandshake');
    assert.equal(await early.waitForClose(2000), true);
  } finally {
    early.close();
  }
});

test('an unsupported mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', async () => {
  const c = await sasl();
  try {
    const hs = await handshake(c, 'GSSAPI');
    assert.equal(hs.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    assert.deepEqual(hs.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    assert.equal(await c.waitForClose(2000), true);
  } finally {
    c.close();
  }
});

test('PLAIN: the right password opens every API; wrong password and unknown user get the same answer and a closed connection', async () => {
  const ok = await sasl();
  try {
    const res = await plainLogin(ok, 'alice', 'alice-secret');
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.equal(res.sessionLifetimeMs, 0, 'no connections.max.reauth.ms: no session expiry');
    await metadataOk(ok);
    const again = await authenticate(ok, plainToken('alice', 'alice-secret'));
    assert.equal(again.errorCode, ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate after authentication');
    await metadataOk(ok);
  } finally {
    ok.close();
  }
  const messages: string[] = [];
  for (const [user, password] of [['alice', 'wrong'], ['mallory', 'alice-secret'], ['alice', 'admin-secret']] as const) {
    const c = await sasl();
    try {
      const res = await plainLogin(c, user, password);
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, `${user}/${password}`);
      messages.push(res.errorMessage ?? '');
      assert.equal(await c.waitForClose(2000), true);
    } finally {
      c.close();
    }
  }
  assert.deepEqual(messages, [FAILED_PLAIN, FAILED_PLAIN, FAILED_PLAIN]);
});

test('malformed PLAIN tokens and an authzid for someone else fail cleanly', async () => {
  for (const token of [Buffer.from('no-nuls-at-all'), Buffer.from('\u0000alice'), Buffer.from('a\u0000b\u0000c\u0000d'), plainToken('alice', 'alice-secret', 'admin'), Buffer.alloc(0)]) {
    const c = await sasl();
    try {
      await handshake(c, 'PLAIN');
      const res = await authenticate(c, token);
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, JSON.stringify(token.toString()));
      assert.equal(await c.waitForClose(2000), true);
    } finally {
      c.close();
    }
  }
});

/** A bare socket for SaslHandshake v0 followed by raw size-prefixed tokens. */
class RawConn {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.waiters.splice(0).forEach((w) => w()); });
    socket.on('close', () => { this.closed = true; this.waiters.splice(0).forEach((w) => w()); });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => { const s = connect({ host: '127.0.0.1', port }, () => resolve(new RawConn(s))); s.once('error', reject); });
  }
  /** The next size-prefixed frame, or null if the connection closes first. */
  async frame(): Promise<Buffer | null> {
    for (;;) {
      if (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const size = this.buf.readInt32BE(0);
        const f = this.buf.subarray(4, 4 + size);
        this.buf = this.buf.subarray(4 + size);
        return f;
      }
      if (this.closed) return null;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  send(b: Buffer): void { this.socket.write(b); }
  sendToken(token: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length, 0);
    this.send(Buffer.concat([size, token]));
  }
  close(): void { this.socket.destroy(); }
}

async function handshakeV0(c: RawConn, mechanism: string): Promise<number> {
  c.send(encodeRequestFrame(ApiKey.SaslHandshake, 0, 7, 'raw', (w: Writer) => SaslHandshakeRequestEncode(w, mechanism)));
  const f = await c.frame();
  assert.ok(f !== null);
  const r = new Reader(f);
  assert.equal(decodeResponseHeader(r, ApiKey.SaslHandshake, 0).correlationId, 7);
  return SaslHandshakeResponseMessage.decode(r, 0).errorCode;
}

function SaslHandshakeRequestEncode(w: Writer, mechanism: string): void {
  w.int16(Buffer.byteLength(mechanism));
  w.raw(Buffer.from(mechanism));
}

test('SaslHandshake v0: bare tokens for PLAIN and SCRAM, then Kafka requests; a bad token closes the connection', async () => {
  await alter({ deletions: [], upsertions: [scramUpsertion('raw-user', 'SCRAM-SHA-512', 'raw-pass')] });
  const plain = await RawConn.open(broker.port('SASL_PLAINTEXT'));
  try {
    assert.equal(await handshakeV0(plain, 'PLAIN'), ErrorCode.NONE);
    plain.sendToken(plainToken('admin', 'admin-secret'));
    assert.deepEqual(await plain.frame(), Buffer.alloc(0), 'PLAIN answers an empty token');
    plain.send(encodeRequestFrame(ApiKey.ApiVersions, 0, 8, 'raw'));
    const f = await plain.frame();
    assert.ok(f !== null && f.readInt32BE(0) === 8, 'a Kafka request after the raw exchange is answered');
  } finally {
    plain.close();
  }
  const scram = await RawConn.open(broker.port('SASL_PLAINTEXT'));
  try {
    assert.equal(await handshakeV0(scram, 'SCRAM-SHA-512'), ErrorCode.NONE);
    const client = new ScramClient('sha512', 'raw-user', 'raw-pass');
    scram.sendToken(client.clientFirst());
    const serverFirst = await scram.frame();
    assert.ok(serverFirst !== null);
    scram.sendToken(client.clientFinal(serverFirst));
    assert.equal((await scram.frame())?.toString(), client.expectedServerFinal());
  } finally {
    scram.close();
  }
  const bad = await RawConn.open(broker.port('SASL_PLAINTEXT'));
  try {
    assert.equal(await handshakeV0(bad, 'PLAIN'), ErrorCode.NONE);
    bad.sendToken(plainToken('admin', 'nope'));
    assert.equal(await bad.frame(), null, 'closed without an answer');
  } finally {
    bad.close();
  }
});

test('SCRAM-SHA-256 and SCRAM-SHA-512 with credentials from AlterUserScramCredentials; the server proves itself', async () => {
  const res = await alter({ deletions: [], upsertions: [scramUpsertion('bob', 'SCRAM-SHA-256', 'bob-pw'), scramUpsertion('bob', 'SCRAM-SHA-512', 'bob-pw-512', 8192)] });
  assert.deepEqual(res.results.map((r) => [r.user, r.errorCode]), [['bob', ErrorCode.NONE]]);
  const described = await describeUsers(['bob']);
  assert.deepEqual(described.results.map((r) => [r.user, r.errorCode, r.credentialInfos.map((i) => [i.mechanism, i.iterations])]), [['bob', 0, [[1, 4096], [2, 8192]]]]);
  for (const [mechanism, password] of [['SCRAM-SHA-256', 'bob-pw'], ['SCRAM-SHA-512', 'bob-pw-512']] as const) {
    const c = await sasl();
    try {
      const { response, client } = await scramLogin(c, mechanism, 'bob', password);
      assert.equal(response.errorCode, ErrorCode.NONE, response.errorMessage ?? '');
      assert.equal(response.authBytes.toString(), client.expectedServerFinal());
      await metadataOk(c);
    } finally {
      c.close();
    }
  }
});

test('SCRAM: wrong password, unknown user and the other mechanism fail alike, after the full exchange', async () => {
  await alter({ deletions: [], upsertions: [scramUpsertion('carol', 'SCRAM-SHA-256', 'carol-pw')] });
  const outcomes: string[] = [];
  for (const [mechanism, user, password] of [['SCRAM-SHA-256', 'carol', 'wrong'], ['SCRAM-SHA-256', 'nobody', 'carol-pw'], ['SCRAM-SHA-512', 'carol', 'carol-pw']] as const) {
    const c = await sasl();
    try {
      const hs = await handshake(c, mechanism);
      assert.equal(hs.errorCode, ErrorCode.NONE);
      const client = new ScramClient(mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', user, password);
      const first = await authenticate(c, client.clientFirst());
      assert.equal(first.errorCode, ErrorCode.NONE, 'an unknown user still gets a server-first message');
      assert.match(first.authBytes.toString(), /^r=[^,]+,s=[A-Za-z0-9+/=]+,i=\d+$/);
      const final = await authenticate(c, client.clientFinal(first.authBytes));
      assert.equal(final.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      outcomes.push(final.errorMessage ?? '');
      assert.equal(await c.waitForClose(2000), true);
    } finally {
      c.close();
    }
  }
  assert.deepEqual(outcomes, [failedScram('SCRAM-SHA-256'), failedScram('SCRAM-SHA-256'), failedScram('SCRAM-SHA-512')]);
  // An unknown user's salt is stable, like a real one's: asking twice tells nothing.
  const salts: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await sasl();
    try {
      await handshake(c, 'SCRAM-SHA-256');
      const first = await authenticate(c, new ScramClient('sha256', 'nobody', 'x').clientFirst());
      salts.push(/s=([^,]+)/.exec(first.authBytes.toString())![1]!);
    } finally {
      c.close();
    }
  }
  assert.equal(salts[0], salts[1]);
});

test('SCRAM nonce replay: a final message from another session, or with an altered nonce, fails', async () => {
  await alter({ deletions: [], upsertions: [scramUpsertion('dave', 'SCRAM-SHA-256', 'dave-pw')] });
  // Session A completes; its client-final message is recorded.
  const a = await sasl();
  const clientA = new ScramClient('sha256', 'dave', 'dave-pw');
  let finalA: Buffer;
  try {
    await handshake(a, 'SCRAM-SHA-256');
    const first = await authenticate(a, clientA.clientFirst());
    finalA = clientA.clientFinal(first.authBytes);
    assert.equal((await authenticate(a, finalA)).errorCode, ErrorCode.NONE);
  } finally {
    a.close();
  }
  // Session B replays A's client-first and client-final: the server nonce differs.
  const b = await sasl();
  try {
    await handshake(b, 'SCRAM-SHA-256');
    const first = await authenticate(b, clientA.clientFirst());
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.notEqual(first.authBytes.toString(), clientA.serverFirst, 'a fresh server nonce');
    const replay = await authenticate(b, finalA);
    assert.equal(replay.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(await b.waitForClose(2000), true);
  } finally {
    b.close();
  }
  // librdkafka before 2.1 repeats its own nonce in front of the combined one; Kafka accepts a nonce that ends with it.
  const dup = await sasl();
  try {
    await handshake(dup, 'SCRAM-SHA-256');
    const client = new ScramClient('sha256', 'dave', 'dave-pw');
    const first = await authenticate(dup, client.clientFirst());
    const nonce = /r=([^,]+)/.exec(first.authBytes.toString())![1]!;
    const res = await authenticate(dup, client.clientFinal(first.authBytes, `${client.clientNonce}${nonce}`));
    assert.equal(res.errorCode, ErrorCode.NONE);
  } finally {
    dup.close();
  }
  // A correctly computed proof over a nonce the client changed is refused too.
  const c = await sasl();
  try {
    await handshake(c, 'SCRAM-SHA-256');
    const client = new ScramClient('sha256', 'dave', 'dave-pw');
    const first = await authenticate(c, client.clientFirst());
    const nonce = /r=([^,]+)/.exec(first.authBytes.toString())![1]!;
    const res = await authenticate(c, client.clientFinal(first.authBytes, `${nonce}x`));
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  } finally {
    c.close();
  }
});

test('malformed SCRAM messages fail with SASL_AUTHENTICATION_FAILED and close', async () => {
  const bodies = ['', 'garbage', 'y,,n=dave,r=abc', 'p=tls-unique,,n=dave,r=abc', 'n,,r=abc,n=dave', 'n,,n=da=ve,r=abc', 'n,,n=dave,r=a,b', 'n,,n=dave,r=abc,tokenauth=true'];
  for (const body of bodies) {
    const c = await sasl();
    try {
      await handshake(c, 'SCRAM-SHA-256');
      const res = await authenticate(c, Buffer.from(body));
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, body);
      assert.equal(await c.waitForClose(2000), true, body);
    } finally {
      c.close();
    }
  }
  // A second round with a broken client-final.
  const c = await sasl();
  try {
    await handshake(c, 'SCRAM-SHA-256');
    await authenticate(c, new ScramClient('sha256', 'dave', 'dave-pw').clientFirst());
    const res = await authenticate(c, Buffer.from('c=biws,r=nope'));
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  } finally {
    c.close();
  }
});

test('oversized and garbage frames before authentication close that connection; the broker serves on', async () => {
  const big = await sasl();
  try {
    await handshake(big, 'PLAIN');
    const header = Buffer.alloc(4);
    header.writeInt32BE(MAX_RECEIVE + 1, 0);
    await big.sendRaw(header);
    assert.equal(await big.waitForClose(2000), true, 'a frame over sasl.server.max.receive.size');
  } finally {
    big.close();
  }
  const garbage = await sasl();
  try {
    await garbage.sendRaw(Buffer.from([0, 0, 0, 6, 0x7f, 0x7f, 1, 2, 3, 4]));
    assert.equal(await garbage.waitForClose(2000), true, 'an unknown api key before authentication');
  } finally {
    garbage.close();
  }
  const tooLongToken = await sasl();
  try {
    await handshake(tooLongToken, 'SCRAM-SHA-512');
    const res = await authenticate(tooLongToken, Buffer.alloc(MAX_RECEIVE - 200, 0x61));
    assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  } finally {
    tooLongToken.close();
  }
  // Authenticated, the usual request size limit applies again.
  const ok = await sasl();
  try {
    assert.equal((await plainLogin(ok, 'admin', 'admin-secret')).errorCode, ErrorCode.NONE);
    const topics = Array.from({ length: 2000 }, (_, i) => ({ name: `not-there-${i}-${'x'.repeat(40)}` }));
    const md = (await ok.request(ApiKey.Metadata, 12, { topics, allowAutoTopicCreation: false })) as { topics: unknown[] };
    assert.equal(md.topics.length, 2000);
  } finally {
    ok.close();
  }
});

test('AlterUserScramCredentials validates like Kafka; DescribeUserScramCredentials reports missing and duplicate users', async () => {
  const u = scramUpsertion('erin', 'SCRAM-SHA-256', 'pw');
  const res = await alter({
    deletions: [{ name: 'ghost', mechanism: 1 }],
    upsertions: [
      { ...u, name: 'few', iterations: 1000 },
      { ...u, name: 'many', iterations: 20000 },
      { ...u, name: 'weird', mechanism: 0 },
      { ...u, name: '' },
      u,
      { ...u, name: 'twice' }, { ...u, name: 'twice' },
    ],
  });
  assert.deepEqual(res.results.map((r) => [r.user, ErrorCode[r.errorCode]]), [
    ['ghost', 'RESOURCE_NOT_FOUND'], ['few', 'UNACCEPTABLE_CREDENTIAL'], ['many', 'UNACCEPTABLE_CREDENTIAL'],
    ['weird', 'UNSUPPORTED_SASL_MECHANISM'], ['', 'UNACCEPTABLE_CREDENTIAL'], ['erin', 'NONE'], ['twice', 'DUPLICATE_RESOURCE'],
  ]);
  const d = await describeUsers(['erin', 'few', 'erin2', 'erin2']);
  assert.deepEqual(d.results.map((r) => [r.user, ErrorCode[r.errorCode]]), [['erin', 'NONE'], ['few', 'RESOURCE_NOT_FOUND'], ['erin2', 'DUPLICATE_RESOURCE']]);
  const all = await describeUsers(null);
  assert.ok(all.results.some((r) => r.user === 'erin'));
  assert.ok(!all.results.some((r) => r.user === 'few'));
  // Deleting the credential makes the next login fail.
  assert.equal((await alter({ deletions: [{ name: 'erin', mechanism: 1 }], upsertions: [] })).results[0]!.errorCode, ErrorCode.NONE);
  const c = await sasl();
  try {
    assert.equal((await scramLogin(c, 'SCRAM-SHA-256', 'erin', 'pw')).response.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  } finally {
    c.close();
  }
});

test('SASL_SSL: PLAIN and SCRAM over TLS', async () => {
  const c = await WireClient.connectTls('127.0.0.1', broker.port('SASL_SSL'), { ca: readFileSync(certs.caCert), servername: 'localhost' });
  try {
    assert.equal((await plainLogin(c, 'admin', 'admin-secret')).errorCode, ErrorCode.NONE);
    await metadataOk(c);
  } finally {
    c.close();
  }
  await alter({ deletions: [], upsertions: [scramUpsertion('tls-user', 'SCRAM-SHA-512', 'tls-pw')] });
  const s = await WireClient.connectTls('127.0.0.1', broker.port('SASL_SSL'), { ca: readFileSync(certs.caCert), servername: 'localhost' });
  try {
    assert.equal((await scramLogin(s, 'SCRAM-SHA-512', 'tls-user', 'tls-pw')).response.errorCode, ErrorCode.NONE);
    await metadataOk(s);
  } finally {
    s.close();
  }
});

test('SASL requests on a listener without SASL get ILLEGAL_SASL_STATE', async () => {
  const c = await admin();
  try {
    assert.equal((await handshake(c, 'PLAIN')).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.equal((await authenticate(c, plainToken('admin', 'admin-secret'))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    await metadataOk(c);
  } finally {
    c.close();
  }
});

test('KIP-368: the session lifetime is connections.max.reauth.ms; re-authentication extends it, expiry closes the connection', async () => {
  const port = broker.port('REAUTH');
  const stays = await WireClient.connect('127.0.0.1', port);
  const lapses = await WireClient.connect('127.0.0.1', port);
  try {
    const first = await plainLogin(stays, 'alice', 'alice-secret');
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.ok(first.sessionLifetimeMs > 0 && first.sessionLifetimeMs <= 1500, `session_lifetime_ms ${first.sessionLifetimeMs}`);
    assert.equal((await plainLogin(lapses, 'alice', 'alice-secret')).errorCode, ErrorCode.NONE);
    await new Promise((r) => setTimeout(r, 900));
    // Re-authenticate before the session ends: same mechanism, same principal.
    const re = await plainLogin(stays, 'alice', 'alice-secret');
    assert.equal(re.errorCode, ErrorCode.NONE);
    assert.ok(re.sessionLifetimeMs > 1000);
    await new Promise((r) => setTimeout(r, 800));
    await metadataOk(stays);
    await assert.rejects(lapses.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false }));
    assert.equal(await lapses.waitForClose(2000), true, 'an expired session closes on its next request');
    // Re-authenticating as someone else is refused.
    const other = await plainLogin(stays, 'admin', 'admin-secret');
    assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.match(other.errorMessage ?? '', /Cannot change principals during re-authentication/);
    assert.equal(await stays.waitForClose(2000), true);
  } finally {
    stays.close();
    lapses.close();
  }
  // listener.name.<l>.<mechanism>.connections.max.reauth.ms overrides the listener's value for that mechanism.
  await alter({ deletions: [], upsertions: [scramUpsertion('reauth-user', 'SCRAM-SHA-512', 'pw')] });
  const scram = await WireClient.connect('127.0.0.1', port);
  try {
    const res = (await scramLogin(scram, 'SCRAM-SHA-512', 'reauth-user', 'pw')).response;
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.ok(res.sessionLifetimeMs > 59_000 && res.sessionLifetimeMs <= 60_000, `session_lifetime_ms ${res.sessionLifetimeMs}`);
  } finally {
    scram.close();
  }
});

test('SCRAM credentials survive a restart (metadata log)', async () => {
  await alter({ deletions: [], upsertions: [scramUpsertion('frank', 'SCRAM-SHA-512', 'frank-pw')] });
  const dir = broker.dataDir;
  await broker.platform.stop();
  broker = await startSecureBroker(properties(), dir);
  const stop = broker.stop.bind(broker);
  broker.stop = async () => { await stop(); (await import('node:fs')).rmSync(dir, { recursive: true, force: true }); };
  const c = await sasl();
  try {
    assert.equal((await scramLogin(c, 'SCRAM-SHA-512', 'frank', 'frank-pw')).response.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
  const d = await describeUsers(['frank']);
  assert.deepEqual(d.results[0]!.credentialInfos.map((i) => [i.mechanism, i.iterations]), [[2, 4096]]);
});

test('SASL configuration errors', async () => {
  const base = { listeners: 'SASL_PLAINTEXT://127.0.0.1:0' };
  const attempt = async (props: Record<string, string>, pattern: RegExp) => {
    await assert.rejects(startSecureBroker({ ...base, ...props }), (err: unknown) => err instanceof Error && pattern.test(err.message), JSON.stringify(props));
  };
  await attempt({}, /GSSAPI \(Kerberos\), which Tributary does not support/);
  // PLAIN without a JAAS entry is fine: API keys are its users then.
  const keysOnly = await startSecureBroker({ ...base, 'sasl.enabled.mechanisms': 'PLAIN' });
  await keysOnly.stop();
  await attempt({ 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.example.Other required;' }, /must use org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule/);
  await attempt({ 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'PlainLoginModule required user_a="b"' }, /not terminated by ';'/);
  await attempt({ 'sasl.enabled.mechanisms': 'DIGEST-MD5' }, /DIGEST-MD5, which Tributary does not support/);
});
