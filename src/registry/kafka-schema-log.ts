// `_schemas` on Kafka, through the platform's client (in-process when
// embedded, over TCP otherwise; the same code runs against Apache Kafka or MSK).
// The topic is created as Confluent's KafkaStore creates it: one partition,
// cleanup.policy=compact, so the latest record per key survives forever.

import type { LogRecord, SchemaLog } from './schema-log.js';

/** The part of the platform client (src/client) this log needs. */
export interface SchemaLogClient {
  createTopic(name: string, opts?: { partitions?: number; configs?: Record<string, string>; ifNotExists?: boolean }): Promise<void>;
  describeTopic(name: string): Promise<{ name: string; partitions: number; configs?: Record<string, string> } | null>;
  listOffsets(topic: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number>;
  producer(opts?: { idempotent?: boolean; acks?: -1 | 0 | 1 }): {
    send(topic: string, records: { key: Buffer | null; value: Buffer | null; partition?: number }[]): Promise<{ partition: number; offset: number }[]>;
    close(): Promise<void>;
  };
  fetch(topic: string, partition: number, offset: number, opts?: { maxWaitMs?: number; maxBytes?: number }):
    Promise<{ records: { offset: number; key: Buffer | null; value: Buffer | null }[]; nextOffset: number; highWatermark: number; logStartOffset: number }>;
}

export interface KafkaSchemaLogOptions {
  topic?: string;
  /**
   * Create the topic on the first write rather than on start, so that a platform whose
   * registry is never used shows no `_schemas` topic (Confluent's creates it on start).
   */
  createOnFirstWrite?: boolean;
  /** kafkastore.topic.replication.factor: 1 on a single broker. */
  replicationFactor?: number;
}

export class KafkaSchemaLog implements SchemaLog {
  readonly topic: string;
  private producer: ReturnType<SchemaLogClient['producer']> | null = null;
  private closed = false;
  private exists = false;
  private readonly lazy: boolean;

  constructor(private readonly client: SchemaLogClient, opts: KafkaSchemaLogOptions = {}) {
    this.topic = opts.topic ?? '_schemas';
    this.lazy = opts.createOnFirstWrite ?? false;
  }

  /** Whether the topic exists now (checking its partition count when it does). */
  private async check(): Promise<boolean> {
    if (this.exists) return true;
    const existing = await this.client.describeTopic(this.topic);
    if (existing === null) return false;
    // Confluent refuses to start on a multi-partition _schemas: ids would not be totally ordered.
    if (existing.partitions !== 1) throw new Error(`The schema topic ${this.topic} should have exactly 1 partition but has ${existing.partitions}`);
    this.exists = true;
    return true;
  }

  private async create(): Promise<void> {
    await this.client.createTopic(this.topic, { partitions: 1, configs: { 'cleanup.policy': 'compact' }, ifNotExists: true });
    this.exists = true;
  }

  async ensureTopic(): Promise<void> {
    if (!(await this.check()) && !this.lazy) await this.create();
  }

  async append(key: Buffer, value: Buffer | null): Promise<number> {
    if (!(await this.check())) await this.create();
    this.producer ??= this.client.producer({ idempotent: true, acks: -1 });
    const [result] = await this.producer.send(this.topic, [{ key, value, partition: 0 }]);
    if (result === undefined) throw new Error(`no offset returned for the append to ${this.topic}`);
    return result.offset;
  }

  async read(offset: number, maxWaitMs: number): Promise<{ records: LogRecord[]; nextOffset: number }> {
    if (this.closed) return { records: [], nextOffset: offset };
    if (!(await this.check())) {
      // Not created yet (by this registry or another one): nothing to read.
      if (maxWaitMs > 0) await new Promise((resolve) => setTimeout(resolve, maxWaitMs));
      return { records: [], nextOffset: offset };
    }
    const r = await this.client.fetch(this.topic, 0, offset, { maxWaitMs, maxBytes: 8 * 1024 * 1024 });
    // After compaction the log may start past `offset`, and records may have gaps: both are fine for replay.
    return { records: r.records.map((x) => ({ offset: x.offset, key: x.key, value: x.value })), nextOffset: Math.max(offset, r.nextOffset) };
  }

  async endOffset(): Promise<number> {
    if (!(await this.check())) return 0;
    return this.client.listOffsets(this.topic, 0, 'latest');
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.producer?.close();
    this.producer = null;
  }
}
