// Start-up time and idle memory of builds, alternated: spawn to the ready line
// (`node bin/tributary.js start`, a fresh data directory each time), the CPU
// the process used until then (steadier than wall time on a busy machine), and VmRSS
// after the process has been idle for a while. For before/after comparisons of
// start-up changes (bench/OPTIMISATIONS.md); (e) and (f) of the full suite
// measure the same things against Kafka.
//
//   node --import tsx bench/startup.ts [--runs 7] [--idle-ms 3000] TREE_OR_LABEL=DIR ...
//
// Each argument is label=dir (a tree from bench/snapshot.sh) or just a dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || args[i + 1] === undefined) return dflt;
  const v = args[i + 1]!;
  args.splice(i, 2);
  return v;
};
const runs = Number(opt('runs', '7'));
const idleMs = Number(opt('idle-ms', '3000'));
const trees = args.map((a) => (a.includes('=') ? { label: a.slice(0, a.indexOf('=')), dir: a.slice(a.indexOf('=') + 1) } : { label: a, dir: a }));
if (trees.length === 0) {
  console.error('usage: bench/startup.ts [--runs N] [--idle-ms MS] label=DIR ...');
  process.exit(2);
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

/** CPU time (user + system) of a process so far, in ms (USER_HZ 100: 10 ms resolution). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
}

function once(dir: string): Promise<{ readyMs: number; readyCpuMs: number; idleRssMiB: number }> {
  const data = mkdtempSync(join(tmpdir(), 'tributary-startup-'));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(dir, 'bin/tributary.js'), 'start', '--data-dir', data, '--kafka-port', '0', '--http-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let readyMs = -1;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (readyMs < 0 && out.includes('Tributary ready')) {
        readyMs = performance.now() - t0;
        const readyCpuMs = cpuMs(child.pid!);
        setTimeout(() => {
          const rss = rssMiB(child.pid!);
          child.kill('SIGTERM');
          child.once('exit', () => {
            rmSync(data, { recursive: true, force: true });
            resolve({ readyMs, readyCpuMs, idleRssMiB: rss });
          });
        }, idleMs);
      }
    });
    child.stderr.resume();
    child.once('exit', (code) => {
      if (readyMs < 0) reject(new Error(`exited ${code} before the ready line: ${out}`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results = new Map<string, { ready: number[]; cpu: number[]; rss: number[] }>(trees.map((t) => [t.label, { ready: [], cpu: [], rss: [] }]));
for (let i = 0; i < runs; i++) {
  for (const t of trees) {
    const r = await once(t.dir);
    results.get(t.label)!.ready.push(r.readyMs);
    results.get(t.label)!.cpu.push(r.readyCpuMs);
    results.get(t.label)!.rss.push(r.idleRssMiB);
  }
}
for (const [label, r] of results) {
  console.log(`${label.padEnd(12)} ready ms median ${median(r.ready).toFixed(0)} (min ${Math.min(...r.ready).toFixed(0)}, max ${Math.max(...r.ready).toFixed(0)})   CPU ms to ready median ${median(r.cpu).toFixed(0)}   idle RSS MiB median ${median(r.rss).toFixed(1)} (min ${Math.min(...r.rss).toFixed(1)}, max ${Math.max(...r.rss).toFixed(1)})   n=${r.ready.length}`);
}
