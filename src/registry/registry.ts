// The Schema Registry's operations, in Confluent's semantics. State is only ever
// changed by appending to `_schemas` and applying what is read back, so that a
// restarted registry (or a second one on the same topic) rebuilds the same
// state; a write is acknowledged once the reader has consumed it.

import { createLogger } from '../observability/logger.js';
import { Errors, RegistryError } from './errors.js';
import type { ParsedSchema, ResolvedReference, SchemaFormat } from './formats/format.js';
import { InvalidSchemaError } from './formats/format.js';
import { checkCompatibility } from './compatibility.js';
import { SchemaLogReader } from './log-reader.js';
import { encodeRecord, type RegistryRecord, type SchemaValue } from './records.js';
import type { SchemaLog } from './schema-log.js';
import { RegistryState } from './state.js';
import { contextOf, contextSubject, DEFAULT_CONTEXT, isValidSubject, qualifyIn } from './subjects.js';
import type { CompatibilityLevel, JsonObject, Mode, RegistryConfig, SchemaReference, SchemaType, SchemaVersion } from './types.js';

const log = createLogger('registry');

export interface SchemaRequest {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
  metadata: JsonObject | null;
  ruleSet: JsonObject | null;
  id?: number;
  version?: number;
}

export interface RegistryOptions {
  formats: SchemaFormat[];
  /** How long a write waits to be read back before failing with 50002. */
  writeTimeoutMs?: number;
  defaultCompatibility?: CompatibilityLevel;
  /** Largest accepted schema text, in characters. */
  maxSchemaChars?: number;
}

export type VersionSpec = number | 'latest';

const MAX_VERSION = 2 ** 31 - 1;

/** Parses a version path segment: 1..2^31-1, "latest" or -1 (Confluent's alias for latest). */
export function parseVersion(text: string): VersionSpec {
  if (text === 'latest' || text === '-1') return 'latest';
  if (!/^\d{1,10}$/.test(text)) throw Errors.invalidVersion(text);
  const n = Number(text);
  if (n < 1 || n > MAX_VERSION) throw Errors.invalidVersion(text);
  return n;
}

export class RegistryService {
  readonly state = new RegistryState();
  private readonly formats = new Map<SchemaType, SchemaFormat>();
  private readonly reader: SchemaLogReader;
  /** Writes are serialised: each one decides on the state the previous one produced. */
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly defaultCompatibility: CompatibilityLevel;
  private readonly maxSchemaChars: number;

  constructor(private readonly schemaLog: SchemaLog, opts: RegistryOptions) {
    for (const f of opts.formats) this.formats.set(f.type, f);
    this.reader = new SchemaLogReader(schemaLog, (record) => this.state.apply(record), opts.writeTimeoutMs ?? 30_000);
    this.defaultCompatibility = opts.defaultCompatibility ?? 'BACKWARD';
    this.maxSchemaChars = opts.maxSchemaChars ?? 8 * 1024 * 1024;
  }

  /** Creates `_schemas` if needed, replays it to the end, then keeps tailing it. */
  async start(): Promise<void> {
    await this.schemaLog.ensureTopic();
    await this.reader.replay();
    this.reader.startTailing();
    log.info('schema registry loaded', { offset: this.reader.appliedOffset, subjects: this.state.subjectNames().length });
  }

  async stop(): Promise<void> {
    // Closing the log first ends a tail read that is waiting for records.
    await this.schemaLog.close();
    await this.reader.stop();
  }

  /** How far into `_schemas` this registry has applied (0: nothing was ever written). */
  get appliedUpTo(): number {
    return this.reader.appliedOffset;
  }

  /** Resolves once this registry has applied everything in `_schemas` up to its current end. */
  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  /** Runs a write under the write lock, after catching up with the log (another registry may have written). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(async () => {
      await this.reader.catchUp();
      return fn();
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async append(records: RegistryRecord[]): Promise<void> {
    let last = -1;
    for (const r of records) {
      const { key, value } = encodeRecord(r);
      try {
        last = await this.schemaLog.append(key, value);
      } catch (err) {
        throw Errors.storeError(`Error while writing to the Kafka store: ${(err as Error).message}`);
      }
    }
    if (last >= 0) await this.reader.waitForOffset(last + 1);
  }

  // ---- settings ----

  private settingChain(subject: string | null): (string | null)[] {
    if (subject === null) return [null];
    const ctx = contextSubject(contextOf(subject));
    return ctx === null || ctx === subject ? [subject, null] : [subject, ctx, null];
  }

  compatibilityOf(subject: string | null): CompatibilityLevel {
    for (const s of this.settingChain(subject)) {
      const level = this.state.config(s)?.compatibilityLevel;
      if (level !== undefined) return level;
    }
    return this.defaultCompatibility;
  }

  private normalizeOf(subject: string): boolean {
    for (const s of this.settingChain(subject)) {
      const n = this.state.config(s)?.normalize;
      if (n !== undefined) return n;
    }
    return false;
  }

  modeOf(subject: string | null): Mode {
    for (const s of this.settingChain(subject)) {
      const m = this.state.mode(s);
      if (m !== undefined) return m;
    }
    return 'READWRITE';
  }

  getConfig(subject: string | null, defaultToGlobal: boolean): RegistryConfig {
    if (subject === null) return { ...this.state.config(null), compatibilityLevel: this.compatibilityOf(null) };
    const own = this.state.config(subject);
    if (own !== undefined) return own;
    if (defaultToGlobal) return { compatibilityLevel: this.compatibilityOf(subject) };
    throw Errors.subjectCompatibilityNotConfigured(subject);
  }

  async setConfig(subject: string | null, config: RegistryConfig): Promise<void> {
    if (subject !== null) this.checkSubject(subject);
    await this.exclusive(async () => {
      const merged: RegistryConfig = { ...this.state.config(subject), ...config };
      await this.append([{ key: { keytype: 'CONFIG', subject }, value: merged }]);
    });
  }

  /** Deletes a subject's config (or resets the global one); returns what it was. */
  async deleteConfig(subject: string | null): Promise<RegistryConfig> {
    return this.exclusive(async () => {
      const previous = this.getConfig(subject, false);
      await this.append([{ key: { keytype: 'CONFIG', subject }, value: null }]);
      return previous;
    });
  }

  getMode(subject: string | null, defaultToGlobal: boolean): Mode {
    if (subject === null) return this.modeOf(null);
    const own = this.state.mode(subject);
    if (own !== undefined) return own;
    if (defaultToGlobal) return this.modeOf(subject);
    throw Errors.subjectModeNotConfigured(subject);
  }

  async setMode(subject: string | null, mode: Mode, force: boolean): Promise<void> {
    if (subject !== null) this.checkSubject(subject);
    await this.exclusive(async () => {
      // IMPORT keeps the ids of another registry: only into an empty registry (or subject), unless forced.
      if (mode === 'IMPORT' && !force) {
        const nonEmpty = subject === null
          ? this.state.subjectNames().some((s) => this.state.liveVersions(s).length > 0)
          : this.state.liveVersions(subject).length > 0;
        if (nonEmpty) throw Errors.operationNotPermitted('Cannot import since found existing subjects');
      }
      await this.append([{ key: { keytype: 'MODE', subject }, value: { mode } }]);
    });
  }

  async deleteMode(subject: string | null): Promise<Mode> {
    return this.exclusive(async () => {
      const previous = this.getMode(subject, false);
      await this.append([{ key: { keytype: 'MODE', subject }, value: null }]);
      return previous;
    });
  }

  // ---- reading ----

  private checkSubject(subject: string): void {
    if (!isValidSubject(subject)) throw Errors.invalidSubject(subject);
  }

  /** Subject names, sorted; `deleted` adds soft-deleted ones, `deletedOnly` gives only those. */
  listSubjects(opts: { prefix?: string; deleted?: boolean; deletedOnly?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const s of this.state.subjectNames()) {
      if (opts.prefix !== undefined && opts.prefix !== ':*:' && !s.startsWith(opts.prefix)) continue;
      const versions = this.state.versions(s);
      const live = versions.some((v) => !v.deleted);
      const anyDeleted = versions.some((v) => v.deleted);
      if (opts.deletedOnly ? anyDeleted && !live : live || (opts.deleted === true && versions.length > 0)) out.push(s);
    }
    return out.sort();
  }

  /** GET /schemas: every version of the matching subjects (or only each one's latest). */
  listSchemas(opts: { prefix?: string; deleted?: boolean; latestOnly?: boolean } = {}): SchemaVersion[] {
    const out: SchemaVersion[] = [];
    for (const s of this.listSubjects({ ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}), deleted: opts.deleted === true })) {
      const versions = this.state.versions(s).filter((v) => opts.deleted === true || !v.deleted);
      out.push(...(opts.latestOnly === true ? versions.slice(-1) : versions));
    }
    return out;
  }

  listVersions(subject: string, opts: { deleted?: boolean; deletedOnly?: boolean } = {}): number[] {
    const all = this.state.versions(subject);
    const chosen = opts.deletedOnly ? all.filter((v) => v.deleted) : opts.deleted ? all : all.filter((v) => !v.deleted);
    if (chosen.length === 0 && (all.length === 0 || !opts.deletedOnly)) throw Errors.subjectNotFound(subject);
    return chosen.map((v) => v.version);
  }

  getVersion(subject: string, spec: VersionSpec, includeDeleted = false): SchemaVersion {
    const all = this.state.versions(subject);
    const visible = includeDeleted ? all : all.filter((v) => !v.deleted);
    if (visible.length === 0) throw Errors.subjectNotFound(subject);
    const found = spec === 'latest' ? visible[visible.length - 1] : visible.find((v) => v.version === spec);
    if (found === undefined) throw Errors.versionNotFound(spec);
    return found;
  }

  /**
   * GET /subjects/{s}/metadata: the latest version whose metadata properties include every given
   * key/value (data contracts' `use.latest.with.metadata`); 40401 / 40403 when there is none.
   */
  latestWithMetadata(subject: string, properties: [string, string][], includeDeleted: boolean): SchemaVersion {
    const versions = this.state.versions(subject).filter((v) => includeDeleted || !v.deleted);
    if (versions.length === 0) throw Errors.subjectNotFound(subject);
    const matches = (v: SchemaVersion): boolean => {
      const props = v.metadata?.['properties'];
      if (typeof props !== 'object' || props === null || Array.isArray(props)) return properties.length === 0;
      return properties.every(([k, value]) => (props as Record<string, unknown>)[k] === value);
    };
    const found = [...versions].reverse().find(matches);
    if (found === undefined) throw Errors.schemaNotFound();
    return found;
  }

  /** The schema with an id; `subject` picks the context to look in (ids are unique here, so it only filters). */
  getById(id: number, subject?: string): SchemaVersion {
    const versions = this.state.versionsWithId(id);
    const inContext = subject === undefined ? versions : versions.filter((v) => contextOf(v.subject) === contextOf(subject));
    const found = inContext[0] ?? versions[0];
    if (found === undefined) throw Errors.schemaNotFound(id);
    return found;
  }

  subjectVersionsForId(id: number, opts: { deleted?: boolean; subject?: string } = {}): SchemaVersion[] {
    const versions = this.state.versionsWithId(id);
    if (versions.length === 0) throw Errors.schemaNotFound(id);
    return versions
      .filter((v) => opts.deleted === true || !v.deleted)
      .filter((v) => opts.subject === undefined || v.subject === opts.subject)
      .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
  }

  /** Ids of live schemas that reference subject/version. */
  referencedBy(subject: string, spec: VersionSpec): number[] {
    const target = this.getVersion(subject, spec);
    const ids = new Set<number>();
    for (const v of this.state.allVersions()) {
      if (v.deleted) continue;
      const ctx = contextOf(v.subject);
      if (v.references.some((r) => qualifyIn(ctx, r.subject) === target.subject && r.version === target.version)) ids.add(v.id);
    }
    return [...ids].sort((a, b) => a - b);
  }

  contexts(): string[] {
    const set = new Set<string>([DEFAULT_CONTEXT]);
    for (const s of this.state.subjectNames()) set.add(contextOf(s));
    return [...set].sort();
  }

  // ---- parsing and compatibility ----

  format(type: SchemaType): SchemaFormat {
    const f = this.formats.get(type);
    if (f === undefined) throw Errors.invalidSchema(`Invalid schema type ${type}`);
    return f;
  }

  /**
   * Resolves references to their schemas, recursively (42201 for a missing or cyclic one). New schemas
   * may only reference live versions; a stored schema keeps resolving after its references are soft-deleted.
   */
  resolveReferences(context: string, refs: SchemaReference[], includeDeleted = false, seen: string[] = [],
    // One resolution per subject/version per call: a diamond-shaped graph stays linear, not exponential.
    memo = new Map<string, ResolvedReference>()): ResolvedReference[] {
    return refs.map((ref) => {
      const subject = qualifyIn(context, ref.subject);
      const key = `${subject}:${ref.version}`;
      if (seen.includes(key)) throw Errors.invalidSchema(`Invalid schema: circular reference ${key}`);
      const known = memo.get(key);
      if (known !== undefined) return { ...known, name: ref.name };
      const version = ref.version === -1 ? this.state.liveVersions(subject).at(-1) : this.state.version(subject, ref.version);
      if (version === undefined || (version.deleted && !includeDeleted)) {
        throw Errors.invalidSchema(`Invalid schema: reference {name=${ref.name}, subject=${ref.subject}, version=${ref.version}} not found`);
      }
      const resolved: ResolvedReference = {
        name: ref.name, subject: ref.subject, version: version.version, schemaType: version.schemaType, schema: version.schema,
        references: this.resolveReferences(contextOf(subject), version.references, includeDeleted, [...seen, key], memo),
      };
      memo.set(key, resolved);
      return resolved;
    });
  }

  parse(subject: string, req: Pick<SchemaRequest, 'schema' | 'schemaType' | 'references'>, normalize: boolean): ParsedSchema {
    if (req.schema.length > this.maxSchemaChars) throw Errors.schemaTooLarge(`Schema too large: ${req.schema.length} characters, at most ${this.maxSchemaChars}`);
    const format = this.format(req.schemaType);
    const refs = this.resolveReferences(contextOf(subject), req.references);
    try {
      return format.parse(req.schema, refs, normalize);
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      const reason = err instanceof InvalidSchemaError ? err.message : `Invalid schema: ${(err as Error).message}`;
      throw Errors.invalidSchema(reason.startsWith('Invalid schema') ? reason : `Invalid schema: ${reason}`);
    }
  }

  /** A registered schema parsed again (for compatibility checks and other output formats). */
  parseStored(v: SchemaVersion): ParsedSchema {
    return this.format(v.schemaType).parse(v.schema, this.resolveReferences(contextOf(v.subject), v.references, true), false);
  }

  /** Checks `candidate` against the versions the level compares with; returns the reasons it is not compatible. */
  checkCompatibility(level: CompatibilityLevel, candidate: ParsedSchema, previous: SchemaVersion[]): string[] {
    return checkCompatibility(level, candidate, previous, (v) => this.format(v.schemaType), (v) => this.parseStored(v));
  }

  /** POST /compatibility/subjects/{s}/versions[/{v}]: without a version, against what registering would check. */
  testCompatibility(subject: string, spec: VersionSpec | null, req: SchemaRequest, normalize: boolean): string[] {
    this.checkSubject(subject);
    const candidate = this.parse(subject, req, normalize || this.normalizeOf(subject));
    const level = this.compatibilityOf(subject);
    if (spec === null) return this.checkCompatibility(level, candidate, this.state.liveVersions(subject));
    const old = this.getVersion(subject, spec);
    // One named version: compared under the non-transitive form of the level.
    return this.checkCompatibility(level.replace('_TRANSITIVE', '') as CompatibilityLevel, candidate, [old]);
  }

  // ---- writing ----

  private matches(v: SchemaVersion, canonical: string, req: SchemaRequest, context: string): boolean {
    if (v.schemaType !== req.schemaType || v.schema !== canonical) return false;
    if (v.references.length !== req.references.length) return false;
    if (!v.references.every((r, i) => {
      const o = req.references[i]!;
      return r.name === o.name && qualifyIn(context, r.subject) === qualifyIn(context, o.subject) && r.version === o.version;
    })) return false;
    // Data contracts: an explicit metadata or ruleSet must match too.
    if (req.metadata !== null && JSON.stringify(req.metadata) !== JSON.stringify(v.metadata)) return false;
    if (req.ruleSet !== null && JSON.stringify(req.ruleSet) !== JSON.stringify(v.ruleSet)) return false;
    return true;
  }

  /** POST /subjects/{s}: the registered version with this schema. */
  lookup(subject: string, req: SchemaRequest, normalize: boolean, includeDeleted: boolean): SchemaVersion {
    this.checkSubject(subject);
    const versions = this.state.versions(subject).filter((v) => includeDeleted || !v.deleted);
    if (versions.length === 0) throw Errors.subjectNotFound(subject);
    const parsed = this.parse(subject, req, normalize || this.normalizeOf(subject));
    const context = contextOf(subject);
    const found = [...versions].reverse().find((v) => this.matches(v, parsed.canonical, req, context));
    if (found === undefined) throw Errors.schemaNotFound();
    return found;
  }

  /** POST /subjects/{s}/versions: registers (or finds) the schema; resolves with its id and version. */
  register(subject: string, req: SchemaRequest, normalize: boolean): Promise<SchemaVersion> {
    this.checkSubject(subject);
    return this.exclusive(async () => {
      const mode = this.modeOf(subject);
      if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw Errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
      if (req.id !== undefined && mode !== 'IMPORT') {
        // Outside IMPORT an id may only be given when it is the one the schema already has.
        const existing = this.state.versionsWithId(req.id)[0];
        if (existing === undefined) throw Errors.operationNotPermitted(`Subject ${subject} is not in import mode`);
      }
      const parsed = this.parse(subject, req, normalize || this.normalizeOf(subject));
      const context = contextOf(subject);
      const all = this.state.versions(subject);
      const live = all.filter((v) => !v.deleted);
      const same = [...live].reverse().find((v) => this.matches(v, parsed.canonical, req, context));
      if (same !== undefined && (req.id === undefined || req.id === same.id)) return same;

      if (mode !== 'IMPORT') {
        const reasons = this.checkCompatibility(this.compatibilityOf(subject), parsed, live);
        if (reasons.length > 0) {
          throw Errors.incompatible(`Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${reasons.join(', ')}]`);
        }
      }

      // Data contracts: metadata and rule set carry over from the previous version unless given; like
      // Confluent's, they are part of the schema's identity (the same text with other metadata is another id).
      const latest = live.at(-1);
      const config = this.effectiveConfig(subject);
      const content = {
        schemaType: req.schemaType, schema: parsed.canonical, references: req.references,
        metadata: config.overrideMetadata ?? req.metadata ?? latest?.metadata ?? config.defaultMetadata ?? null,
        ruleSet: config.overrideRuleSet ?? req.ruleSet ?? latest?.ruleSet ?? config.defaultRuleSet ?? null,
      };
      let id: number;
      if (req.id !== undefined) {
        const holder = this.state.versionsWithId(req.id)[0];
        if (holder !== undefined && (holder.schema !== parsed.canonical || holder.schemaType !== req.schemaType)) {
          throw Errors.idDoesNotMatch(`Schema already registered with id ${holder.id} instead of input id ${req.id}`);
        }
        id = req.id;
      } else {
        id = this.state.idForContent(context, content) ?? this.state.maxId + 1;
      }
      let version: number;
      if (req.version !== undefined && mode === 'IMPORT') {
        if (this.state.version(subject, req.version) !== undefined) throw Errors.invalidSchema(`Version ${req.version} already exists for subject ${subject}`);
        version = req.version;
      } else {
        version = (all.at(-1)?.version ?? 0) + 1;
      }
      const value: SchemaValue = { subject, version, id, ...content, deleted: false };
      await this.append([{ key: { keytype: 'SCHEMA', subject, version }, value }]);
      const stored = this.state.version(subject, version);
      if (stored === undefined) throw Errors.storeError(`Schema ${subject} version ${version} was written but not read back`);
      return stored;
    });
  }

  private effectiveConfig(subject: string): RegistryConfig {
    const out: RegistryConfig = {};
    for (const s of [...this.settingChain(subject)].reverse()) Object.assign(out, this.state.config(s));
    return out;
  }

  private assertWritable(subject: string): void {
    const mode = this.modeOf(subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw Errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
  }

  private assertNotReferenced(v: SchemaVersion): void {
    const ids = this.state.allVersions().filter((o) => !o.deleted && o.references.some((r) =>
      qualifyIn(contextOf(o.subject), r.subject) === v.subject && r.version === v.version));
    if (ids.length > 0) {
      throw Errors.referenceExists(`One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${v.subject},version=${v.version}}.`);
    }
  }

  /** DELETE /subjects/{s}: soft (all versions marked deleted) or, after that, permanent. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    this.checkSubject(subject);
    return this.exclusive(async () => {
      this.assertWritable(subject);
      const all = this.state.versions(subject);
      if (all.length === 0) throw Errors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (!permanent) {
        if (live.length === 0) throw Errors.subjectSoftDeleted(subject);
        for (const v of live) this.assertNotReferenced(v);
        const records: RegistryRecord[] = [{ key: { keytype: 'DELETE_SUBJECT', subject }, value: { subject, version: live.at(-1)!.version } }];
        // Confluent drops a soft-deleted subject's own settings with it.
        if (this.state.config(subject) !== undefined) records.push({ key: { keytype: 'CONFIG', subject }, value: null });
        if (this.state.mode(subject) !== undefined) records.push({ key: { keytype: 'MODE', subject }, value: null });
        await this.append(records);
        return live.map((v) => v.version);
      }
      if (live.length > 0) throw Errors.subjectNotSoftDeleted(subject);
      await this.append(all.map((v) => ({ key: { keytype: 'SCHEMA' as const, subject, version: v.version }, value: null })));
      return all.map((v) => v.version);
    });
  }

  /** DELETE /subjects/{s}/versions/{v}: soft, or permanent once soft-deleted. */
  deleteVersion(subject: string, spec: VersionSpec, permanent: boolean): Promise<number> {
    this.checkSubject(subject);
    return this.exclusive(async () => {
      this.assertWritable(subject);
      const all = this.state.versions(subject);
      if (all.length === 0) throw Errors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      let target: SchemaVersion | undefined;
      if (spec === 'latest') {
        target = permanent ? all.at(-1) : live.at(-1);
        if (target === undefined) throw Errors.subjectNotFound(subject);
      } else {
        target = all.find((v) => v.version === spec);
        if (target === undefined) throw Errors.versionNotFound(spec);
      }
      if (!permanent) {
        if (target.deleted) throw Errors.versionSoftDeleted(subject, target.version);
        this.assertNotReferenced(target);
        await this.append([{ key: { keytype: 'SCHEMA', subject, version: target.version }, value: { ...target, deleted: true } }]);
      } else {
        if (!target.deleted) throw Errors.versionNotSoftDeleted(subject, target.version);
        await this.append([{ key: { keytype: 'SCHEMA', subject, version: target.version }, value: null }]);
      }
      return target.version;
    });
  }
}
