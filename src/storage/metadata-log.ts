// The broker's own metadata: <dataDir>/metadata.log, append-only records
// [length uint32][crc32c uint32][JSON payload], fdatasync'd after every
// append (metadata changes are rare and must survive), replayed on open with
// a torn tail cut off, and compacted into a snapshot of the live state
// (temp file + rename) when it grows or is mostly dead records.
//
// Records are a tagged union on `type`. To add a kind of state (ACLs, SCRAM
// credentials, role bindings...): add its record types to MetadataRecord,
// handle them in apply(), and emit the live ones from snapshotRecords().
// Records of a type this version does not know are kept verbatim across
// compactions, so an older binary never drops a newer one's state.
//
// A record that cannot be written (full disk, I/O error) is cut back off the
// file and not applied; the change method throws MetadataWriteError, which
// callers answer as KAFKA_STORAGE_ERROR (metadata-write-error.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32c } from '../protocol/records/crc32c.js';
import { createLogger } from '../observability/logger.js';
import { MetadataWriteError } from './metadata-write-error.js';

const log = createLogger('metadata');

export const METADATA_LOG_FILE = 'metadata.log';
const HEADER_BYTES = 8;
/** No single metadata record is anywhere near this; a larger length is corruption. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Compact once the file passes this size and holds mostly dead records. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

export interface TopicRecord {
  name: string;
  /** base64url of 16 random bytes (Kafka's Uuid string form), never the all-zero id. */
  topicId: string;
  partitionCount: number;
  /** Topic-level overrides only. */
  configs: Record<string, string>;
  createdAt: number;
}

/** One SCRAM credential as stored: base64 of the salt and keys (never the password). */
export interface ScramCredentialRecord {
  user: string;
  mechanism: string;
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

/** A service account (Confluent Cloud's IAM v2): a principal that API keys authenticate as. */
export interface ServiceAccountRecord {
  id: string;
  displayName: string;
  description: string;
  createdAt: number;
}

/** An API key: SASL/PLAIN username; its secret is kept only as a salted HMAC-SHA-256. */
export interface ApiKeyRecord {
  key: string;
  /** The service account (or user) id the key authenticates as. */
  owner: string;
  displayName: string;
  description: string;
  /** base64 */
  salt: string;
  /** base64 of HMAC-SHA-256(salt, secret) */
  secretHash: string;
  createdAt: number;
}

/** One ACL binding as stored (Kafka's numeric codes). */
export interface AclRecord {
  id: string;
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export type MetadataRecord =
  | { type: 'cluster'; clusterId: string }
  | ({ type: 'topic' } & TopicRecord)
  | { type: 'topic-delete'; name: string; topicId: string }
  | { type: 'topic-configs'; name: string; configs: Record<string, string> }
  | { type: 'partition-count'; name: string; partitionCount: number }
  | { type: 'broker-configs'; configs: Record<string, string> }
  | { type: 'producer-ids'; blockEnd: number }
  /** One AlterUserScramCredentials request's changes, applied together. */
  | { type: 'scram-credentials'; upsert: ScramCredentialRecord[]; remove: { user: string; mechanism: string }[] }
  | ({ type: 'service-account' } & ServiceAccountRecord)
  /** Deleting a service account deletes its API keys with it. */
  | { type: 'service-account-delete'; id: string }
  | ({ type: 'api-key' } & ApiKeyRecord)
  | { type: 'api-key-delete'; key: string }
  /** One CreateAcls or DeleteAcls request's changes (ids of removed bindings). */
  | { type: 'acls'; add: AclRecord[]; remove: string[] };

/** An error with the Kafka error code a handler should answer. */
export class MetadataError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'MetadataError';
  }
}

export const MetadataErrorCode = {
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
} as const;

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * A random Kafka-style Uuid string: 16 random bytes (version 4 bits set),
 * base64url without padding, 22 characters; never the all-zero id, never
 * starting with '-' (Kafka avoids that for command-line friendliness).
 */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    const id = bytes.toString('base64url');
    if (id !== ZERO_UUID && !id.startsWith('-')) return id;
  }
}

function frame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  buf.writeUInt32BE(payload.length, 0);
  buf.writeUInt32BE(crc32c(payload), 4);
  payload.copy(buf, HEADER_BYTES);
  return buf;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

function copyTopic(t: TopicRecord): TopicRecord {
  return { ...t, configs: { ...t.configs } };
}

export class MetadataStore {
  private fd: number;
  private size = 0;
  private recordCount = 0;
  private _clusterId = '';
  private topicsByName = new Map<string, TopicRecord>();
  private topicsById = new Map<string, TopicRecord>();
  private _brokerConfigs: Record<string, string> = {};
  private _producerIdBlockEnd = 0;
  /** user -> mechanism -> credential. */
  private scram = new Map<string, Map<string, ScramCredentialRecord>>();
  private serviceAccounts = new Map<string, ServiceAccountRecord>();
  private apiKeys = new Map<string, ApiKeyRecord>();
  /** ACL bindings by id, in creation order. */
  private aclsById = new Map<string, AclRecord>();
  private aclList: AclRecord[] | null = null;
  /** Records of types this version does not know, kept for compaction. */
  private unknownRecords: Record<string, unknown>[] = [];
  private closed = false;

  private constructor(readonly path: string) {
    this.fd = -1;
  }

  /** Opens (creating) <dataDir>/metadata.log, replays it, and generates the cluster id on first start. */
  static async open(dataDir: string): Promise<MetadataStore> {
    fs.mkdirSync(dataDir, { recursive: true });
    const store = new MetadataStore(path.join(dataDir, METADATA_LOG_FILE));
    fs.rmSync(`${store.path}.tmp`, { force: true });
    store.replay();
    if (store._clusterId === '') store.append({ type: 'cluster', clusterId: randomUuid() });
    if (store.recordCount > 2 * store.liveRecordCount() + 64) store.compactIfPossible();
    return store;
  }

  private replay(): void {
    this.fd = fs.openSync(this.path, fs.existsSync(this.path) ? 'r+' : 'w+');
    const data = fs.readFileSync(this.path);
    let pos = 0;
    let problem: string | null = null;
    while (pos < data.length) {
      if (data.length - pos < HEADER_BYTES) {
        problem = 'torn record header';
        break;
      }
      const len = data.readUInt32BE(pos);
      const crc = data.readUInt32BE(pos + 4);
      if (len > MAX_RECORD_BYTES || pos + HEADER_BYTES + len > data.length) {
        problem = `record length ${len} exceeds the file`;
        break;
      }
      const payload = data.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
      if (crc32c(payload) !== crc) {
        problem = 'crc mismatch';
        break;
      }
      let record: unknown;
      try {
        record = JSON.parse(payload.toString('utf8'));
      } catch {
        problem = 'unparseable payload';
        break;
      }
      if (typeof record !== 'object' || record === null || typeof (record as { type?: unknown }).type !== 'string') {
        problem = 'record without a type';
        break;
      }
      this.apply(record as MetadataRecord);
      this.recordCount++;
      pos += HEADER_BYTES + len;
    }
    if (pos < data.length) {
      log.warn('truncating the metadata log at a torn or corrupt record', { file: this.path, position: pos, droppedBytes: data.length - pos, reason: problem ?? '' });
      fs.ftruncateSync(this.fd, pos);
      fs.fdatasyncSync(this.fd);
    }
    this.size = pos;
  }

  /** Applies one record to the in-memory state. New record types get a case here. */
  private apply(record: MetadataRecord): void {
    switch (record.type) {
      case 'cluster':
        this._clusterId = record.clusterId;
        return;
      case 'topic': {
        const { type: _type, ...topic } = record;
        void _type;
        const t = copyTopic(topic);
        const old = this.topicsByName.get(t.name);
        if (old !== undefined) this.topicsById.delete(old.topicId);
        this.topicsByName.set(t.name, t);
        this.topicsById.set(t.topicId, t);
        return;
      }
      case 'topic-delete': {
        const t = this.topicsByName.get(record.name);
        if (t !== undefined && t.topicId === record.topicId) {
          this.topicsByName.delete(record.name);
          this.topicsById.delete(t.topicId);
        }
        return;
      }
      case 'topic-configs': {
        const t = this.topicsByName.get(record.name);
        if (t !== undefined) t.configs = { ...record.configs };
        return;
      }
      case 'partition-count': {
        const t = this.topicsByName.get(record.name);
        if (t !== undefined) t.partitionCount = record.partitionCount;
        return;
      }
      case 'broker-configs':
        this._brokerConfigs = { ...record.configs };
        return;
      case 'producer-ids':
        this._producerIdBlockEnd = Math.max(this._producerIdBlockEnd, record.blockEnd);
        return;
      case 'scram-credentials':
        for (const r of record.remove) {
          const byMechanism = this.scram.get(r.user);
          byMechanism?.delete(r.mechanism);
          if (byMechanism?.size === 0) this.scram.delete(r.user);
        }
        for (const c of record.upsert) {
          let byMechanism = this.scram.get(c.user);
          if (byMechanism === undefined) this.scram.set(c.user, (byMechanism = new Map()));
          byMechanism.set(c.mechanism, { ...c });
        }
        return;
      case 'service-account': {
        const { type: _type, ...account } = record;
        this.serviceAccounts.set(account.id, account);
        return;
      }
      case 'service-account-delete':
        this.serviceAccounts.delete(record.id);
        for (const [key, k] of this.apiKeys) if (k.owner === record.id) this.apiKeys.delete(key);
        return;
      case 'api-key': {
        const { type: _type, ...apiKey } = record;
        this.apiKeys.set(apiKey.key, apiKey);
        return;
      }
      case 'api-key-delete':
        this.apiKeys.delete(record.key);
        return;
      case 'acls':
        for (const id of record.remove) this.aclsById.delete(id);
        for (const a of record.add) this.aclsById.set(a.id, { ...a });
        this.aclList = null;
        return;
      default:
        this.unknownRecords.push(record as unknown as Record<string, unknown>);
    }
  }

  /** The records that rebuild the current state. */
  private snapshotRecords(): unknown[] {
    const out: unknown[] = [{ type: 'cluster', clusterId: this._clusterId }];
    for (const t of this.topicsByName.values()) out.push({ type: 'topic', ...t });
    if (Object.keys(this._brokerConfigs).length > 0) out.push({ type: 'broker-configs', configs: this._brokerConfigs });
    if (this._producerIdBlockEnd > 0) out.push({ type: 'producer-ids', blockEnd: this._producerIdBlockEnd });
    const credentials = [...this.scram.values()].flatMap((m) => [...m.values()]);
    if (credentials.length > 0) out.push({ type: 'scram-credentials', upsert: credentials, remove: [] });
    for (const a of this.serviceAccounts.values()) out.push({ type: 'service-account', ...a });
    for (const k of this.apiKeys.values()) out.push({ type: 'api-key', ...k });
    if (this.aclsById.size > 0) out.push({ type: 'acls', add: [...this.aclsById.values()], remove: [] });
    out.push(...this.unknownRecords);
    return out;
  }

  private liveRecordCount(): number {
    return this.snapshotRecords().length;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error('metadata store is closed');
  }

  /**
   * Appends one record durably (write + fdatasync), then applies it. Throws
   * MetadataWriteError, with nothing applied, when the write or the sync fails.
   */
  private append(record: MetadataRecord): void {
    this.ensureOpen();
    const buf = frame(record);
    let done = 0;
    try {
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, this.size + done);
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      // Cut off what reached the file: a restart must not replay a record the caller was told
      // failed, and the next record goes where this one started.
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch (truncateError) {
        // The next append overwrites the same bytes; only a restart before it could replay them.
        log.error('could not cut a failed record off the metadata log', { file: this.path, error: truncateError });
      }
      log.warn('could not write a metadata record; nothing was changed', { type: record.type, error: e });
      throw new MetadataWriteError(e);
    }
    this.size += buf.length;
    this.recordCount++;
    this.apply(record);
    if (this.size > COMPACT_MIN_BYTES && this.recordCount > 2 * this.liveRecordCount()) this.compactIfPossible();
  }

  /**
   * Compaction only saves space: when it cannot be done (no room for the
   * snapshot) the log stays as it is and is still correct, so neither the
   * record just written nor a start on a full disk may fail because of it.
   */
  private compactIfPossible(): void {
    try {
      this.compact();
    } catch (err) {
      log.warn('could not compact the metadata log; keeping it as it is', { file: this.path, error: err });
    }
  }

  /** Rewrites the log as a snapshot of the live state: temp file, fsync, rename, fsync dir. */
  compact(): void {
    this.ensureOpen();
    const records = this.snapshotRecords();
    const buf = Buffer.concat(records.map(frame));
    const tmp = `${this.path}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        let done = 0;
        while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, done);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      // A half-written snapshot holds space a full disk needs back.
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.renameSync(tmp, this.path);
    fsyncDir(path.dirname(this.path));
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.path, 'r+');
    this.size = buf.length;
    this.recordCount = records.length;
    log.info('compacted the metadata log', { file: this.path, records: records.length, bytes: buf.length });
  }

  get clusterId(): string {
    return this._clusterId;
  }

  /** Size of metadata.log in bytes. */
  get sizeInBytes(): number {
    return this.size;
  }

  listTopics(): TopicRecord[] {
    return [...this.topicsByName.values()].map(copyTopic);
  }

  getTopic(name: string): TopicRecord | undefined {
    const t = this.topicsByName.get(name);
    return t === undefined ? undefined : copyTopic(t);
  }

  getTopicById(topicId: string): TopicRecord | undefined {
    const t = this.topicsById.get(topicId);
    return t === undefined ? undefined : copyTopic(t);
  }

  /** Throws MetadataError(TOPIC_ALREADY_EXISTS / INVALID_PARTITIONS). */
  createTopic(name: string, partitionCount: number, configs: Record<string, string> = {}, now: number = Date.now()): TopicRecord {
    if (this.topicsByName.has(name)) throw new MetadataError(MetadataErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    if (!Number.isInteger(partitionCount) || partitionCount <= 0) {
      throw new MetadataError(MetadataErrorCode.INVALID_PARTITIONS, `Number of partitions must be larger than 0 (got ${partitionCount}).`);
    }
    let topicId = randomUuid();
    while (this.topicsById.has(topicId)) topicId = randomUuid();
    const topic: TopicRecord = { name, topicId, partitionCount, configs: { ...configs }, createdAt: now };
    this.append({ type: 'topic', ...topic });
    return copyTopic(topic);
  }

  /** Throws MetadataError(UNKNOWN_TOPIC_OR_PARTITION). */
  deleteTopic(name: string): TopicRecord {
    const t = this.requireTopic(name);
    this.append({ type: 'topic-delete', name, topicId: t.topicId });
    return copyTopic(t);
  }

  /** Replaces the topic's overrides with `configs`. */
  setTopicConfigs(name: string, configs: Record<string, string>): void {
    this.requireTopic(name);
    this.append({ type: 'topic-configs', name, configs: { ...configs } });
  }

  /** Partitions can only grow (CreatePartitions), as in Kafka. */
  setPartitionCount(name: string, partitionCount: number): void {
    const t = this.requireTopic(name);
    if (!Number.isInteger(partitionCount) || partitionCount <= t.partitionCount) {
      throw new MetadataError(
        MetadataErrorCode.INVALID_PARTITIONS,
        `Topic '${name}' currently has ${t.partitionCount} partitions, ${partitionCount} would not be an increase.`,
      );
    }
    this.append({ type: 'partition-count', name, partitionCount });
  }

  /** Producer ids below this may have been handed out by an earlier run. */
  get producerIdBlockEnd(): number {
    return this._producerIdBlockEnd;
  }

  /** Durably reserves producer ids up to (not including) blockEnd. */
  reserveProducerIds(blockEnd: number): void {
    this.append({ type: 'producer-ids', blockEnd });
  }

  brokerConfigs(): Record<string, string> {
    return { ...this._brokerConfigs };
  }

  /** Replaces the dynamic broker configs with `configs`. */
  setBrokerConfigs(configs: Record<string, string>): void {
    this.append({ type: 'broker-configs', configs: { ...configs } });
  }

  scramCredential(user: string, mechanism: string): ScramCredentialRecord | undefined {
    const c = this.scram.get(user)?.get(mechanism);
    return c === undefined ? undefined : { ...c };
  }

  scramCredentials(): ScramCredentialRecord[] {
    return [...this.scram.values()].flatMap((m) => [...m.values()].map((c) => ({ ...c })));
  }

  /** Durably applies SCRAM credential upserts and removals as one record. */
  alterScramCredentials(upsert: ScramCredentialRecord[], remove: { user: string; mechanism: string }[]): void {
    this.append({ type: 'scram-credentials', upsert: upsert.map((c) => ({ ...c })), remove: remove.map((r) => ({ ...r })) });
  }

  // ------------------------------------------------------- service accounts, API keys

  listServiceAccounts(): ServiceAccountRecord[] {
    return [...this.serviceAccounts.values()].map((a) => ({ ...a }));
  }

  getServiceAccount(id: string): ServiceAccountRecord | undefined {
    const a = this.serviceAccounts.get(id);
    return a === undefined ? undefined : { ...a };
  }

  /** Creates or updates a service account, durably. */
  putServiceAccount(account: ServiceAccountRecord): void {
    this.append({ type: 'service-account', ...account });
  }

  deleteServiceAccount(id: string): void {
    this.append({ type: 'service-account-delete', id });
  }

  listApiKeys(): ApiKeyRecord[] {
    return [...this.apiKeys.values()].map((k) => ({ ...k }));
  }

  getApiKey(key: string): ApiKeyRecord | undefined {
    const k = this.apiKeys.get(key);
    return k === undefined ? undefined : { ...k };
  }

  putApiKey(apiKey: ApiKeyRecord): void {
    this.append({ type: 'api-key', ...apiKey });
  }

  deleteApiKey(key: string): void {
    this.append({ type: 'api-key-delete', key });
  }

  /** Every ACL binding; the same array until the next change (the authorizer reads it on every decision). */
  acls(): AclRecord[] {
    this.aclList ??= [...this.aclsById.values()].map((a) => Object.freeze({ ...a }));
    return this.aclList;
  }

  /** Durably adds and removes ACL bindings as one record. */
  alterAcls(add: AclRecord[], remove: string[]): void {
    this.append({ type: 'acls', add: add.map((a) => ({ ...a })), remove: [...remove] });
  }

  private requireTopic(name: string): TopicRecord {
    const t = this.topicsByName.get(name);
    if (t === undefined) {
      throw new MetadataError(MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
    }
    return t;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
