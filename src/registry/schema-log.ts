// The registry's one storage port: the `_schemas` topic seen as an append-only
// log of key/value records. The registry never touches storage directly
// (ARCHITECTURE.md principle 6); the Kafka-backed implementation uses the
// platform's client, the in-memory one serves unit tests.

export interface LogRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface SchemaLog {
  /** Creates the topic if missing (compacted, one partition), as Confluent's KafkaStore does on start. */
  ensureTopic(): Promise<void>;
  /** Appends one record (acks=all) and resolves with its offset. */
  append(key: Buffer, value: Buffer | null): Promise<number>;
  /** Records from `offset` up to the current end, waiting at most `maxWaitMs` when there is nothing new. */
  read(offset: number, maxWaitMs: number): Promise<{ records: LogRecord[]; nextOffset: number }>;
  /** The offset the next appended record will get (the high watermark). */
  endOffset(): Promise<number>;
  close(): Promise<void>;
}

/** A SchemaLog in memory, with the same offsets and ordering a one-partition topic has. */
export class InMemorySchemaLog implements SchemaLog {
  private readonly records: LogRecord[] = [];
  private waiters: (() => void)[] = [];

  async ensureTopic(): Promise<void> {}

  async append(key: Buffer, value: Buffer | null): Promise<number> {
    const offset = this.records.length;
    this.records.push({ offset, key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return offset;
  }

  async read(offset: number, maxWaitMs: number): Promise<{ records: LogRecord[]; nextOffset: number }> {
    if (offset >= this.records.length && maxWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, maxWaitMs);
        const wake = () => { clearTimeout(timer); resolve(); };
        this.waiters.push(wake);
      });
    }
    const records = this.records.slice(offset);
    return { records, nextOffset: Math.max(offset, this.records.length) };
  }

  async endOffset(): Promise<number> {
    return this.records.length;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    this.waiters = [];
  }

  /** Every record appended so far (tests inspect the `_schemas` format). */
  all(): readonly LogRecord[] {
    return this.records;
  }
}
