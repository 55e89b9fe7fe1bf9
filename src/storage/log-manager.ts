// Owns every partition log under a data dir: opening (driven by the caller,
// which knows the topics from the metadata store), creation, topic deletion
// (rename to `<topic>-<p>.<id>-delete`, then remove in the background so the
// topic can be re-created at once), the retention and flush timers, and the
// clean-shutdown marker that lets the next start skip scanning active segments.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../observability/logger.js';
import type { ProducerStateConfig } from '../coordinator/producer-state.js';
import { LogCleaner, type CleaningStats } from './log-cleaner.js';
import { DEFAULT_PRODUCER_STATE_CONFIG, PartitionLog, partitionDirName } from './partition-log.js';
import type { LogConfig, TopicPartition } from './types.js';

const log = createLogger('log-manager');

/** Kafka's marker name: present only after a clean shutdown, removed at start. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
const DELETE_DIR_SUFFIX = '-delete';

export interface LogManagerOptions {
  /** log.retention.check.interval.ms; 0 or absent disables the retention timer. */
  retentionCheckIntervalMs?: number;
  /** log.flush.scheduler.interval.ms: how often flush.ms is checked; 0 or absent disables the timer. */
  flushCheckIntervalMs?: number;
  /** producer.id.expiration.ms (Kafka's default when absent). */
  producerIdExpirationMs?: number;
  /** producer.id.expiration.check.interval.ms; 0 or absent disables the timer. */
  producerIdExpirationCheckIntervalMs?: number;
  /** The log cleaner (compacted topics); absent disables it. */
  cleaner?: {
    /** log.cleaner.backoff.ms: pause between passes when no log needed cleaning. */
    backoffMs: number;
    /** log.cleaner.dedupe.buffer.size. */
    dedupeBufferSize: number;
  };
  now?: () => number;
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export class LogManager {
  private logs = new Map<string, PartitionLog>();
  private opening = new Map<string, Promise<PartitionLog>>();
  private retentionTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private backgroundDeletes = new Set<Promise<void>>();
  private closed = false;
  private readonly now: () => number;
  private readonly producerStateConfig: ProducerStateConfig;
  private producerExpiryTimer: NodeJS.Timeout | null = null;
  private readonly cleaner: LogCleaner | null;
  private cleanerTimer: NodeJS.Timeout | null = null;
  /** The cleaning run in progress, if any (close waits for it). */
  private cleaning: Promise<CleaningStats[]> | null = null;

  private constructor(
    readonly dataDir: string,
    /** The previous shutdown was clean (marker found at open). */
    readonly cleanShutdown: boolean,
    options: LogManagerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.producerStateConfig = {
      producerIdExpirationMs: options.producerIdExpirationMs ?? DEFAULT_PRODUCER_STATE_CONFIG.producerIdExpirationMs,
    };
    this.cleaner = options.cleaner === undefined ? null : new LogCleaner({ dedupeBufferSize: options.cleaner.dedupeBufferSize, now: this.now });
  }

  static async open(dataDir: string, options: LogManagerOptions = {}): Promise<LogManager> {
    fs.mkdirSync(dataDir, { recursive: true });
    const marker = path.join(dataDir, CLEAN_SHUTDOWN_FILE);
    const clean = fs.existsSync(marker);
    // From now on a crash is unclean: the marker goes before anything is written.
    if (clean) fs.rmSync(marker, { force: true });
    const manager = new LogManager(dataDir, clean, options);
    // Finish deletions interrupted by a restart.
    for (const name of fs.readdirSync(dataDir)) {
      if (name.endsWith(DELETE_DIR_SUFFIX)) manager.removeInBackground(path.join(dataDir, name));
    }
    manager.startTimers(options);
    log.info('log manager started', { dataDir, cleanShutdown: clean });
    return manager;
  }

  private startTimers(options: LogManagerOptions): void {
    const retention = options.retentionCheckIntervalMs ?? 0;
    if (retention > 0 && retention < Number.MAX_SAFE_INTEGER) {
      this.retentionTimer = setInterval(() => this.applyRetention(), Math.min(retention, 2 ** 31 - 1));
      this.retentionTimer.unref();
    }
    const flush = options.flushCheckIntervalMs ?? 0;
    if (flush > 0 && flush < Number.MAX_SAFE_INTEGER) {
      this.flushTimer = setInterval(() => {
        const now = this.now();
        for (const l of this.logs.values()) l.flushIfDue(now);
      }, Math.min(flush, 2 ** 31 - 1));
      this.flushTimer.unref();
    }
    const expiry = options.producerIdExpirationCheckIntervalMs ?? 0;
    if (expiry > 0 && expiry < Number.MAX_SAFE_INTEGER) {
      this.producerExpiryTimer = setInterval(() => this.removeExpiredProducers(), Math.min(expiry, 2 ** 31 - 1));
      this.producerExpiryTimer.unref();
    }
    if (options.cleaner !== undefined) {
      const backoff = Math.max(1, Math.min(options.cleaner.backoffMs, 2 ** 31 - 1));
      this.cleanerTimer = setInterval(() => void this.runCleaner(), backoff);
      this.cleanerTimer.unref();
    }
  }

  /** producer.id.expiration.ms over every log; returns the number of producers forgotten. */
  removeExpiredProducers(): number {
    const now = this.now();
    let removed = 0;
    for (const l of this.logs.values()) removed += l.removeExpiredProducers(now);
    return removed;
  }

  /**
   * One cleaner run: cleans the filthiest compacted log, again and again,
   * until none is due (Kafka's cleaner thread between backoffs). Resolves to
   * what each pass did; a run already in progress is joined, not doubled.
   */
  runCleaner(): Promise<CleaningStats[]> {
    if (this.cleaner === null || this.closed) return Promise.resolve([]);
    if (this.cleaning !== null) return this.cleaning;
    const cleaner = this.cleaner;
    const run = (async () => {
      const done: CleaningStats[] = [];
      for (;;) {
        if (this.closed) break;
        let stats: CleaningStats | null;
        try {
          stats = await cleaner.cleanFilthiest(this.logs.values(), () => this.closed);
        } catch (e) {
          log.error('log cleaner failed', { error: e as Error });
          break;
        }
        if (stats === null || stats.aborted) break;
        done.push(stats);
      }
      return done;
    })();
    this.cleaning = run;
    void run.finally(() => {
      if (this.cleaning === run) this.cleaning = null;
    });
    return run;
  }

  /** Cleans one compacted log now, due or not (tests and tools). */
  async cleanLog(tp: TopicPartition): Promise<CleaningStats | null> {
    const l = this.getLog(tp);
    if (l === undefined || this.closed) return null;
    while (this.cleaning !== null) await this.cleaning;
    // Kafka's default log.cleaner.dedupe.buffer.size when the cleaner is off.
    const cleaner = this.cleaner ?? new LogCleaner({ dedupeBufferSize: 128 * 1024 * 1024, now: this.now });
    return cleaner.clean(l, () => this.closed);
  }

  /** Runs retention over every log; returns the number of segments deleted. */
  applyRetention(): number {
    const now = this.now();
    let deleted = 0;
    for (const l of this.logs.values()) {
      try {
        deleted += l.applyRetention(now);
      } catch (e) {
        log.error('retention failed', { partition: partitionDirName(l.topicPartition), error: e as Error });
      }
    }
    return deleted;
  }

  partitionDir(tp: TopicPartition): string {
    return path.join(this.dataDir, partitionDirName(tp));
  }

  /**
   * Opens the log of an existing partition (recovering it), or creates it
   * when its directory does not exist. Returns the already open log if any.
   */
  async openLog(tp: TopicPartition, config: LogConfig): Promise<PartitionLog> {
    if (this.closed) throw new Error('log manager is closed');
    const k = key(tp);
    const existing = this.logs.get(k);
    if (existing !== undefined) return existing;
    const pending = this.opening.get(k);
    if (pending !== undefined) return pending;
    const promise = PartitionLog.open(this.partitionDir(tp), tp, config, {
      now: this.now,
      cleanShutdown: this.cleanShutdown,
      producerState: this.producerStateConfig,
    });
    this.opening.set(k, promise);
    try {
      const opened = await promise;
      this.logs.set(k, opened);
      return opened;
    } finally {
      this.opening.delete(k);
    }
  }

  /** Creates the log of a new partition (same as openLog: an existing directory is reused). */
  createLog(tp: TopicPartition, config: LogConfig): Promise<PartitionLog> {
    return this.openLog(tp, config);
  }

  /** Closes and removes the log of one partition (a creation that could not complete). */
  async dropLog(tp: TopicPartition): Promise<void> {
    const k = key(tp);
    const l = this.logs.get(k);
    if (l === undefined) return;
    this.logs.delete(k);
    await l.delete();
  }

  getLog(tp: TopicPartition): PartitionLog | undefined {
    return this.logs.get(key(tp));
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /**
   * Deletes every partition log of `topic`: closes them, renames their
   * directories to `<topic>-<p>.<id>-delete` at once (so the topic can be
   * re-created immediately) and removes those in the background.
   */
  async deleteLogs(topic: string): Promise<void> {
    const toClose: PartitionLog[] = [];
    for (const [k, l] of this.logs) {
      if (l.topicPartition.topic === topic) {
        this.logs.delete(k);
        toClose.push(l);
      }
    }
    await Promise.all(toClose.map((l) => l.closeForDelete()));
    // Also directories of partitions that were never opened in this run.
    const pattern = /^(.*)-(\d+)$/;
    for (const name of fs.readdirSync(this.dataDir)) {
      const m = pattern.exec(name);
      if (m === null || m[1] !== topic) continue;
      const from = path.join(this.dataDir, name);
      if (!fs.statSync(from).isDirectory()) continue;
      const to = path.join(this.dataDir, `${name}.${randomBytes(8).toString('hex')}${DELETE_DIR_SUFFIX}`);
      fs.renameSync(from, to);
      this.removeInBackground(to);
    }
  }

  private removeInBackground(dir: string): void {
    const p = fs.promises
      .rm(dir, { recursive: true, force: true })
      .catch((e: unknown) => log.error('could not remove a deleted log directory', { dir, error: e as Error }))
      .finally(() => this.backgroundDeletes.delete(p));
    this.backgroundDeletes.add(p);
  }

  /** Resolves when background directory removals have finished (tests, shutdown). */
  async awaitBackgroundDeletes(): Promise<void> {
    while (this.backgroundDeletes.size > 0) await Promise.all([...this.backgroundDeletes]);
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.logs.values()].map((l) => l.flush()));
  }

  /** Flushes and closes every log, then writes the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    if (this.producerExpiryTimer !== null) clearInterval(this.producerExpiryTimer);
    if (this.cleanerTimer !== null) clearInterval(this.cleanerTimer);
    // A cleaning pass stops at its next yield point once closed is set.
    if (this.cleaning !== null) await this.cleaning.catch(() => undefined);
    await Promise.allSettled([...this.opening.values()]);
    let clean = true;
    const results = await Promise.allSettled([...this.logs.values()].map((l) => l.close()));
    for (const r of results) {
      if (r.status === 'rejected') {
        clean = false;
        log.error('closing a partition log failed', { error: r.reason as Error });
      }
    }
    this.logs.clear();
    await this.awaitBackgroundDeletes();
    if (clean) {
      const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_FILE);
      const fd = fs.openSync(marker, 'w');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      try {
        const dfd = fs.openSync(this.dataDir, 'r');
        fs.fsyncSync(dfd);
        fs.closeSync(dfd);
      } catch {
        // Directory fsync is best effort.
      }
    }
  }
}
