// Bounded in-process fuzz run (npm test): mutated real and spec-generated
// requests through the request header decoder, every served API's request
// decoder and the produce record checks (test/reliability/harness/decoder-fuzz.ts).
// `npm run reliability` runs the same with far more inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDecoderFuzz } from './harness/decoder-fuzz.js';
import { allSeeds, goldenSeeds, servedVersions } from './harness/seeds.js';

const seeds = allSeeds();

test('seeds cover the captured requests and every served API version', () => {
  const golden = goldenSeeds();
  assert.ok(golden.length >= 50, `only ${golden.length} captured requests`);
  const served = servedVersions();
  for (const s of served) {
    for (let v = s.minVersion; v <= s.maxVersion; v++) {
      assert.ok(seeds.some((x) => x.apiKey === s.apiKey && x.apiVersion === v), `no seed for api ${s.apiKey} v${v}`);
    }
  }
});

test('40,000 mutated requests: decoders answer with a value or ProtocolDecodeError, bounded by the input', () => {
  const stats = runDecoderFuzz(seeds, { numRuns: 40_000, seed: 20261125 });
  assert.deepEqual(stats.failures.map((f) => `${f.signature} [${f.seedId}] ${f.frameHex.slice(0, 200)}`), []);
  assert.equal(stats.inputs, 40_000 + seeds.length);
  // The mutations reach every stage: header, body, and the record walker behind the CRC.
  assert.ok(stats.headerRejected > 1000 && stats.bodyRejected > 1000 && stats.decoded > 1000, JSON.stringify(stats));
  assert.ok(stats.recordSetsAccepted > 20, `only ${stats.recordSetsAccepted} mutated record sets got past the CRC`);
});
