// Process helpers for the benchmark: spawning with captured output, stopping
// by pid (never by name), free ports, and resident memory from /proc.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Children still running, killed (by pid) if the harness itself dies. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping the processes it started\n`);
      process.exit(130);
    });
  }
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Everything written to stdout/stderr so far (also kept in logFile when given). */
  output(): string;
}

/** Spawns `cmd args`, keeping (the tail of) its output in memory and, when given, in logFile. */
export function spawnLogged(cmd: string, args: string[], opts: SpawnOptions & { logFile?: string; onLine?: (line: string) => void } = {}): Spawned {
  installExitHook();
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  live.add(child);
  const log = opts.logFile !== undefined ? createWriteStream(opts.logFile) : null;
  let tail = '';
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    log?.write(chunk);
    tail = (tail + text).slice(-64 * 1024);
    if (opts.onLine !== undefined) {
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      log?.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, pid: child.pid, exited, output: () => tail };
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(p: Spawned, graceMs = 30_000): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
  const timer = setTimeout(() => {
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }, graceMs);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command to completion; rejects on a non-zero exit with the output's tail. */
export async function runToEnd(cmd: string, args: string[], opts: SpawnOptions & { logFile?: string; timeoutMs?: number } = {}): Promise<string> {
  const p = spawnLogged(cmd, args, opts);
  const timer = opts.timeoutMs !== undefined ? setTimeout(() => void stopProcess(p, 2000), opts.timeoutMs) : undefined;
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} ... exited with ${code}:\n${p.output().slice(-3000)}`);
  return p.output();
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Memory {
  /** Resident set size now, in MiB. */
  rssMiB: number;
  /** Peak resident set size of the process so far, in MiB. */
  hwmMiB: number;
}

/** VmRSS and VmHWM of a live process, from /proc/<pid>/status. */
export function readMemory(pid: number): Memory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m === null ? NaN : Number(m[1]);
  };
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

/** Samples a process's RSS every intervalMs until stopped; returns the peak sample. */
export function sampleMemory(pid: number, intervalMs = 250): { stop(): { peakRssMiB: number; hwmMiB: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const take = (): void => {
    const m = readMemory(pid);
    if (m !== null) {
      samples++;
      if (m.rssMiB > peak) peak = m.rssMiB;
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakRssMiB: peak, hwmMiB: readMemory(pid)?.hwmMiB ?? NaN, samples };
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
