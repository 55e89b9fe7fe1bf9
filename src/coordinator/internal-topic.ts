// An internal topic a coordinator keeps its state in (__transaction_state;
// the same steps as __consumer_offsets): created on first use with the
// coordinator's own settings, replayed batch by batch on start, and written
// one batch at a time, acknowledged once durable under the flush policy.

import type { PartitionStore, TopicInfo } from '../broker/partition-store.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, readBatchHeader, type BatchHeader } from '../protocol/records/batch.js';
import { createLogger } from '../observability/logger.js';

const log = createLogger('coordinator');

export interface InternalTopicSettings {
  name: string;
  partitions: number;
  configs: Record<string, string>;
  /** How long a write may take to become durable before it counts as failed. */
  writeTimeoutMs: number;
  /** Bytes read at a time when replaying. */
  loadBufferSize: number;
}

export class InternalTopic {
  private creating: Promise<boolean> | null = null;
  private ready = false;

  constructor(
    private readonly store: PartitionStore,
    readonly settings: InternalTopicSettings,
  ) {}

  existing(): TopicInfo | undefined {
    return this.store.getTopic(this.settings.name);
  }

  /** Creates the topic if it does not exist; false when it cannot be. */
  ensure(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    this.creating ??= (async () => {
      const { name, partitions, configs } = this.settings;
      if (this.existing() === undefined) {
        const created = await this.store.createTopic({ name, partitions, configs, validateOnly: false });
        if (created.errorCode !== ErrorCode.NONE && created.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          log.error('could not create an internal topic', { topic: name, error: ErrorCode[created.errorCode], message: created.errorMessage });
          this.creating = null;
          return false;
        }
        if (created.errorCode === ErrorCode.NONE) log.info('created internal topic', { topic: name, partitions });
      }
      this.ready = this.existing() !== undefined;
      if (!this.ready) this.creating = null;
      return this.ready;
    })();
    return this.creating;
  }

  /** Feeds every batch of every partition to `visit`, yielding to requests between partitions. */
  async replay(visit: (partition: number, batch: Buffer, header: BatchHeader) => void): Promise<void> {
    const topic = this.existing();
    if (topic === undefined) return;
    this.ready = true;
    for (let p = 0; p < topic.partitionCount; p++) {
      const tp = { topic: topic.name, partition: p };
      const offsets = this.store.offsets(tp);
      if (offsets.errorCode !== ErrorCode.NONE) throw new Error(`cannot read ${topic.name}-${p}: ${ErrorCode[offsets.errorCode]}`);
      let offset = offsets.logStartOffset;
      while (offset < offsets.highWatermark) {
        const read = this.store.read(tp, offset, this.settings.loadBufferSize, true);
        if (read.errorCode !== ErrorCode.NONE) throw new Error(`cannot read ${topic.name}-${p} at ${offset}: ${ErrorCode[read.errorCode]}`);
        let pos = 0;
        let next = -1;
        while (read.records.length - pos >= RECORD_BATCH_OVERHEAD) {
          const header = readBatchHeader(read.records, pos);
          const size = header.batchLength + LOG_OVERHEAD;
          if (size < RECORD_BATCH_OVERHEAD || pos + size > read.records.length) break;
          visit(p, read.records.subarray(pos, pos + size), header);
          next = header.baseOffset + header.lastOffsetDelta + 1;
          pos += size;
        }
        if (next <= offset) break;
        offset = next;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Appends one batch to a partition and waits until it is durable; null on success, else the error. */
  async write(partition: number, batch: Buffer, now: number): Promise<ErrorCode | null> {
    if (!(await this.ensure())) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const tp = { topic: this.settings.name, partition };
    const appended = this.store.append(tp, batch, now, 'coordinator');
    if (appended.errorCode !== ErrorCode.NONE) {
      log.warn('could not write to an internal topic', { topic: tp.topic, partition, error: ErrorCode[appended.errorCode], message: appended.errorMessage });
      return appended.errorCode;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ErrorCode>((resolve) => {
      timer = setTimeout(() => resolve(ErrorCode.REQUEST_TIMED_OUT), this.settings.writeTimeoutMs);
    });
    try {
      return await Promise.race([this.store.waitDurable(tp, appended.lastOffset).then(() => null), timeout]);
    } catch (err) {
      log.error('flushing an internal topic failed', { topic: tp.topic, partition, error: err });
      return ErrorCode.KAFKA_STORAGE_ERROR;
    } finally {
      clearTimeout(timer);
    }
  }
}
