// Short crash loops (npm test): librdkafka producing acks=all to 4 partitions
// while the broker is SIGKILLed 3 times (test/reliability/harness/crash-loop.ts).
// `npm run reliability` runs more cycles of each combination.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { requirePython } from '../compat/clients.js';
import { runCrashLoop } from './harness/crash-loop.js';

before(async () => {
  await requirePython();
});

for (const [idempotence, flushEveryBatch] of [[true, true], [false, false]] as const) {
  const name = `${idempotence ? 'idempotent' : 'plain'} producer, ${flushEveryBatch ? 'fsync every batch' : "the OS flushes (Kafka's default)"}`;
  test(`crash loop, ${name}: 3 SIGKILLs, every acknowledged record and commit survives`, async () => {
    const r = await runCrashLoop({ cycles: 3, partitions: 4, idempotence, flushEveryBatch, minUpMs: 400, maxUpMs: 1500, rate: 3000, seed: 7 });
    assert.deepEqual(r.failures, []);
    assert.equal(r.cycles, 3);
    assert.ok(r.acked > 1000, `only ${r.acked} records acknowledged`);
    assert.equal(r.deliveryErrors, 0);
    // Every produced record was acknowledged in the end (the client retried through the crashes).
    assert.equal(r.acked, r.produced);
    if (idempotence) assert.equal(r.recordsInLog, r.acked);
    else assert.equal(r.recordsInLog, r.acked + r.duplicates);
    assert.ok(r.commitsAcked > 0 && r.commitChecks === 3);
  });
}
