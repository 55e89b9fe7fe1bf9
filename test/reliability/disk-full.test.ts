// A full disk (test/reliability/harness/disk-full.ts): the data directory on a
// 16 MiB tmpfs, filled by producers. Needs permission to mount (root in CI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDiskFull } from './harness/disk-full.js';

test('full disk: producers get KAFKA_STORAGE_ERROR, acknowledged data stays intact through restarts, writes resume when space returns', async () => {
  const r = await runDiskFull(16);
  assert.deepEqual(r.failures, []);
  assert.ok(r.acknowledgedBatches > 100, `${r.acknowledgedBatches} batches fit on the disk`);
  assert.deepEqual(Object.keys(r.errorsWhileFull), ['KAFKA_STORAGE_ERROR']);
  assert.equal(r.closedWhileFull, 0);
  // Kafka maps a failed __consumer_offsets append to NOT_COORDINATOR for the committer.
  assert.equal(r.offsetCommitWhileFull, 'NOT_COORDINATOR');
  assert.equal(r.stopWhileFullExitCode, 0);
  assert.equal(r.producedAfterSpaceReturned, 10);
});
