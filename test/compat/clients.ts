// Locating and running the third-party clients the compat tests drive.
// A missing client is a failure that says how to install it, never a skip.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/broker-process.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT = 'run `bash .ci/run` (or its install steps) to install the compat clients';

/** Runs a command asynchronously (the broker child's pipes must keep draining meanwhile). */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${cmd}: ${e.message}; ${INSTALL_HINT}`)); });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[killed after ${opts.timeoutMs ?? 30_000} ms]`;
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => { /* the client may exit before reading all input */ });
    child.stdin.end(opts.input ?? '');
  });
}

/** Formats a result for an assertion message. */
export function describe(cmd: string, r: RunResult): string {
  return `${cmd} exited ${r.code}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}

/** The last line of stdout that parses as a JSON object. */
export function lastJson(r: RunResult): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch { /* keep looking */ }
  }
  throw new Error(`no JSON summary on stdout\n${describe('client', r)}`);
}

/**
 * The JSON summary of a scenario that reports `ok`, `failures` and (on a client error) `error`
 * (TxnScenarios, StreamsWordCount, scenario_txn.py), asserted clean: the failure message leads
 * with what went wrong, then the client's output and `context` (e.g. the broker's).
 */
export function okSummary(name: string, r: RunResult, context = ''): Record<string, unknown> {
  const output = `${describe(name, r)}${context === '' ? '' : `\n${context}`}`;
  let summary: Record<string, unknown>;
  try {
    summary = lastJson(r);
  } catch {
    assert.fail(`${name}: no JSON summary on stdout\n${output}`);
  }
  if (typeof summary['error'] === 'string') assert.fail(`${name}: ${summary['error']}\n${output}`);
  const failures = summary['failures'];
  assert.ok(Array.isArray(failures), `${name}: no "failures" in the summary\n${output}`);
  if (failures.length > 0) assert.fail(`${name}: ${failures.length} check(s) failed:\n  ${failures.join('\n  ')}\n${output}`);
  assert.equal(r.code, 0, `${name}: exit code\n${output}`);
  return summary;
}

export async function requireKcat(): Promise<string> {
  for (const name of ['kcat', 'kafkacat']) {
    try {
      const r = await run(name, ['-V'], { timeoutMs: 5_000 });
      if (r.code === 0) return name;
    } catch { /* not installed under this name */ }
  }
  throw new Error(`kcat is not installed (apt-get install kcat); ${INSTALL_HINT}`);
}

/** compat/java/run.sh, once compat/java has been built by mvn (classes and classpath.txt). */
export function requireJava(): string {
  const dir = join(repoRoot(), 'compat', 'java');
  if (!existsSync(join(dir, 'target', 'classpath.txt')) || !existsSync(join(dir, 'target', 'classes', 'dev'))) {
    throw new Error(`compat/java is not built (no target/classpath.txt or classes); ${INSTALL_HINT}`);
  }
  return join(dir, 'run.sh');
}

/** The Python of compat/python/.venv, with confluent-kafka importable. */
export async function requirePython(): Promise<string> {
  const python = join(repoRoot(), 'compat', 'python', '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`no venv at compat/python/.venv; ${INSTALL_HINT}`);
  const r = await run(python, ['-c', 'import confluent_kafka'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`confluent-kafka is not importable in compat/python/.venv: ${r.stderr}; ${INSTALL_HINT}`);
  return python;
}

/** A topic name unique to this run, so tests can share an external broker. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
