// The HTTP port's one route so far: GET /health, and clear errors for anything else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';

let broker: EmbeddedBroker;

before(async () => {
  broker = await startEmbeddedBroker();
});

after(async () => {
  await broker?.stop();
});

const url = (path: string) => `http://127.0.0.1:${broker.httpPort}${path}`;

test('GET /health answers UP with the cluster id', async () => {
  const res = await fetch(url('/health'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as { status: string; cluster_id: string };
  assert.equal(body.status, 'UP');
  assert.match(body.cluster_id, /^[A-Za-z0-9_-]{22}$/);
});

test('other methods and paths get JSON errors, and the server keeps serving', async () => {
  const post = await fetch(url('/health'), { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.deepEqual(await post.json(), { error_code: 405, message: 'HTTP 405 Method Not Allowed' });
  const missing = await fetch(url('/no/such/path?x=%zz'));
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error_code: number }).error_code, 404);
  assert.equal((await fetch(url('/health'))).status, 200);
});
