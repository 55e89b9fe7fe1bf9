// Reads `_schemas` into the registry's state: a replay to the end on start, then
// a tail that applies every record as it arrives (including other registries'
// writes). Writers wait here until their own record has been applied, which is
// Confluent's "wait until the Kafka reader reaches the last offset".

import { createLogger } from '../observability/logger.js';
import { Errors } from './errors.js';
import { decodeRecord, type RegistryRecord } from './records.js';
import type { SchemaLog } from './schema-log.js';

const log = createLogger('registry');

export class SchemaLogReader {
  private applied = 0;
  private readonly waiters: { offset: number; resolve: () => void }[] = [];
  private running = false;
  private tail: Promise<void> | null = null;

  constructor(
    private readonly schemaLog: SchemaLog,
    private readonly apply: (record: RegistryRecord) => void,
    private readonly timeoutMs: number,
  ) {}

  /** The offset up to which records have been applied (0: nothing was ever written). */
  get appliedOffset(): number {
    return this.applied;
  }

  /** Applies everything up to the log's current end. */
  async replay(): Promise<void> {
    const end = await this.schemaLog.endOffset();
    while (this.applied < end) {
      const before = this.applied;
      await this.readOnce(0);
      // Nothing came back (a transient empty fetch): do not spin.
      if (this.applied === before) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Keeps applying new records in the background until stop(). */
  startTailing(): void {
    this.running = true;
    this.tail = (async () => {
      while (this.running) {
        try {
          await this.readOnce(500);
        } catch (err) {
          if (!this.running) return;
          log.warn('reading _schemas failed; retrying', { error: err });
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.tail;
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private async readOnce(maxWaitMs: number): Promise<void> {
    const { records, nextOffset } = await this.schemaLog.read(this.applied, maxWaitMs);
    for (const r of records) {
      if (r.offset < this.applied) continue;
      const record = decodeRecord(r.key, r.value);
      if (record !== null) this.apply(record);
      else log.debug('skipping a _schemas record this registry does not understand', { offset: r.offset });
    }
    this.applied = Math.max(this.applied, nextOffset);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.offset <= this.applied) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Resolves once everything before `offset` has been applied (50002 after the timeout). */
  waitForOffset(offset: number): Promise<void> {
    if (this.applied >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(Errors.operationTimeout(`Write to the Kafka store timed out while waiting for offset ${offset} to be read back`));
      }, this.timeoutMs);
      const waiter = { offset, resolve: () => { clearTimeout(timer); resolve(); } };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the log's current end has been applied. */
  async catchUp(): Promise<void> {
    await this.waitForOffset(await this.schemaLog.endOffset());
  }
}
