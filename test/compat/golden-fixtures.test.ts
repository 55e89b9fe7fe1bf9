// The golden frames in test/fixtures/golden/ (tools/capture/capture.ts) are what the
// codec tests rely on: check they are there, named for what they hold, and paired.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/broker-process.js';

const golden = join(repoRoot(), 'test', 'fixtures', 'golden');
const API_KEYS: Record<string, number> = { Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, ApiVersions: 18, CreateTopics: 19 };

function requests(client: string): { api: string; version: number; file: string }[] {
  return readdirSync(join(golden, client))
    .filter((f) => f.endsWith('.bin') && !f.endsWith('.response.bin'))
    .map((file) => {
      const m = /^(\w+)-v(\d+)\.bin$/.exec(file);
      assert.ok(m, `unexpected fixture name ${client}/${file}`);
      return { api: m[1]!, version: Number(m[2]), file };
    });
}

test('every request fixture starts with the api key, version and correlation id of its name; responses echo it', () => {
  for (const client of ['java', 'kcat', 'python', 'kafkajs']) {
    for (const r of requests(client)) {
      const req = readFileSync(join(golden, client, r.file));
      assert.ok(req.length >= 10, `${client}/${r.file} too short`);
      if (API_KEYS[r.api] !== undefined) assert.equal(req.readInt16BE(0), API_KEYS[r.api], `${client}/${r.file} api key`);
      assert.equal(req.readInt16BE(2), r.version, `${client}/${r.file} api version`);
      const respFile = join(golden, client, r.file.replace(/\.bin$/, '.response.bin'));
      if (!existsSync(respFile)) continue;
      const resp = readFileSync(respFile);
      assert.equal(resp.readInt32BE(0), req.readInt32BE(4), `${client}/${r.file}: response correlation id`);
      assert.ok(resp.length < 8192 && req.length < 8192, `${client}/${r.file}: fixtures stay small`);
    }
  }
});

test('ApiVersions, Metadata, Produce and Fetch each exist in an old and a flexible version, with responses', () => {
  // First flexible version of each (KIP-482): ApiVersions 3, Metadata 9, Produce 9, Fetch 12.
  const firstFlexible: Record<string, number> = { ApiVersions: 3, Metadata: 9, Produce: 9, Fetch: 12 };
  for (const [api, flexibleFrom] of Object.entries(firstFlexible)) {
    const versions = ['java', 'kcat', 'python', 'kafkajs'].flatMap((c) => requests(c)
      .filter((r) => r.api === api && existsSync(join(golden, c, r.file.replace(/\.bin$/, '.response.bin'))))
      .map((r) => r.version));
    assert.ok(versions.some((v) => v < flexibleFrom), `${api}: no old (pre-v${flexibleFrom}) fixture among ${versions}`);
    assert.ok(versions.some((v) => v >= flexibleFrom), `${api}: no flexible (v${flexibleFrom}+) fixture among ${versions}`);
  }
});
