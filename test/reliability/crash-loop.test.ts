// Short crash loops (npm test): librdkafka producing acks=all to 4 partitions
// while the broker is SIGKILLed 3 times (test/reliability/harness/crash-loop.ts).
// `npm run reliability` runs more cycles of each combination.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('the crash-loop checks catch damage: a byte flipped in a stored record is reported', async () => {
  // After the last clean stop, one byte in the middle of partition 0's newest segment changes.
  const tamper = (dataDir: string, topic: string): void => {
    const dir = join(dataDir, `${topic}-0`);
    const log = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
    const bytes = readFileSync(join(dir, log));
    // A byte of the records (never a length or offset, which would end the log there instead):
    // inside the body of the batch that spans the middle of the file, which its CRC covers.
    let pos = 0;
    for (;;) {
      const size = bytes.readInt32BE(pos + 8) + 12;
      if (pos + size > bytes.length / 2 || pos + size >= bytes.length) break;
      pos += size;
    }
    bytes[pos + 61 + 3]! ^= 0xff;
    writeFileSync(join(dir, log), bytes);
  };
  const r = await runCrashLoop({ cycles: 1, partitions: 2, idempotence: true, flushEveryBatch: false, minUpMs: 300, maxUpMs: 600, rate: 2000, seed: 3, tamper });
  assert.ok(r.acked > 100);
  // Either the reader meets the bad CRC, or the broker's start-up scan of the segment's unindexed
  // tail (which validates CRCs) cut the log at it: both are the damage being caught.
  assert.ok(r.failures.some((f) => /bad CRC|which holds nothing/.test(f)), `damage not reported: ${JSON.stringify(r.failures)}`);
  // The records of that batch were acknowledged: they are reported missing too.
  assert.ok(r.failures.some((f) => /was acknowledged at offset \d+, which holds nothing/.test(f)), JSON.stringify(r.failures));
});
