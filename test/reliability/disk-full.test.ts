// A full disk (test/reliability/harness/disk-full.ts): the data directory on a
// 16 MiB tmpfs filled by producers (where this process may mount one; else the
// injected ENOSPC below stands in), and every broker write failing with an
// injected ENOSPC (enospc-preload.ts), which also reaches the writes a tmpfs
// still has room for (metadata records, a new __consumer_offsets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDiskFull } from './harness/disk-full.js';

test('full disk: producers get KAFKA_STORAGE_ERROR, acknowledged data stays intact through restarts, writes resume when space returns', async () => {
  const r = await runDiskFull(16);
  assert.deepEqual(r.failures, []);
  assert.ok(r.acknowledgedBatches > 100, `${r.acknowledgedBatches} batches fit on the disk`);
  assert.deepEqual(Object.keys(r.errorsWhileFull), ['KAFKA_STORAGE_ERROR']);
  assert.equal(r.closedWhileFull, 0);
  if (r.mode === 'tmpfs') {
    // Kafka maps a failed __consumer_offsets append to NOT_COORDINATOR for the committer.
    assert.equal(r.offsetCommitWhileFull, 'NOT_COORDINATOR');
  }
  assert.equal(r.stopWhileFullExitCode, 0);
  assert.equal(r.producedAfterSpaceReturned, 10);
});

test('disk-full finding: with every write failing, CreateTopics answers KAFKA_STORAGE_ERROR (was a handler error and a closed connection) and commits COORDINATOR_NOT_AVAILABLE', async () => {
  const r = await runDiskFull(16, true);
  assert.match(r.mode, /^injected ENOSPC/);
  assert.deepEqual(r.failures, []);
  assert.deepEqual(Object.keys(r.errorsWhileFull), ['KAFKA_STORAGE_ERROR']);
  assert.equal(r.createTopicWhileFull, 'KAFKA_STORAGE_ERROR');
  // __consumer_offsets cannot be created: the coordinator is unavailable, as in Kafka without its offsets topic.
  assert.equal(r.offsetCommitWhileFull, 'COORDINATOR_NOT_AVAILABLE');
  assert.equal(r.stopWhileFullExitCode, 0);
  assert.equal(r.producedAfterSpaceReturned, 10);
});
