// The audit log: authentication results and authorization decisions as
// CloudEvents in Confluent's audit-log event shape (type
// io.confluent.kafka.server/authentication or /authorization, data with
// serviceName, methodName, resourceName, authenticationInfo,
// authorizationInfo, requestMetadata, result), written as JSON records to
// the topic confluent-audit-log-events (audit.log.topic).
//
// Events are queued and written every audit.log.flush.interval.ms, many per
// record batch, straight to the local log (the audit log is part of the
// broker, like the coordinators, not a service on top). Nothing is dropped:
// a failed write keeps the events queued and retries, and stop() writes
// what is left. Which events are logged is configurable (audit.log.events).

import { randomUUID } from 'node:crypto';
import type { PartitionStore } from '../broker/partition-store.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { buildRecordBatch } from '../protocol/records/batch-builder.js';
import { createLogger } from '../observability/logger.js';

const log = createLogger('audit');

export const DEFAULT_AUDIT_TOPIC = 'confluent-audit-log-events';
/** Keeps one record batch well under the topic's max.message.bytes. */
const MAX_BATCH_BYTES = 512 * 1024;

/** What can be logged (audit.log.events). */
export const AUDIT_EVENT_KINDS = ['authentication-failure', 'authentication-success', 'authorization-denied', 'authorization-allowed-mutation', 'authorization-allowed'] as const;
export type AuditEventKind = (typeof AUDIT_EVENT_KINDS)[number];
export const DEFAULT_AUDIT_EVENTS: readonly AuditEventKind[] = ['authentication-failure', 'authorization-denied', 'authorization-allowed-mutation'];

/** Operations that change something: their allowed decisions are logged by default. */
const MUTATIONS = new Set(['Create', 'Delete', 'Alter', 'AlterConfigs']);

export interface RequestDetails {
  clientAddress: string;
  clientId?: string;
  correlationId?: number;
}

export interface AuthenticationEvent extends RequestDetails {
  principal: string | null;
  mechanism: string;
  success: boolean;
  message?: string;
}

export interface AuthorizationEvent extends RequestDetails {
  principal: string;
  /** Kafka's API name (methodName kafka.<api>). */
  api: string;
  /** Kafka's operation name: Read, Write, Create, Delete, Alter, Describe, ... */
  operation: string;
  resourceType: 'Topic' | 'Group' | 'Cluster' | 'TransactionalId' | 'DelegationToken' | 'User';
  resourceName: string;
  patternType?: 'LITERAL' | 'PREFIXED';
  granted: boolean;
  /** Granted by super.users rather than an ACL. */
  superUser?: boolean;
}

export interface AuditLogConfig {
  topic: string;
  events: readonly AuditEventKind[];
  flushIntervalMs: number;
  /** Partitions of the audit topic when the logger creates it. */
  partitions: number;
}

export function auditLogConfigFrom(config: { string(name: string): string; list(name: string): string[]; int(name: string): number }): AuditLogConfig {
  return {
    topic: config.string('audit.log.topic'),
    events: config.list('audit.log.events').map((e) => e.trim()).filter((e): e is AuditEventKind => (AUDIT_EVENT_KINDS as readonly string[]).includes(e)),
    flushIntervalMs: config.int('audit.log.flush.interval.ms'),
    partitions: config.int('audit.log.topic.partitions'),
  };
}

export class AuditLogger {
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private topicReady = false;
  private stopped = false;
  private readonly kinds: ReadonlySet<AuditEventKind>;
  private next = 0;
  /** Events written so far (for tests and metrics). */
  written = 0;

  constructor(
    private readonly store: PartitionStore,
    private readonly clusterId: string,
    readonly config: AuditLogConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.kinds = new Set(config.events);
  }

  get pending(): number {
    return this.queue.length;
  }

  authentication(e: AuthenticationEvent): void {
    if (!this.kinds.has(e.success ? 'authentication-success' : 'authentication-failure')) return;
    this.enqueue('io.confluent.kafka.server/authentication', this.crn(), {
      serviceName: this.crn(),
      methodName: 'kafka.Authentication',
      resourceName: this.crn(),
      authenticationInfo: { principal: e.principal ?? '', metadata: { mechanism: e.mechanism } },
      requestMetadata: this.requestMetadata(e),
      result: { status: e.success ? 'SUCCESS' : 'UNAUTHENTICATED', message: e.message ?? '' },
    });
  }

  authorization(e: AuthorizationEvent): void {
    const kind: AuditEventKind = !e.granted ? 'authorization-denied' : MUTATIONS.has(e.operation) ? 'authorization-allowed-mutation' : 'authorization-allowed';
    // Allowed mutations are a subset of allowed operations: logging all allowed ones includes them.
    if (!this.kinds.has(kind) && !(e.granted && this.kinds.has('authorization-allowed'))) return;
    const resource = `${this.crn()}/${e.resourceType.toLowerCase()}=${e.resourceName}`;
    this.enqueue('io.confluent.kafka.server/authorization', resource, {
      serviceName: this.crn(),
      methodName: `kafka.${e.api}`,
      resourceName: resource,
      authenticationInfo: { principal: e.principal },
      authorizationInfo: {
        granted: e.granted,
        operation: e.operation,
        resourceType: e.resourceType,
        resourceName: e.resourceName,
        patternType: e.patternType ?? 'LITERAL',
        ...(e.superUser === true ? { superUserAuthorization: true } : { aclAuthorization: { permissionType: e.granted ? 'ALLOW' : 'DENY', host: '*' } }),
      },
      request: { correlation_id: String(e.correlationId ?? -1), client_id: e.clientId ?? '' },
      requestMetadata: this.requestMetadata(e),
    });
  }

  /** Writes everything queued; resolves when it is in the log (or has been requeued after a failure). */
  flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Writes what is left and stops the timer. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    if (this.queue.length > 0) await this.flush();
    if (this.queue.length > 0) log.error('audit events could not be written before shutdown', { events: this.queue.length });
  }

  private crn(): string {
    return `crn:///kafka=${this.clusterId}`;
  }

  private requestMetadata(e: RequestDetails): Record<string, unknown> {
    return { client_address: e.clientAddress };
  }

  private enqueue(type: string, subject: string, data: Record<string, unknown>): void {
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: this.crn(),
      type,
      datacontenttype: 'application/json',
      subject,
      time: new Date(this.now()).toISOString(),
      route: this.config.topic,
      data,
    };
    this.queue.push(Buffer.from(JSON.stringify(event), 'utf8'));
    if (this.timer === null && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.config.flushIntervalMs);
      this.timer.unref();
    }
  }

  private async ensureTopic(): Promise<boolean> {
    if (this.topicReady) return true;
    if (this.store.getTopic(this.config.topic) === undefined) {
      const created = await this.store.createTopic({
        name: this.config.topic, partitions: this.config.partitions,
        configs: { 'retention.ms': String(90 * 24 * 3600 * 1000) }, validateOnly: false,
      });
      if (created.errorCode !== ErrorCode.NONE && created.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        log.error('cannot create the audit log topic', { topic: this.config.topic, error: ErrorCode[created.errorCode] });
        return false;
      }
    }
    this.topicReady = this.store.getTopic(this.config.topic) !== undefined;
    return this.topicReady;
  }

  private async writeQueued(): Promise<void> {
    if (this.queue.length === 0) return;
    const events = this.queue;
    this.queue = [];
    const requeue = (from: number): void => {
      this.queue = [...events.slice(from), ...this.queue];
      if (!this.stopped && this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.flush();
        }, Math.max(this.config.flushIntervalMs, 1000));
        this.timer.unref();
      }
    };
    if (!(await this.ensureTopic())) {
      requeue(0);
      return;
    }
    const topic = this.store.getTopic(this.config.topic)!;
    let i = 0;
    while (i < events.length) {
      let bytes = 0;
      let j = i;
      while (j < events.length && (j === i || bytes + events[j]!.length < MAX_BATCH_BYTES)) bytes += events[j++]!.length;
      const now = this.now();
      const partition = this.next++ % topic.partitionCount;
      const tp = { topic: topic.name, partition };
      const appended = this.store.append(tp, buildRecordBatch(events.slice(i, j).map((value) => ({ key: null, value })), now), now, 'coordinator');
      if (appended.errorCode !== ErrorCode.NONE) {
        log.warn('audit events not written yet; retrying', { error: ErrorCode[appended.errorCode], events: events.length - i });
        requeue(i);
        return;
      }
      await this.store.waitDurable(tp, appended.lastOffset).catch(() => undefined);
      this.written += j - i;
      i = j;
    }
  }
}
