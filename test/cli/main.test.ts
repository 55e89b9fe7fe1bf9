// Spawns the real entry point (bin/tributary.js, the compiled CLI) for the paths that exit before the platform starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/repo-root.js';

const root = repoRoot();

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/tributary.js', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help prints usage and exits 0', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: tributary <command>/);
  assert.equal(r.stderr, '');
});

test('start --help lists the start options', () => {
  const r = run('start', '--help');
  assert.equal(r.status, 0);
  for (const flag of ['--data-dir', '--kafka-port', '--http-port', '--config', '--override']) assert.ok(r.stdout.includes(flag), flag);
});

test('--version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const r = run('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('an unknown flag exits 2 with one message and no stack trace', () => {
  const r = run('start', '--kafka-prot', '9092');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tributary: unknown option '--kafka-prot'\nRun 'tributary start --help' for usage\.\n$/);
  assert.equal(r.stdout, '');
});

test('a bad property exits 2 naming it', () => {
  const r = run('start', '--override', 'num.partitons=3');
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "tributary: configuration error: Unknown broker property 'num.partitons' (--override); did you mean 'num.partitions'?\n");
  const bad = run('start', '--override=num.partitions=zero');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Invalid value zero for configuration num\.partitions: Not a number of type INT/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
