// Named listeners with their own security protocols and advertised endpoints,
// TLS from PEM and PKCS12 key stores, and mutual TLS (ssl.client.auth).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { ConfigError } from '../../src/config/broker-config.js';
import { makeTestCerts, PKCS12_PASSWORD, type CertFiles } from '../helpers/test-certs.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';

let certs: CertFiles;
let broker: SecureBroker;

before(async () => {
  certs = makeTestCerts({ alice: '/O=Acme/OU=eng/CN=alice', bob: '/O=Other/CN=bob' });
  broker = await startSecureBroker({
    listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,MTLS://127.0.0.1:0,OPTIONAL://127.0.0.1:0,P12://127.0.0.1:0',
    'advertised.listeners': 'INTERNAL://127.0.0.1:0,EXTERNAL://localhost:0,MTLS://mtls.example.test:19093,OPTIONAL://127.0.0.1:0,P12://127.0.0.1:0',
    'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SSL,MTLS:SSL,OPTIONAL:SSL,P12:SSL',
    'inter.broker.listener.name': 'INTERNAL',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverPem,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caCert,
    'listener.name.mtls.ssl.client.auth': 'required',
    // Only Acme's engineers get in, by their common name in upper case.
    'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=eng,O=Acme$/$1/U',
    'listener.name.optional.ssl.client.auth': 'requested',
    'listener.name.p12.ssl.keystore.type': 'PKCS12',
    'listener.name.p12.ssl.keystore.location': certs.serverP12,
    'listener.name.p12.ssl.keystore.password': PKCS12_PASSWORD,
  });
});

after(async () => {
  await broker?.stop();
  certs?.remove();
});

const ca = (): Buffer => readFileSync(certs.caCert);
const clientTls = (name: string) => ({ ca: ca(), key: readFileSync(certs.clients[name]!.key), cert: readFileSync(certs.clients[name]!.cert), servername: 'localhost' });

async function brokersSeen(c: WireClient): Promise<{ host: string; port: number }[]> {
  const md = await c.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false });
  return md.brokers.map((b) => ({ host: b.host, port: b.port }));
}

/** True when the broker refuses the TLS session: in the handshake, or (TLS 1.3) on the first request. */
async function refused(connectOnce: () => Promise<WireClient>): Promise<boolean> {
  let c: WireClient;
  try {
    c = await connectOnce();
  } catch {
    return true;
  }
  try {
    await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    return false;
  } catch {
    return true;
  } finally {
    c.close();
  }
}

test('each listener answers Metadata and DescribeCluster with its own advertised endpoint', async () => {
  const internal = await WireClient.connect('127.0.0.1', broker.port('INTERNAL'));
  const external = await WireClient.connectTls('127.0.0.1', broker.port('EXTERNAL'), { ca: ca(), servername: 'localhost' });
  const mtls = await WireClient.connectTls('127.0.0.1', broker.port('MTLS'), clientTls('alice'));
  try {
    assert.deepEqual(await brokersSeen(internal), [{ host: '127.0.0.1', port: broker.port('INTERNAL') }]);
    assert.deepEqual(await brokersSeen(external), [{ host: 'localhost', port: broker.port('EXTERNAL') }]);
    assert.deepEqual(await brokersSeen(mtls), [{ host: 'mtls.example.test', port: 19093 }]);
    const dc = await external.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    assert.equal(dc.errorCode, ErrorCode.NONE);
    assert.deepEqual(dc.brokers.map((b) => `${b.host}:${b.port}`), [`localhost:${broker.port('EXTERNAL')}`]);
  } finally {
    internal.close();
    external.close();
    mtls.close();
  }
});

test('data produced on one listener is read on another (TLS is only transport)', async () => {
  const internal = await WireClient.connect('127.0.0.1', broker.port('INTERNAL'));
  const p12 = await WireClient.connectTls('127.0.0.1', broker.port('P12'), { ca: ca(), servername: 'localhost' });
  try {
    const created = await p12.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'tls-topic', numPartitions: 2, replicationFactor: 1 }], timeoutMs: 5000 });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    const md = await internal.request(ApiKey.Metadata, 12, { topics: [{ name: 'tls-topic' }], allowAutoTopicCreation: false });
    assert.equal(md.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(md.topics[0]!.partitions.length, 2);
  } finally {
    internal.close();
    p12.close();
  }
});

test('a plaintext client on an SSL listener gets no Kafka answer, and the listener keeps serving', async () => {
  const plain = await WireClient.connect('127.0.0.1', broker.port('EXTERNAL'));
  const answered = plain.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }).then(() => true, () => false);
  assert.equal(await plain.waitForClose(5000), true, 'the broker closes a connection that does not speak TLS');
  assert.equal(await answered, false);
  const tls = await WireClient.connectTls('127.0.0.1', broker.port('EXTERNAL'), { ca: ca(), servername: 'localhost' });
  try {
    const v = await tls.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    assert.equal(v.errorCode, ErrorCode.NONE);
  } finally {
    tls.close();
  }
});

test('TLS handshake garbage: random bytes and a torn ClientHello close that socket only', async () => {
  const garbage = [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00, 0x00]), Buffer.alloc(4096, 0x41)];
  for (const bytes of garbage) {
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: broker.port('MTLS') }, () => s.write(bytes));
      const timer = setTimeout(() => { s.destroy(); resolve(false); }, 5000);
      s.on('error', () => {});
      s.on('close', () => { clearTimeout(timer); resolve(true); });
      s.on('data', () => {});
    });
    assert.equal(closed, true, `the broker closes a socket that sent ${bytes.subarray(0, 8).toString('hex')}`);
  }
  const ok = await WireClient.connectTls('127.0.0.1', broker.port('MTLS'), clientTls('alice'));
  try {
    assert.deepEqual(await brokersSeen(ok), [{ host: 'mtls.example.test', port: 19093 }]);
  } finally {
    ok.close();
  }
});

test('ssl.client.auth=required: no certificate, an untrusted one, or one no mapping rule accepts is refused', async () => {
  const port = broker.port('MTLS');
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, { ca: ca(), servername: 'localhost' })), true, 'no client certificate');
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, {
    ca: ca(), servername: 'localhost', key: readFileSync(certs.rogue.key), cert: readFileSync(certs.rogue.cert),
  })), true, 'a certificate from an unknown CA');
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, clientTls('bob'))), true, 'CN=bob,O=Other matches no rule');
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, clientTls('alice'))), false, 'alice is accepted');
});

test('ssl.client.auth=requested: no certificate is fine, an untrusted one is not', async () => {
  const port = broker.port('OPTIONAL');
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, { ca: ca(), servername: 'localhost' })), false);
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, clientTls('bob'))), false);
  assert.equal(await refused(() => WireClient.connectTls('127.0.0.1', port, {
    ca: ca(), servername: 'localhost', key: readFileSync(certs.rogue.key), cert: readFileSync(certs.rogue.cert),
  })), true);
});

test('TLS configuration errors are ConfigErrors that name the property', async () => {
  const base = { listeners: 'SSL://127.0.0.1:0' };
  const attempt = async (props: Record<string, string>, pattern: RegExp) => {
    await assert.rejects(startSecureBroker({ ...base, ...props }), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
  };
  await attempt({}, /has no key store: set ssl\.keystore\.location/);
  await attempt({ 'ssl.keystore.location': '/nonexistent/ks.p12' }, /Cannot read ssl\.keystore\.location/);
  await attempt({ 'ssl.keystore.location': certs.serverP12, 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.password': 'wrong' }, /cannot load the TLS key material/);
  await attempt({ 'ssl.keystore.location': certs.serverPem, 'ssl.client.auth': 'required' }, /no trust store/);
  await attempt({ 'ssl.keystore.location': certs.serverPem, 'ssl.principal.mapping.rules': 'RULE:oops' }, /Invalid rule/);
});
