#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner.
// Arguments are substrings that select test files (e.g. `npm test -- storage`).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('dist/test', []).sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Two cores: two test files at a time; integration tests start their own brokers.
// Pooled buffers are overwritten when handed back (src/protocol/read-buffers.ts), so a test that
// reads bytes somebody kept a view of after hand-back sees garbage instead of passing by luck.
const env = { ...process.env, TRIBUTARY_POISON_POOLED_BUFFERS: process.env.TRIBUTARY_POISON_POOLED_BUFFERS ?? '1' };
const result = spawnSync(process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env });
process.exit(result.status ?? 1);
