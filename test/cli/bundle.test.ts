// tools/bundle.mjs joins the compiled CLI and platform into one file, which
// bin/tributary.js runs for its start-up time. Built here into a directory of
// the test's own and run as a broker process: Kafka clients, the registry
// (whose in-process client loads message modules on first use, outside the
// bundle) and a clean stop all work from the bundle.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { createTopic, fetchPartition, produce, splitBatches } from '../integration/support.js';

const dir = join(repoRoot(), 'dist', `bundle-test-${process.pid}`);
const bundle = join(dir, 'tributary.js');
let broker: BrokerProcess | null = null;
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the bundled CLI runs the platform', async () => {
  execFileSync(process.execPath, [join(repoRoot(), 'tools', 'bundle.mjs'), bundle], { stdio: 'pipe' });
  const text = readFileSync(bundle, 'utf8');
  // The protocol runtime the message modules import stays one module outside the bundle.
  assert.doesNotMatch(text, /class ProtocolDecodeError/);
  assert.match(text, /from "\.\.\/src\/protocol\/generated\/index\.js"/);

  broker = await startBrokerProcess({ cli: bundle });
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    await createTopic(c, 'bundled', 1);
    const batch = buildSimpleBatch(5, { prefix: 'bundled' });
    assert.equal((await produce(c, 'bundled', 0, batch)).errorCode, 0);
    const fetched = await fetchPartition(c, 'bundled', 0, 0);
    assert.equal(splitBatches(fetched.records).batches.length, 1);
  } finally {
    c.close();
  }

  const res = await fetch(`http://127.0.0.1:${broker.httpPort}/subjects/bundled-value/versions`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) }),
  });
  assert.equal(res.status, 200);
  assert.equal(typeof ((await res.json()) as { id: unknown }).id, 'number');

  assert.equal(await broker.stop(), 0, 'a clean stop');
  broker = null;
});
