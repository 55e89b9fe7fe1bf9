// The registry inside the running platform: state in the compacted `_schemas`
// topic in Confluent's record format, and everything (schemas, ids, configs,
// modes, deletes) rebuilt from that topic after a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KafkaClient } from '../../src/client/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { call } from './support.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tributary-registry-restart-'));
let broker: EmbeddedBroker | null = null;
after(async () => {
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const rec = (name: string, fields: unknown[]) => JSON.stringify({ type: 'record', name, namespace: 'restart', fields });

test('schemas, ids, configs, modes and deletes survive a restart, from _schemas in Confluent format', async () => {
  broker = await startEmbeddedBroker({ dataDir, cleanup: false });
  let base = `http://127.0.0.1:${broker.httpPort}`;
  const a1 = await call(base, 'POST', '/subjects/orders-value/versions', { schema: rec('Order', [{ name: 'id', type: 'long' }]) });
  assert.equal(a1.status, 200, JSON.stringify(a1.body));
  const a2 = await call(base, 'POST', '/subjects/orders-value/versions', { schema: rec('Order', [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }]) });
  const b1 = await call(base, 'POST', '/subjects/users-value/versions', { schema: rec('User', [{ name: 'name', type: 'string' }]) });
  const gone = await call(base, 'POST', '/subjects/gone-value/versions', { schema: rec('Gone', [{ name: 'x', type: 'int' }]) });
  assert.deepEqual([a1.body.id, a2.body.id, b1.body.id, gone.body.id], [1, 2, 3, 4]);
  await call(base, 'PUT', '/config', { compatibility: 'FULL' });
  await call(base, 'PUT', '/config/users-value', { compatibility: 'NONE' });
  await call(base, 'PUT', '/mode/orders-value', { mode: 'READONLY' });
  await call(base, 'DELETE', '/subjects/users-value/versions/1');
  await call(base, 'DELETE', '/subjects/gone-value');
  await call(base, 'DELETE', '/subjects/gone-value?permanent=true');

  // The topic as Confluent's KafkaStore leaves it.
  const client = await KafkaClient.connect({ bootstrap: [broker.bootstrap] });
  try {
    const topic = await client.describeTopic('_schemas');
    assert.equal(topic?.partitions, 1);
    assert.equal(topic?.configs?.['cleanup.policy'], 'compact');
    const fetched = await client.fetch('_schemas', 0, 0, { maxWaitMs: 100 });
    const keys = fetched.records.map((r) => JSON.parse(r.key!.toString('utf8')) as Record<string, unknown>);
    assert.deepEqual(keys[0], { keytype: 'SCHEMA', subject: 'orders-value', version: 1, magic: 1 });
    const first = JSON.parse(fetched.records[0]!.value!.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(first, { subject: 'orders-value', version: 1, id: 1, schema: rec('Order', [{ name: 'id', type: 'long' }]), deleted: false });
    assert.ok(keys.some((k) => k['keytype'] === 'CONFIG' && k['subject'] === null));
    assert.ok(keys.some((k) => k['keytype'] === 'MODE' && k['subject'] === 'orders-value'));
    assert.ok(keys.some((k) => k['keytype'] === 'DELETE_SUBJECT' && k['subject'] === 'gone-value'));
    // The permanent delete is a tombstone on the version's key.
    const tomb = fetched.records.find((r, i) => keys[i]!['subject'] === 'gone-value' && keys[i]!['keytype'] === 'SCHEMA' && r.value === null);
    assert.ok(tomb !== undefined);
  } finally {
    await client.close();
  }

  await broker.stop();
  broker = await startEmbeddedBroker({ dataDir, cleanup: false });
  base = `http://127.0.0.1:${broker.httpPort}`;
  assert.deepEqual((await call(base, 'GET', '/subjects')).body, ['orders-value']);
  assert.deepEqual((await call(base, 'GET', '/subjects?deleted=true')).body, ['orders-value', 'users-value']);
  assert.deepEqual((await call(base, 'GET', '/subjects/orders-value/versions')).body, [1, 2]);
  assert.equal((await call(base, 'GET', '/subjects/orders-value/versions/2')).body.id, 2);
  assert.equal((await call(base, 'GET', '/schemas/ids/3')).status, 200);
  assert.equal((await call(base, 'GET', '/schemas/ids/4')).body.error_code, 40403);
  assert.deepEqual((await call(base, 'GET', '/config')).body, { compatibilityLevel: 'FULL' });
  assert.deepEqual((await call(base, 'GET', '/config/users-value')).body, { compatibilityLevel: 'NONE' });
  assert.deepEqual((await call(base, 'GET', '/mode/orders-value')).body, { mode: 'READONLY' });
  assert.equal((await call(base, 'POST', '/subjects/orders-value/versions', { schema: rec('Order', [{ name: 'z', type: 'int', default: 0 }]) })).body.error_code, 42205);
  assert.equal((await call(base, 'GET', '/subjects/users-value/versions/1?deleted=true')).body.id, 3);
  // Re-registering a soft-deleted schema reuses its id under a new version.
  const again = await call(base, 'POST', '/subjects/users-value/versions', { schema: rec('User', [{ name: 'name', type: 'string' }]) });
  assert.deepEqual(again.body, { id: 3 });
  assert.deepEqual((await call(base, 'GET', '/subjects/users-value/versions')).body, [2]);
  // New ids continue after the highest one in the log, the hard-deleted one included.
  const next = await call(base, 'POST', '/subjects/new-value/versions', { schema: rec('New', [{ name: 'n', type: 'int' }]) });
  assert.deepEqual(next.body, { id: 5 });
});

test('acknowledged registrations survive kill -9 of the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-registry-crash-'));
  try {
    let proc = await startBrokerProcess({ dataDir: dir });
    let base = `http://127.0.0.1:${proc.httpPort}`;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(base, 'POST', `/subjects/crash-${i}/versions`, { schema: rec(`Crash${i}`, [{ name: 'n', type: 'int' }]) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    await call(base, 'PUT', '/config/crash-0', { compatibility: 'FORWARD' });
    await proc.kill();
    proc = await startBrokerProcess({ dataDir: dir });
    try {
      base = `http://127.0.0.1:${proc.httpPort}`;
      for (let i = 0; i < 5; i++) assert.equal((await call(base, 'GET', `/subjects/crash-${i}/versions/1`)).body.id, ids[i]);
      assert.deepEqual((await call(base, 'GET', '/config/crash-0')).body, { compatibilityLevel: 'FORWARD' });
      const next = await call(base, 'POST', '/subjects/crash-next/versions', { schema: rec('CrashNext', [{ name: 'n', type: 'int' }]) });
      assert.equal(next.body.id, Math.max(...ids) + 1);
    } finally {
      await proc.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
