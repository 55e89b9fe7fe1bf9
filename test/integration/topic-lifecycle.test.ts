// Deleting and re-creating a topic name back to back (pipelined on one
// connection, or from two clients at once): the new topic starts empty at
// offset 0, never sees the old records, and keeps its own across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError, asStored, createTopic, fetchPartition, produce, watchBrokerErrors } from './support.js';

test('delete and create of one name pipelined, then a restart: only the new topic\'s records exist', { timeout: 30_000 }, async () => {
  const watch = watchBrokerErrors();
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-lifecycle-'));
  let b: EmbeddedBroker | null = null;
  const expected = new Map<string, Buffer>();
  try {
    b = await startEmbeddedBroker({ dataDir, cleanup: false });
    const c = await WireClient.connect(b.host, b.port);
    const other = await WireClient.connect(b.host, b.port);
    try {
      for (let round = 0; round < 3; round++) {
        for (const [mode, name] of [['pipelined', `pipelined-${round}`], ['two clients', `two-clients-${round}`]] as const) {
          await createTopic(c, name, 2);
          for (const p of [0, 1]) assertError((await produce(c, name, p, buildSimpleBatch(5, { prefix: 'old' }))).errorCode, ErrorCode.NONE);
          const deleting = c.request(ApiKey.DeleteTopics, 6, { topics: [{ name }], timeoutMs: 5000 });
          const creating = (mode === 'pipelined' ? c : other).request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 2, replicationFactor: 1 }], timeoutMs: 5000 });
          const [deleted, created] = await Promise.all([deleting, creating]);
          assertError(deleted.responses[0]!.errorCode, ErrorCode.NONE, `${mode}: delete`);
          assertError(created.topics[0]!.errorCode, ErrorCode.NONE, `${mode}: create: ${created.topics[0]!.errorMessage}`);
          for (const p of [0, 1]) {
            const batch = buildSimpleBatch(2, { prefix: `new-${round}-${p}` });
            const r = await produce(c, name, p, batch);
            assertError(r.errorCode, ErrorCode.NONE);
            assert.equal(r.baseOffset, 0, `${mode} round ${round} partition ${p}: the new topic starts at 0`);
            const f = await fetchPartition(c, name, p, 0);
            assert.deepEqual(f.records, asStored(batch, 0), `${mode}: no old records in the new topic`);
            expected.set(`${name}:${p}`, asStored(batch, 0));
          }
        }
      }
    } finally {
      c.close();
      other.close();
    }
    await b.stop();
    b = await startEmbeddedBroker({ dataDir, cleanup: false });
    const after = await WireClient.connect(b.host, b.port);
    try {
      for (const [key, bytes] of expected) {
        const [name, p] = key.split(':');
        const f = await fetchPartition(after, name!, Number(p), 0);
        assertError(f.errorCode, ErrorCode.NONE, key);
        assert.deepEqual(f.records, bytes, `${key} after restart`);
        assert.equal(f.highWatermark, 2);
      }
    } finally {
      after.close();
    }
  } finally {
    await b?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    watch.stop();
  }
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});
