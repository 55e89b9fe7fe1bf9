// A consumer group member run by compat/java's Scenarios driver
// (`Scenarios group-consume`), as the Java group tests drive it: its stdout
// lines (ASSIGNED/REVOKED/LOST on rebalances, RECORD after each committed
// record) and ways to stop it cleanly (stdin closed: it leaves the group) or
// kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../helpers/broker-process.js';

const SCENARIOS = 'dev.tributary.compat.Scenarios';

/** One `Scenarios group-consume` JVM (a consumer group member printing what it is assigned and consumes). */
export class GroupConsumeMember {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(runSh: string, readonly name: string, args: string[], registry: GroupConsumeMember[] = []) {
    this.child = spawn(runSh, [SCENARIOS, 'group-consume', ...args, '--client-id', name], { cwd: repoRoot(), stdio: ['pipe', 'pipe', 'pipe'] });
    let pending = '';
    this.child.stdout!.on('data', (c: Buffer) => {
      pending += c.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr!.on('data', (c: Buffer) => { this.stderr += c.toString('utf8'); });
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    registry.push(this);
  }

  records(): { key: string; partition: number; offset: number; value: string }[] {
    return this.lines.filter((l) => l.startsWith('RECORD ')).map((l) => {
      const [, p, o, value] = l.split(' ');
      return { key: `${p}:${o}`, partition: Number(p), offset: Number(o), value: value! };
    });
  }

  /** Partitions owned now, from the rebalance callbacks (the consumer protocol assigns and revokes incrementally). */
  owned(): number[] {
    const owned = new Set<number>();
    for (const l of this.lines) {
      const [what, list] = l.split(' ');
      const ps = (list ?? '').split(',').filter((x) => x !== '').map(Number);
      if (what === 'ASSIGNED') for (const p of ps) owned.add(p);
      else if (what === 'REVOKED' || what === 'LOST') for (const p of ps) owned.delete(p);
    }
    return [...owned].sort((a, b) => a - b);
  }

  everAssigned(): Set<number> {
    const out = new Set<number>();
    for (const l of this.lines) if (l.startsWith('ASSIGNED ')) for (const p of l.slice(9).split(',')) if (p !== '') out.add(Number(p));
    return out;
  }

  async stop(): Promise<number | null> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  describe(): string {
    return `${this.name}: ${this.lines.filter((l) => !l.startsWith('RECORD ')).join(' | ')} (${this.records().length} records)\n${this.stderr.slice(-2000)}`;
  }
}
