// Several registries on one broker and one `_schemas`: they elect a leader in
// the 'sr' group, followers forward writes to it, ids stay unique and every
// registry serves the same state; when the leader leaves, another takes over;
// with no eligible leader, writes answer 50004 as Confluent's do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHttpServer, type HttpServer, type Route } from '../../src/http/server.js';
import { authenticationRoute } from '../../src/http/auth.js';
import { userPrincipal } from '../../src/security/principal.js';
import { startSchemaRegistry, type SchemaRegistry } from '../../src/registry/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { call } from './support.js';

interface Node {
  registry: SchemaRegistry;
  http: HttpServer;
  url: string;
  stop(): Promise<void>;
}

let broker: EmbeddedBroker;
const nodes: Node[] = [];

async function startNode(opts: { groupId?: string; leaderEligible?: boolean } = {}, before: Route[] = []): Promise<Node> {
  const registry = await startSchemaRegistry({ bootstrap: [broker.bootstrap], electionTimeoutMs: 15_000, ...opts });
  const http = await startHttpServer('127.0.0.1', 0, [...before, registry.route]);
  registry.startElection({ scheme: 'http', host: '127.0.0.1', port: http.port });
  let stopped = false;
  const node: Node = {
    registry, http, url: `http://127.0.0.1:${http.port}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await http.close();
      await registry.stop();
    },
  };
  nodes.push(node);
  return node;
}

before(async () => {
  broker = await startEmbeddedBroker({ overrides: ['group.initial.rebalance.delay.ms=0'] });
});

after(async () => {
  for (const n of nodes) await n.stop();
  await broker?.stop();
});

const rec = (name: string) => JSON.stringify({ type: 'record', name, fields: [{ name: 'f', type: 'string' }] });

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await fn();
  }
  return last;
}

test('two registries elect one leader; writes through either give unique ids, reads agree, the follower forwards', async () => {
  const a = await startNode();
  const b = await startNode();
  const r1 = await call(a.url, 'POST', '/subjects/lf-one/versions', { schema: rec('One') });
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  const r2 = await call(b.url, 'POST', '/subjects/lf-two/versions', { schema: rec('Two') });
  assert.equal(r2.status, 200, JSON.stringify(r2.body));
  assert.notEqual(r1.body.id, r2.body.id);
  // Read-your-writes on the registry that took the request, then the other one catches up from the topic.
  assert.equal((await call(b.url, 'GET', '/subjects/lf-two/versions/1')).body.id, r2.body.id);
  const seen = await eventually(() => call(a.url, 'GET', '/subjects'), (r) => (r.body as string[]).includes('lf-two'));
  assert.deepEqual(seen.body, ['lf-one', 'lf-two']);

  const leaders = await eventually(async () => [a.registry.isLeader(), b.registry.isLeader()], (l) => l.filter(Boolean).length === 1);
  assert.equal(leaders.filter(Boolean).length, 1, 'exactly one leader');
  const [leader, follower] = leaders[0] ? [a, b] : [b, a];

  // The same schema through the follower under another subject: forwarded, and the id is the one it already has.
  const again = await call(follower.url, 'POST', '/subjects/lf-three/versions', { schema: rec('One') });
  assert.deepEqual(again.body, { id: r1.body.id });
  assert.deepEqual((await call(follower.url, 'PUT', '/config/lf-three', { compatibility: 'NONE' })).body, { compatibility: 'NONE' });
  assert.deepEqual((await call(follower.url, 'GET', '/config/lf-three')).body, { compatibilityLevel: 'NONE' });
  const incompatible = await call(follower.url, 'POST', '/subjects/lf-one/versions', { schema: JSON.stringify({ type: 'record', name: 'One', fields: [{ name: 'f', type: 'int' }] }) });
  assert.equal(incompatible.status, 409, 'the leader\'s error comes back through the follower');

  // Context URLs are writes too: forwarded like the rest.
  const inContext = await call(`${follower.url}/contexts/.lf`, 'POST', '/subjects/lf-ctx/versions', { schema: rec('Ctx') });
  assert.equal(inContext.status, 200, JSON.stringify(inContext.body));

  // The platform's own registry, a third reader of the same topic, sees it all.
  const platformUrl = `http://127.0.0.1:${broker.httpPort}`;
  const fromPlatform = await eventually(() => call(platformUrl, 'GET', '/subjects'), (r) => (r.body as string[]).length === 4);
  assert.deepEqual(fromPlatform.body, [':.lf:lf-ctx', 'lf-one', 'lf-three', 'lf-two']);

  // The leader leaves: the follower takes over and writes continue with fresh ids.
  await leader.stop();
  const after = await call(follower.url, 'POST', '/subjects/lf-four/versions', { schema: rec('Four') });
  assert.equal(after.status, 200, JSON.stringify(after.body));
  assert.ok(after.body.id > Math.max(r1.body.id, r2.body.id, inContext.body.id));
  assert.equal(follower.registry.isLeader(), true);
});

test('with no eligible leader in the group, writes answer 50004 and reads still work', async () => {
  const lonely = await startNode({ groupId: 'sr-no-leader', leaderEligible: false });
  const res = await call(lonely.url, 'POST', '/subjects/lf-nobody/versions', { schema: rec('Nobody') });
  assert.equal(res.status, 500);
  assert.equal(res.body.error_code, 50004);
  assert.equal((await call(lonely.url, 'GET', '/subjects')).status, 200);
});

test('a second `tributary start` with kafkastore.bootstrap.servers shares the first one\'s _schemas', async () => {
  const second = await startBrokerProcess({
    args: ['--override', `kafkastore.bootstrap.servers=PLAINTEXT://${broker.bootstrap}`, '--override', 'schema.registry.path.prefix=/sr'],
  });
  try {
    const url = `http://127.0.0.1:${second.httpPort}/sr`;
    const res = await call(url, 'POST', '/subjects/lf-process/versions', { schema: rec('Process') });
    assert.equal(res.status, 200, `${JSON.stringify(res.body)}\n${second.output().slice(-2000)}`);
    const platformUrl = `http://127.0.0.1:${broker.httpPort}`;
    const seen = await eventually(() => call(platformUrl, 'GET', '/subjects/lf-process/versions/1'), (r) => r.status === 200);
    assert.equal(seen.body.id, res.body.id);
    // Its own broker has no _schemas: the state lives on the first one.
    assert.ok(!second.output().includes('created topic topic=_schemas'));
  } finally {
    await second.stop();
  }
});

test('behind Basic authentication, the follower forwards the caller\'s credentials and the leader checks them', async () => {
  // Each node's HTTP port asks for credentials, as the platform's does once a SASL listener exists; the
  // leader counts who it served, so a forward that dropped the Authorization header would show as a 401.
  const servedByLeader: string[] = [];
  const auth = (node: string): Route[] => [
    authenticationRoute({ basic: (user, password) => (user === 'sr-user' && password === 'sr-secret' ? userPrincipal(user) : null), bearer: null }),
    (req) => {
      servedByLeader.push(`${node} ${req.method} ${req.headers.authorization !== undefined ? 'with' : 'without'} credentials`);
      return false;
    },
  ];
  const a = await startNode({ groupId: 'sr-auth' }, auth('a'));
  const b = await startNode({ groupId: 'sr-auth' }, auth('b'));
  const creds = { authorization: `Basic ${Buffer.from('sr-user:sr-secret').toString('base64')}`, 'content-type': 'application/vnd.schemaregistry.v1+json' };
  const post = (url: string, subject: string, headers: Record<string, string>) =>
    fetch(`${url}/subjects/${subject}/versions`, { method: 'POST', headers, body: JSON.stringify({ schema: rec('Auth') }) });
  // A registry joins the election on its first write: once both have written, one of them leads for good.
  assert.equal((await post(a.url, 'lf-auth-one', creds)).status, 200);
  assert.equal((await post(b.url, 'lf-auth-one', creds)).status, 200);
  const oneLeader = async () => {
    const l = await eventually(async () => [a.registry.isLeader(), b.registry.isLeader()], (v) => v.filter(Boolean).length === 1);
    assert.equal(l.filter(Boolean).length, 1, 'exactly one leader');
    return l;
  };
  let leaders = await oneLeader();
  for (let settled = false, tries = 0; !settled && tries < 20; tries++) {
    await new Promise((r) => setTimeout(r, 500));
    const again = await oneLeader();
    settled = again[0] === leaders[0];
    leaders = again;
  }
  const [follower, leaderName] = leaders[0] ? [b, 'a'] : [a, 'b'];

  servedByLeader.length = 0;
  const viaFollower = await post(follower.url, 'lf-auth-two', creds);
  assert.equal(viaFollower.status, 200, await viaFollower.clone().text());
  assert.ok(((await viaFollower.json()) as { id: number }).id > 0);
  assert.ok(servedByLeader.includes(`${leaderName} POST with credentials`), `the leader saw: ${servedByLeader.join('; ')}`);
  // Without credentials, the follower answers 401 itself and nothing reaches the leader.
  servedByLeader.length = 0;
  const anonymous = await post(follower.url, 'lf-auth-three', { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  assert.equal(anonymous.status, 401);
  assert.deepEqual(servedByLeader, []);
  await a.stop();
  await b.stop();
});
