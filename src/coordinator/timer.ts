// Time and keyed timers for the coordinators. Every deadline the group
// protocol has (session, rebalance, initial delay, pending sync, offset
// expiry) is a keyed task: scheduling a key again replaces its task, as in
// Kafka's coordinator timer. The manual implementation drives the same code
// from tests with a fake clock.

export interface Time {
  now(): number;
}

export interface Timer {
  /** Runs `task` after delayMs, replacing whatever was scheduled under `key`. */
  schedule(key: string, delayMs: number, task: () => void): void;
  cancel(key: string): void;
  isScheduled(key: string): boolean;
  /** Drops every task (shutdown). */
  cancelAll(): void;
}

export const SYSTEM_TIME: Time = { now: () => Date.now() };

/** Timers on the event loop; unref'd so a pending session timeout never keeps a process alive. */
export class SystemTimer implements Timer {
  private readonly tasks = new Map<string, NodeJS.Timeout>();

  schedule(key: string, delayMs: number, task: () => void): void {
    this.cancel(key);
    const handle = setTimeout(() => {
      if (this.tasks.get(key) === handle) this.tasks.delete(key);
      task();
    }, Math.max(0, delayMs));
    handle.unref();
    this.tasks.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.tasks.get(key);
    if (handle !== undefined) {
      clearTimeout(handle);
      this.tasks.delete(key);
    }
  }

  isScheduled(key: string): boolean {
    return this.tasks.has(key);
  }

  cancelAll(): void {
    for (const handle of this.tasks.values()) clearTimeout(handle);
    this.tasks.clear();
  }
}

interface ManualTask {
  deadline: number;
  seq: number;
  task: () => void;
}

/** A fake clock and timer for tests: nothing runs until advance() passes a deadline. */
export class ManualClock implements Time, Timer {
  private current: number;
  private seq = 0;
  private readonly tasks = new Map<string, ManualTask>();

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(key: string, delayMs: number, task: () => void): void {
    this.tasks.set(key, { deadline: this.current + Math.max(0, delayMs), seq: this.seq++, task });
  }

  cancel(key: string): void {
    this.tasks.delete(key);
  }

  isScheduled(key: string): boolean {
    return this.tasks.has(key);
  }

  cancelAll(): void {
    this.tasks.clear();
  }

  /** Deadline of a scheduled key, for assertions. */
  deadline(key: string): number | undefined {
    return this.tasks.get(key)?.deadline;
  }

  /** Moves the clock forward, running due tasks in deadline order (tasks may schedule more). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [string, ManualTask] | undefined;
      for (const entry of this.tasks) {
        if (entry[1].deadline > target) continue;
        if (next === undefined || entry[1].deadline < next[1].deadline || (entry[1].deadline === next[1].deadline && entry[1].seq < next[1].seq)) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.tasks.delete(next[0]);
      this.current = Math.max(this.current, next[1].deadline);
      next[1].task();
    }
    this.current = target;
  }
}
