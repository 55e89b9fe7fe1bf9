// The group coordinator service: what the broker's group handlers call. It
// owns the groups and committed offsets, keeps them in __consumer_offsets
// (created on first use: internal, compacted, offsets.topic.num.partitions
// partitions, a group's records in partition abs(hash(groupId)) % n), replays
// that topic on startup before answering (COORDINATOR_LOAD_IN_PROGRESS until
// then), writes every state change before acknowledging it, and expires
// offsets of empty groups after offsets.retention.minutes.
//
// Operations run synchronously on the in-memory state, as one event each, so
// they never interleave; only the wait for the write to become durable is
// asynchronous. One instance serves every partition of __consumer_offsets
// (this broker leads them all).

import type { PartitionStore } from '../broker/partition-store.js';
import { ErrorCode } from '../protocol/generated/index.js';
import { buildRecordBatch, type BatchProducer } from '../protocol/records/batch-builder.js';
import {
  COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CompressionCodec, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, TRANSACTIONAL_FLAG_MASK, decodeRecords, readBatchHeader,
} from '../protocol/records/batch.js';
import { readMarker } from '../protocol/records/control-records.js';
import { createLogger } from '../observability/logger.js';
import {
  ClassicGroupManager, type ClassicGroupConfig, type DescribedGroup, type JoinRequest, type LeaveMember, type LeaveMemberResult,
  type ListedGroup, type SyncRequest,
} from './classic-group-manager.js';
import { Deferred, joinResult, syncResult, type JoinGroupResult, type SyncGroupResult } from './classic-group.js';
import { EMPTY_RESULT, appendErrorToResponseError, result, type CoordinatorResult, type RequestInfo } from './coordinator-result.js';
import { ConsumerGroup } from './consumer-group.js';
import { CoordinatorError, type Group } from './group.js';
import {
  ConsumerGroupManager, DEFAULT_CONSUMER_GROUP_CONFIG, type ConsumerGroupConfig, type ConsumerGroupMigrationPolicy, type DescribedConsumerGroup, type HeartbeatRequest as ConsumerHeartbeatRequest,
  type HeartbeatResult as ConsumerHeartbeatResult,
} from './consumer-group-manager.js';
import { groupPartition } from './java-compat.js';
import { OffsetManager, type CommitRequest, type FetchedGroup, type OffsetConfig, type TopicPartitionErrors } from './offset-manager.js';
import { GROUP_METADATA_TOPIC, decodeRecord, encodeKey, encodeValue, type CoordinatorRecord } from './records.js';
import { SYSTEM_TIME, SystemTimer, type Time, type Timer } from './timer.js';

const log = createLogger('group-coordinator');

export interface GroupCoordinatorConfig extends ClassicGroupConfig, OffsetConfig, Partial<ConsumerGroupConfig> {
  /** offsets.topic.num.partitions (used when the topic does not exist yet). */
  offsetsTopicPartitions: number;
  /** offsets.topic.segment.bytes */
  offsetsTopicSegmentBytes: number;
  /** offsets.retention.check.interval.ms */
  retentionCheckIntervalMs: number;
  /** offsets.commit.timeout.ms: how long a write may take to become durable. */
  commitTimeoutMs: number;
  /** offsets.load.buffer.size: bytes read at a time when loading. */
  loadBufferSize: number;
}

/** Kafka's defaults (group.*, offsets.*, offset.metadata.max.bytes). */
export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3000,
  newMemberJoinTimeoutMs: 5 * 60 * 1000,
  maxSize: 2147483647,
  metadataMaxSize: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsTopicPartitions: 50,
  offsetsTopicSegmentBytes: 104857600,
  retentionCheckIntervalMs: 600_000,
  commitTimeoutMs: 5000,
  loadBufferSize: 5 * 1024 * 1024,
  ...DEFAULT_CONSUMER_GROUP_CONFIG,
};

export type CoordinatorKeyType = 'group' | 'transaction' | 'share' | 'unknown';

type State = 'inactive' | 'loading' | 'active';

const CLEANUP_KEY = 'cleanup-group-metadata';
const LIST_GROUP_TYPES = new Set(['classic', 'consumer', 'share', 'streams']);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly classic: ClassicGroupManager;
  private readonly offsets: OffsetManager;
  private readonly consumer: ConsumerGroupManager;
  private state: State = 'inactive';
  private numPartitions: number;
  private topicReady = false;
  private creatingTopic: Promise<boolean> | null = null;
  private loading: Promise<void> | null = null;
  /** Records of types this coordinator does not handle yet, seen while loading. */
  private unknownRecords = 0;

  constructor(
    private readonly store: PartitionStore,
    readonly config: GroupCoordinatorConfig = DEFAULT_GROUP_COORDINATOR_CONFIG,
    private readonly time: Time = SYSTEM_TIME,
    private readonly timer: Timer = new SystemTimer(),
  ) {
    this.numPartitions = config.offsetsTopicPartitions;
    const scheduleOp = (key: string, delayMs: number, op: () => CoordinatorResult<void>): void => {
      this.timer.schedule(key, delayMs, () => {
        if (this.state !== 'active') return;
        void this.execute(op).catch((err: unknown) => {
          if (!(err instanceof CoordinatorError)) log.error('scheduled group operation failed', { key, error: err });
        });
      });
    };
    this.classic = new ClassicGroupManager(this.groups, config, time, timer, scheduleOp);
    this.offsets = new OffsetManager(this.groups, this.classic, config, time);
    this.consumer = new ConsumerGroupManager(this.groups, this.classic, { ...DEFAULT_CONSUMER_GROUP_CONFIG, ...definedOnly(config) }, timer, scheduleOp, store);
  }

  // -------------------------------------------------------------------------
  // Lifecycle

  /** Loads __consumer_offsets if it exists; group requests answer COORDINATOR_LOAD_IN_PROGRESS until done. */
  start(): Promise<void> {
    const topic = this.store.getTopic(GROUP_METADATA_TOPIC);
    if (topic === undefined) {
      this.state = 'active';
      this.scheduleCleanup();
      return Promise.resolve();
    }
    // An existing topic keeps its partition count whatever the configuration says now.
    this.numPartitions = topic.partitionCount;
    this.topicReady = true;
    this.state = 'loading';
    this.loading = this.load(topic.partitionCount).then(
      () => {
        if (this.state !== 'loading') return;
        this.state = 'active';
        for (const r of this.classic.onLoaded()) void this.write(r).catch(() => {});
        this.consumer.onLoaded();
        this.scheduleCleanup();
      },
      (err: unknown) => {
        log.error('loading __consumer_offsets failed; group requests will be refused', { error: err });
        this.state = 'inactive';
      },
    );
    return this.loading;
  }

  /** Stops answering; parked JoinGroup/SyncGroup requests learn that this broker is no longer their coordinator. */
  stop(): void {
    this.state = 'inactive';
    this.timer.cancelAll();
    for (const groupId of [...this.groups.keys()]) this.classic.removeGroup(groupId, ErrorCode.NOT_COORDINATOR);
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** The __consumer_offsets partition that holds a group. */
  partitionFor(groupId: string): number {
    return groupPartition(groupId, this.numPartitions);
  }

  private scheduleCleanup(): void {
    this.timer.schedule(CLEANUP_KEY, this.config.retentionCheckIntervalMs, () => {
      if (this.state !== 'active') return;
      this.cleanupGroupMetadata();
      this.scheduleCleanup();
    });
  }

  // -------------------------------------------------------------------------
  // __consumer_offsets

  /** Creates __consumer_offsets on first use (compacted, as Kafka configures it). */
  ensureTopic(): Promise<boolean> {
    if (this.topicReady) return Promise.resolve(true);
    this.creatingTopic ??= (async () => {
      const existing = this.store.getTopic(GROUP_METADATA_TOPIC);
      if (existing === undefined) {
        const created = await this.store.createTopic({
          name: GROUP_METADATA_TOPIC,
          partitions: this.config.offsetsTopicPartitions,
          configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(this.config.offsetsTopicSegmentBytes) },
          validateOnly: false,
        });
        if (created.errorCode !== ErrorCode.NONE && created.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          log.error('could not create __consumer_offsets', { error: ErrorCode[created.errorCode], message: created.errorMessage });
          this.creatingTopic = null;
          return false;
        }
        if (created.errorCode === ErrorCode.NONE) log.info('created __consumer_offsets', { partitions: created.topic.partitionCount });
      }
      const topic = this.store.getTopic(GROUP_METADATA_TOPIC);
      if (topic === undefined) {
        this.creatingTopic = null;
        return false;
      }
      this.numPartitions = topic.partitionCount;
      this.topicReady = true;
      return true;
    })();
    return this.creatingTopic;
  }

  private async load(partitions: number): Promise<void> {
    const started = this.time.now();
    let records = 0;
    for (let p = 0; p < partitions; p++) {
      const tp = { topic: GROUP_METADATA_TOPIC, partition: p };
      const offsets = this.store.offsets(tp);
      if (offsets.errorCode !== ErrorCode.NONE) throw new Error(`cannot read ${GROUP_METADATA_TOPIC}-${p}: ${ErrorCode[offsets.errorCode]}`);
      let offset = offsets.logStartOffset;
      while (offset < offsets.highWatermark) {
        const read = this.store.read(tp, offset, this.config.loadBufferSize, true);
        if (read.errorCode !== ErrorCode.NONE) throw new Error(`cannot read ${GROUP_METADATA_TOPIC}-${p} at ${offset}: ${ErrorCode[read.errorCode]}`);
        const next = this.replayBatches(read.records, p, (n) => { records += n; });
        if (next <= offset) break;
        offset = next;
      }
      // Let requests in between partitions; they are answered COORDINATOR_LOAD_IN_PROGRESS meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    log.info('loaded __consumer_offsets', {
      partitions, records, groups: this.groups.size, ms: this.time.now() - started,
      ...(this.unknownRecords > 0 ? { skippedRecordsOfOtherGroupTypes: this.unknownRecords } : {}),
    });
  }

  /** Replays the batches of a read; returns the offset after the last whole batch. */
  private replayBatches(buf: Buffer, partition: number, count: (n: number) => void): number {
    let pos = 0;
    let next = -1;
    while (buf.length - pos >= RECORD_BATCH_OVERHEAD) {
      const header = readBatchHeader(buf, pos);
      const size = header.batchLength + LOG_OVERHEAD;
      if (size < RECORD_BATCH_OVERHEAD || pos + size > buf.length) break;
      next = header.baseOffset + header.lastOffsetDelta + 1;
      const isControl = (header.attributes & CONTROL_FLAG_MASK) !== 0;
      if (isControl) {
        this.replayMarker(buf.subarray(pos, pos + size), partition, header.producerId);
      } else {
        const producerId = (header.attributes & TRANSACTIONAL_FLAG_MASK) !== 0 ? header.producerId : -1;
        if ((header.attributes & COMPRESSION_CODEC_MASK) !== CompressionCodec.None) {
          log.error('skipping a compressed batch in __consumer_offsets (this coordinator writes uncompressed batches only)', { partition, offset: header.baseOffset });
        } else {
          let n = 0;
          for (const rec of decodeRecords(buf.subarray(pos, pos + size))) {
            try {
              this.replay(decodeRecord(rec.key, rec.value), producerId);
              n++;
            } catch (err) {
              log.error('skipping a malformed record in __consumer_offsets', { partition, offset: rec.offset, error: err });
            }
          }
          count(n);
        }
      }
      pos += size;
    }
    return next;
  }

  /** A transaction marker in __consumer_offsets, met while loading. */
  private replayMarker(batch: Buffer, partition: number, producerId: number): void {
    try {
      const marker = readMarker(batch);
      if (marker !== null) this.offsets.completeTransaction(producerId, marker.type === 'COMMIT', (g) => this.partitionFor(g) === partition);
    } catch (err) {
      log.error('skipping a malformed control batch in __consumer_offsets', { partition, error: err });
    }
  }

  /** Applies a record; `producerId` >= 0 when it was written in that producer's transaction. */
  private replay(record: CoordinatorRecord, producerId = -1): void {
    switch (record.type) {
      case 'offset-commit':
        if (producerId >= 0) this.offsets.replayTransactional(producerId, record.key.group, record.key.topic, record.key.partition, record.value);
        else this.offsets.replay(record.key.group, record.key.topic, record.key.partition, record.value);
        break;
      case 'group-metadata':
        this.classic.replayGroupMetadata(record.key.group, record.value);
        break;
      case 'unknown':
        // Share and streams group records: not handled by this coordinator.
        this.unknownRecords++;
        break;
      default:
        this.consumer.replay(record);
        break;
    }
  }

  /**
   * Writes the records of a result (one batch per partition), applies them
   * when the result asks for it, waits until they are durable, then tells the
   * result. Resolves with null, or the error code for the response.
   */
  private async write(res: CoordinatorResult<unknown>, producer: BatchProducer | null = null): Promise<ErrorCode | null> {
    if (res.records.length === 0) {
      res.onAppended?.(null);
      return null;
    }
    const fail = (code: ErrorCode): ErrorCode => {
      const mapped = appendErrorToResponseError(code);
      res.onAppended?.(mapped);
      return mapped;
    };
    if (!this.topicReady && !(await this.ensureTopic())) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);

    const byPartition = new Map<number, CoordinatorRecord[]>();
    for (const r of res.records) {
      if (r.type === 'unknown') continue;
      const p = this.partitionFor(r.key.group);
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(r);
    }
    const now = this.time.now();
    const waits: Promise<void>[] = [];
    for (const [partition, records] of byPartition) {
      let batch: Buffer;
      try {
        batch = buildRecordBatch(records.map((r) => ({ key: encodeKey(r), value: encodeValue(r) })), now, producer);
      } catch (err) {
        log.error('cannot encode group coordinator records', { error: err });
        return fail(ErrorCode.UNKNOWN_SERVER_ERROR);
      }
      const tp = { topic: GROUP_METADATA_TOPIC, partition };
      const appended = this.store.append(tp, batch, now, 'coordinator');
      if (appended.errorCode !== ErrorCode.NONE) {
        log.warn('could not write to __consumer_offsets', { partition, error: ErrorCode[appended.errorCode], message: appended.errorMessage });
        return fail(appended.errorCode);
      }
      if (res.replay) for (const r of records) this.replay(r, producer?.producerId ?? -1);
      waits.push(this.store.waitDurable(tp, appended.lastOffset));
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ErrorCode>((resolve) => {
      timer = setTimeout(() => resolve(ErrorCode.REQUEST_TIMED_OUT), this.config.commitTimeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.all(waits).then(() => ErrorCode.NONE), timeout]);
      if (outcome !== ErrorCode.NONE) return fail(outcome);
    } catch (err) {
      log.error('flushing __consumer_offsets failed', { error: err });
      return fail(ErrorCode.KAFKA_STORAGE_ERROR);
    } finally {
      clearTimeout(timer);
    }
    res.onAppended?.(null);
    return null;
  }

  /** Runs an operation and writes its records (in `producer`'s transaction, if given); throws CoordinatorError when the write fails. */
  private async execute<T>(op: () => CoordinatorResult<T>, producer: BatchProducer | null = null): Promise<T> {
    const res = op();
    const error = await this.write(res, producer);
    if (error !== null) throw new CoordinatorError(error);
    return res.response;
  }

  /** COORDINATOR_NOT_AVAILABLE or COORDINATOR_LOAD_IN_PROGRESS when requests cannot be served now. */
  private unavailable(): ErrorCode | null {
    if (this.state === 'active') return null;
    return this.state === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  // -------------------------------------------------------------------------
  // FindCoordinator

  /** Whether this broker coordinates the key (it does for every group, once __consumer_offsets exists). */
  async findCoordinator(keyType: CoordinatorKeyType): Promise<ErrorCode> {
    switch (keyType) {
      case 'group':
        if (this.state === 'inactive') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        return (await this.ensureTopic()) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      case 'transaction':
        // No transaction coordinator yet: clients retry, as they do while Kafka creates __transaction_state.
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      default:
        return ErrorCode.INVALID_REQUEST;
    }
  }

  // -------------------------------------------------------------------------
  // Classic group protocol

  async joinGroup(info: RequestInfo, req: JoinRequest): Promise<JoinGroupResult> {
    if (this.state === 'inactive') return joinResult({ memberId: req.memberId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    if (req.groupId === '') return joinResult({ memberId: req.memberId, errorCode: ErrorCode.INVALID_GROUP_ID });
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return joinResult({ memberId: req.memberId, errorCode: ErrorCode.INVALID_SESSION_TIMEOUT });
    }
    if (this.state === 'loading') return joinResult({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    if (!(await this.ensureTopic())) return joinResult({ memberId: req.memberId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    const future = new Deferred<JoinGroupResult>();
    try {
      await this.execute(() => {
        const existing = this.groups.get(req.groupId);
        // A consumer group with members takes the classic member in (KIP-848 mixed group); an empty one gives way.
        if (existing instanceof ConsumerGroup && !existing.isEmpty()) return this.consumer.classicJoin(info, req, existing, future);
        const tombstones = this.consumer.deleteIfEmpty(req.groupId);
        const res = this.classic.join(info, req, future);
        return tombstones.length === 0 ? res : { ...res, records: [...tombstones, ...res.records] };
      });
    } catch (err) {
      future.complete(joinResult({ errorCode: this.errorOf(err, 'JoinGroup') }));
    }
    return future.promise;
  }

  async syncGroup(req: SyncRequest): Promise<SyncGroupResult> {
    if (this.state === 'inactive') return syncResult({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    if (req.groupId === '') return syncResult({ errorCode: ErrorCode.INVALID_GROUP_ID });
    if (this.state === 'loading') return syncResult({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    const future = new Deferred<SyncGroupResult>();
    try {
      await this.execute(() => {
        const group = this.groups.get(req.groupId);
        if (!(group instanceof ConsumerGroup)) return this.classic.sync(req, future);
        future.complete(this.consumer.classicSync(req, group));
        return EMPTY_RESULT;
      });
    } catch (err) {
      future.complete(syncResult({ errorCode: this.errorOf(err, 'SyncGroup') }));
    }
    return future.promise;
  }

  async heartbeat(req: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }): Promise<ErrorCode> {
    if (this.state === 'inactive') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    // A heartbeat while loading is answered as fine: the member keeps going until the group is back.
    if (this.state === 'loading') return ErrorCode.NONE;
    try {
      return await this.execute(() => {
        const group = this.groups.get(req.groupId);
        return group instanceof ConsumerGroup ? result(this.consumer.classicHeartbeat(req, group)) : this.classic.heartbeat(req);
      });
    } catch (err) {
      return this.errorOf(err, 'Heartbeat');
    }
  }

  async leaveGroup(groupId: string, members: LeaveMember[]): Promise<{ errorCode: ErrorCode; members: LeaveMemberResult[] }> {
    if (this.state === 'inactive') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    if (this.state === 'loading') return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, members: [] };
    try {
      return await this.execute(() => {
        const group = this.groups.get(groupId);
        return group instanceof ConsumerGroup ? this.consumer.classicLeave(members, group) : this.classic.leave(groupId, members);
      });
    } catch (err) {
      const code = this.errorOf(err, 'LeaveGroup');
      // No such group: every member is unknown.
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) {
        return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: code })) };
      }
      return { errorCode: code, members: [] };
    }
  }

  // -------------------------------------------------------------------------
  // Consumer group protocol (KIP-848)

  async consumerGroupHeartbeat(info: RequestInfo, req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const failed = (errorCode: ErrorCode, errorMessage: string | null = null): ConsumerHeartbeatResult =>
      ({ errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null });
    const down = this.unavailable();
    if (down !== null) return failed(down);
    if (!(await this.ensureTopic())) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    try {
      return await this.execute(() => this.consumer.heartbeat(info, req));
    } catch (err) {
      return failed(this.errorOf(err, 'ConsumerGroupHeartbeat'), err instanceof CoordinatorError ? err.message : null);
    }
  }

  consumerGroupDescribe(groupIds: readonly string[]): DescribedConsumerGroup[] {
    const down = this.unavailable();
    return groupIds.map((groupId) => (down !== null
      ? { errorCode: down, errorMessage: null, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] }
      : this.consumer.describe(groupId)));
  }

  // -------------------------------------------------------------------------
  // Offsets

  /**
   * OffsetCommit, or TxnOffsetCommit when `producer` is given: then the
   * offsets are written in the producer's transaction (a transactional batch
   * with its id and epoch) and stay pending, invisible to OffsetFetch, until
   * the transaction's marker settles them. Every partition's error; the whole
   * request shares one when the group refuses it.
   */
  async commitOffsets(req: CommitRequest, apiVersion: number, producer: { producerId: number; producerEpoch: number } | null = null): Promise<TopicPartitionErrors[]> {
    const allWith = (code: ErrorCode): TopicPartitionErrors[] =>
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) }));
    const down = this.unavailable();
    if (down !== null) return allWith(down);
    try {
      if (!(await this.ensureTopic())) return allWith(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      return await this.execute(() => this.offsets.commit(req, apiVersion, producer !== null), producer === null ? null : { ...producer, transactional: true });
    } catch (err) {
      return allWith(this.errorOf(err, producer === null ? 'OffsetCommit' : 'TxnOffsetCommit'));
    }
  }

  /** A transaction marker was written to `topic`-`partition`: settles the producer's pending offsets there. */
  onTransactionMarker(topic: string, partition: number, producerId: number, commit: boolean): void {
    if (topic !== GROUP_METADATA_TOPIC) return;
    this.offsets.completeTransaction(producerId, commit, (g) => this.partitionFor(g) === partition);
  }

  /** Committed offsets of the listed partitions, or of all of them when topics is null. */
  fetchOffsets(groupId: string, memberId: string | null, memberEpoch: number, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable = false): FetchedGroup {
    const down = this.unavailable();
    if (down !== null) return { groupId, errorCode: down, topics: [] };
    try {
      return topics === null ? this.offsets.fetchAll(groupId, memberId, memberEpoch) : this.offsets.fetch(groupId, memberId, memberEpoch, topics, requireStable);
    } catch (err) {
      return { groupId, errorCode: this.errorOf(err, 'OffsetFetch'), topics: [] };
    }
  }

  async deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<{ errorCode: ErrorCode; topics: TopicPartitionErrors[] }> {
    if (this.state === 'inactive') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    if (this.state === 'loading') return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, topics: [] };
    try {
      return { errorCode: ErrorCode.NONE, topics: await this.execute(() => this.offsets.deleteOffsets(groupId, topics)) };
    } catch (err) {
      return { errorCode: this.errorOf(err, 'OffsetDelete'), topics: [] };
    }
  }

  /** Drops the committed offsets of deleted topics at once (Kafka's onPartitionsDeleted). */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    if (this.state !== 'active' || topics.length === 0) return;
    const gone = new Set(topics);
    const records: CoordinatorRecord[] = [];
    this.offsets.deleteOffsetsOfTopics((t) => gone.has(t), records);
    if (records.length > 0) await this.write({ records, response: undefined, replay: true });
  }

  // -------------------------------------------------------------------------
  // Admin: ListGroups, DescribeGroups, DeleteGroups

  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: ErrorCode; groups: ListedGroup[] } {
    const down = this.unavailable();
    if (down !== null) return { errorCode: down, groups: [] };
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    // An unknown type name matches no group (Kafka parses it as UNKNOWN).
    const types = new Set(typesFilter.map((t) => (LIST_GROUP_TYPES.has(t.toLowerCase()) ? t.toLowerCase() : 'unknown')));
    const groups: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (states.size > 0 && !g.isInStates(states)) continue;
      if (types.size > 0 && !types.has(g.type)) continue;
      groups.push({ groupId: g.groupId, protocolType: g.listedProtocolType(), groupState: g.stateAsString(), groupType: g.type });
    }
    return { errorCode: ErrorCode.NONE, groups };
  }

  describeGroups(groupIds: readonly string[]): DescribedGroup[] {
    const down = this.unavailable();
    return groupIds.map((groupId) => (down !== null
      ? { errorCode: down, groupId, groupState: '', protocolType: '', protocolData: '', members: [] }
      : this.classic.describe(groupId)));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: ErrorCode }[]> {
    const down = this.unavailable();
    if (down !== null) return groupIds.map((groupId) => ({ groupId, errorCode: down }));
    const out: { groupId: string; errorCode: ErrorCode }[] = [];
    for (const groupId of groupIds) {
      if (out.some((r) => r.groupId === groupId)) continue;
      try {
        await this.execute(() => {
          const group = this.groups.get(groupId);
          if (group === undefined) throw new CoordinatorError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
          group.validateDeleteGroup();
          const records: CoordinatorRecord[] = [];
          this.offsets.deleteAllOffsets(groupId, records);
          group.createGroupTombstoneRecords(records);
          return { records, response: undefined, replay: true };
        });
        log.info('deleted group', { group: groupId });
        out.push({ groupId, errorCode: ErrorCode.NONE });
      } catch (err) {
        out.push({ groupId, errorCode: this.errorOf(err, 'DeleteGroups') });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // Expiry

  /** One pass of offsets.retention.minutes expiry: tombstones for expired offsets, then for empty groups left with none. */
  cleanupGroupMetadata(): void {
    const started = this.time.now();
    let tombstones = 0;
    for (const groupId of [...this.groups.keys()]) {
      const records: CoordinatorRecord[] = [];
      const allExpired = this.offsets.cleanupExpiredOffsets(groupId, records);
      const group = this.groups.get(groupId);
      if (allExpired && group !== undefined && group.isEmpty()) group.createGroupTombstoneRecords(records);
      if (records.length === 0) continue;
      tombstones += records.length;
      void this.write({ records, response: undefined, replay: true });
    }
    // Offsets of topics deleted meanwhile go too.
    const orphaned: CoordinatorRecord[] = [];
    this.offsets.deleteOffsetsOfTopics((t) => this.store.getTopic(t) === undefined, orphaned);
    if (orphaned.length > 0) {
      tombstones += orphaned.length;
      void this.write({ records: orphaned, response: undefined, replay: true });
    }
    if (tombstones > 0) log.info('group metadata cleanup', { tombstones, ms: this.time.now() - started });
  }

  // -------------------------------------------------------------------------
  // Introspection (tests and tools)

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.offsets.committed(groupId, topic, partition)?.committedOffset;
  }

  private errorOf(err: unknown, api: string): ErrorCode {
    if (err instanceof CoordinatorError) return err.code;
    log.error(`${api} failed in the group coordinator`, { error: err, stack: err instanceof Error ? err.stack : undefined });
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

/** The coordinator's settings from the broker configuration (Kafka's property names). */
export function groupCoordinatorConfigFrom(config: { int(name: string): number; long(name: string): number; list(name: string): string[]; string(name: string): string }): GroupCoordinatorConfig {
  return {
    ...DEFAULT_GROUP_COORDINATOR_CONFIG,
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    maxSize: config.int('group.max.size'),
    metadataMaxSize: config.int('offset.metadata.max.bytes'),
    retentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsTopicPartitions: config.int('offsets.topic.num.partitions'),
    offsetsTopicSegmentBytes: config.int('offsets.topic.segment.bytes'),
    retentionCheckIntervalMs: config.long('offsets.retention.check.interval.ms'),
    commitTimeoutMs: config.int('offsets.commit.timeout.ms'),
    loadBufferSize: config.int('offsets.load.buffer.size'),
    consumerSessionTimeoutMs: config.int('group.consumer.session.timeout.ms'),
    consumerHeartbeatIntervalMs: config.int('group.consumer.heartbeat.interval.ms'),
    consumerMaxSize: config.int('group.consumer.max.size'),
    consumerAssignors: config.list('group.consumer.assignors').map((a) => a.trim().toLowerCase()).filter((a) => a !== ''),
    consumerMigrationPolicy: config.string('group.consumer.migration.policy').toLowerCase() as ConsumerGroupMigrationPolicy,
  };
}

/** The set fields of a partial configuration (undefined ones keep their defaults). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
