// ConnectionQuotas on real TCP sockets of a bare net.Server: the FIFO of
// sockets waiting for max.connections (what a waiting client sends is kept
// and delivered first; a client that gives up leaves the queue), per-IP
// limits with overrides by address and by resolved host name, a limit raised
// while sockets wait, and shutdown.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { canonicalIp, ConnectionQuotas, type ConnectionLimits } from '../../src/broker/connection-quotas.js';

interface Served {
  socket: Socket;
  received: Buffer[];
}

interface Harness {
  quotas: ConnectionQuotas;
  served: Served[];
  port: number;
  limits: ConnectionLimits;
  server: Server;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function harness(limits: ConnectionLimits, resolveHost?: (host: string) => Promise<string[]>): Promise<Harness> {
  const h = { limits, served: [] as Served[] } as Harness;
  h.quotas = new ConnectionQuotas(() => h.limits, resolveHost);
  h.server = createServer((socket) => h.quotas.accept(socket, (admitted, release) => {
    const s: Served = { socket: admitted, received: [] };
    admitted.on('data', (chunk: Buffer) => s.received.push(chunk));
    admitted.on('close', release);
    h.served.push(s);
  }));
  servers.push(h.server);
  await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
  h.port = (h.server.address() as { port: number }).port;
  return h;
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function closedByServer(s: Socket, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    s.resume();
  });
}

const NO_LIMIT = 2147483647;

test('canonical IP text: IPv4-mapped IPv6 as IPv4, IPv6 compressed, host names are not IPs', () => {
  assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalIp('::FFFF:7f00:1'), '127.0.0.1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('[FE80:0::1]'), 'fe80::1');
  assert.equal(canonicalIp('localhost'), null);
});

test('at max.connections a socket waits unserved, keeps what its client sent, and leaves the queue when the client gives up', async () => {
  const h = await harness({ maxConnections: 1, maxConnectionsPerIp: NO_LIMIT, perIpOverrides: new Map() });
  const a = await client(h.port);
  await until('a served', () => h.served.length === 1);
  const b = await client(h.port);
  const c = await client(h.port);
  await until('b and c waiting', () => h.quotas.waitingCount === 2);
  b.write('hello ');
  c.destroy();
  await until('c gone from the queue', () => h.quotas.waitingCount === 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(h.served.length, 1, 'nobody else is served while the one slot is taken');

  a.destroy();
  await until('b served once a closed', () => h.served.length === 2);
  assert.equal(h.quotas.waitingCount, 0);
  assert.equal(h.quotas.connectionCount, 1);
  b.write('world');
  await until('b\'s bytes', () => Buffer.concat(h.served[1]!.received).toString() === 'hello world');
  b.destroy();
  await until('slots released', () => h.quotas.connectionCount === 0);
});

test('raising max.connections admits waiting sockets without waiting for a close', async () => {
  const h = await harness({ maxConnections: 1, maxConnectionsPerIp: NO_LIMIT, perIpOverrides: new Map() });
  const a = await client(h.port);
  const b = await client(h.port);
  const c = await client(h.port);
  await until('two waiting', () => h.quotas.waitingCount === 2);
  h.limits = { ...h.limits, maxConnections: 2 };
  h.quotas.limitsChanged();
  await until('one more served', () => h.served.length === 2);
  assert.equal(h.quotas.waitingCount, 1);
  h.limits = { ...h.limits, maxConnections: 10 };
  h.quotas.limitsChanged();
  await until('all served', () => h.served.length === 3);
  for (const s of [a, b, c]) s.destroy();
});

test('per-IP limit: one connection too many is closed at once; an override by address or by resolved host name raises it', async () => {
  const byAddress = await harness({ maxConnections: NO_LIMIT, maxConnectionsPerIp: 1, perIpOverrides: new Map([['127.0.0.1', 2]]) });
  const kept = [await client(byAddress.port), await client(byAddress.port)];
  await until('two served', () => byAddress.served.length === 2);
  assert.equal(await closedByServer(await client(byAddress.port)), true, 'the third is closed');
  assert.equal(byAddress.served.length, 2);
  assert.equal(byAddress.quotas.connectionCount, 2, 'the refused socket took no slot');
  kept[0]!.destroy();
  await until('slot released', () => byAddress.quotas.connectionCount === 1);
  kept.push(await client(byAddress.port));
  await until('a new one served after a close', () => byAddress.served.length === 3);
  for (const s of kept) s.destroy();

  // The name resolves slowly: sockets arriving meanwhile wait for it rather than get the default limit.
  const lookups: string[] = [];
  const byName = await harness({ maxConnections: NO_LIMIT, maxConnectionsPerIp: 1, perIpOverrides: new Map([['broker-host.test', 3]]) }, async (host) => {
    lookups.push(host);
    await new Promise((r) => setTimeout(r, 200));
    return ['::1', '::ffff:127.0.0.1'];
  });
  const named = [await client(byName.port), await client(byName.port), await client(byName.port)];
  await until('three served', () => byName.served.length === 3);
  // Another dynamic config change makes a new, equal map: not resolved again.
  byName.limits = { ...byName.limits, perIpOverrides: new Map([['broker-host.test', 3]]) };
  assert.equal(await closedByServer(await client(byName.port)), true, 'the fourth is closed');
  assert.deepEqual(lookups, ['broker-host.test'], 'resolved once');
  for (const s of named) s.destroy();

  const unresolvable = await harness({ maxConnections: NO_LIMIT, maxConnectionsPerIp: 1, perIpOverrides: new Map([['nowhere.test', 5]]) }, () => Promise.reject(new Error('ENOTFOUND nowhere.test')));
  const one = await client(unresolvable.port);
  await until('one served', () => unresolvable.served.length === 1);
  assert.equal(await closedByServer(await client(unresolvable.port)), true, 'an override that does not resolve does not apply');
  one.destroy();
});

test('close() drops the waiting sockets and refuses new ones', async () => {
  const h = await harness({ maxConnections: 1, maxConnectionsPerIp: NO_LIMIT, perIpOverrides: new Map() });
  const a = await client(h.port);
  const waiting = await client(h.port);
  await until('one waiting', () => h.quotas.waitingCount === 1);
  const waitingClosed = closedByServer(waiting);
  h.quotas.close();
  assert.equal(await waitingClosed, true);
  a.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.served.length, 1, 'nobody is admitted after close');
  assert.equal(await closedByServer(await client(h.port)), true);
});
