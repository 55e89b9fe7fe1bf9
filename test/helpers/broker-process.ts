// Starts `tributary start` as a child process on ephemeral ports, for tests that
// drive the broker from outside (compat scenarios, crash/restart tests).
//
// TRIBUTARY_TEST_BOOTSTRAP=host:port makes startBrokerProcess return that broker
// instead (stop/kill do nothing): used to validate the compat scenarios against
// a real Apache Kafka (compat/kafka-server/start.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './repo-root.js';

export interface BrokerProcess {
  host: string;
  port: number;
  /** host:port, for a client's bootstrap servers. */
  bootstrap: string;
  httpPort: number;
  dataDir: string;
  /** Null for an external broker (TRIBUTARY_TEST_BOOTSTRAP). */
  process: ChildProcess | null;
  /** True when the broker is TRIBUTARY_TEST_BOOTSTRAP rather than a child of ours. */
  external: boolean;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for the exit; resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Extra arguments after `start ...` (e.g. ['--override', 'num.partitions=3']). */
  args?: string[];
  /** Reuse a data directory (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  /**
   * Remove the data directory on stop/kill when we created it (default true).
   * Restart tests pass `cleanup: false` (or their own dataDir) and restart on `dataDir`.
   */
  cleanup?: boolean;
  /** How long to wait for the ready line (default 20 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The script to run (default bin/tributary.js), e.g. a bundle built by the test. */
  cli?: string;
}

const READY = /Tributary ready: /;
const KAFKA_ADDR = /Kafka on ([^:\s]+):(\d+)/;
const HTTP_ADDR = /HTTP on ([^:\s]+):(\d+)/;

export { repoRoot };

export function parseReadyLine(line: string): { host: string; port: number; httpHost: string; httpPort: number } | null {
  if (!READY.test(line)) return null;
  const kafka = KAFKA_ADDR.exec(line);
  const http = HTTP_ADDR.exec(line);
  if (!kafka) return null;
  return {
    host: kafka[1]!,
    port: Number(kafka[2]),
    httpHost: http ? http[1]! : kafka[1]!,
    httpPort: http ? Number(http[2]) : 0,
  };
}

function externalBroker(bootstrap: string): BrokerProcess {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(bootstrap.split(',')[0]!.trim());
  if (!m) throw new Error(`TRIBUTARY_TEST_BOOTSTRAP must be host:port, got ${JSON.stringify(bootstrap)}`);
  const host = m[1]!;
  const port = Number(m[2]);
  return {
    host, port, bootstrap: `${host}:${port}`, httpPort: 0, dataDir: '', process: null, external: true,
    output: () => '',
    stop: async () => 0,
    kill: async () => {},
  };
}

export async function startBrokerProcess(opts: StartBrokerOptions = {}): Promise<BrokerProcess> {
  const external = process.env['TRIBUTARY_TEST_BOOTSTRAP'];
  if (external) return externalBroker(external);

  const root = repoRoot();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-test-'));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const cli = opts.cli ?? resolve(root, 'bin', 'tributary.js');
  const args = [cli, 'start', '--data-dir', dataDir, '--kafka-port', '0', '--http-port', '0', ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let out = '';
  const exited = new Promise<number | null>((res) => {
    child.once('exit', (code) => res(code));
  });
  let exitCode: number | null | undefined;
  void exited.then((c) => { exitCode = c; });

  const cleanup = (): void => {
    if (ownDir && opts.cleanup !== false) rmSync(dataDir, { recursive: true, force: true });
  };

  const ready = await new Promise<ReturnType<typeof parseReadyLine>>((res, rej) => {
    let pending = '';
    const timer = setTimeout(() => {
      finish(new Error(`tributary did not print its ready line within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err: Error | null, r?: ReturnType<typeof parseReadyLine>): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        cleanup();
        rej(new Error(`${err.message}\ncommand: node ${args.join(' ')}\n--- output ---\n${out}`));
      } else res(r ?? null);
    };
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      out += text;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const r = parseReadyLine(line);
        if (r) { finish(null, r); return; }
        if (READY.test(line)) { finish(new Error(`unparseable ready line: ${line}`)); return; }
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`tributary exited before it was ready (code ${code}, signal ${signal})`));
    };
    const onError = (e: Error): void => finish(e);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  // Keep collecting output after ready, for test failure messages.
  child.stdout!.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString('utf8'); });

  const waitExit = async (signal: NodeJS.Signals, graceMs: number): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    host: ready!.host,
    port: ready!.port,
    bootstrap: `${ready!.host}:${ready!.port}`,
    httpPort: ready!.httpPort,
    dataDir,
    process: child,
    external: false,
    output: () => out,
    stop: async () => {
      const code = await waitExit('SIGTERM', 15_000);
      cleanup();
      return code;
    },
    kill: async () => {
      await waitExit('SIGKILL', 5_000);
      cleanup();
    },
  };
}
