// The registry's in-memory state, a pure function of the `_schemas` records
// applied in offset order: subjects and their versions, schema ids, and the
// compatibility configs and modes (global, per context, per subject). Nothing
// here writes; RegistryService appends records and this applies them on read-back.

import type { RegistryRecord, SchemaValue } from './records.js';
import { contextOf } from './subjects.js';
import type { Mode, RegistryConfig, SchemaVersion } from './types.js';

/** The key for global settings (null subject in the `_schemas` key). */
const GLOBAL = '\u0000global';

type Content = Pick<SchemaValue, 'schemaType' | 'schema' | 'references' | 'metadata' | 'ruleSet'>;

/** What makes two registrations the same schema (and so the same id) within a context. */
export function contentKey(context: string, v: Content): string {
  return JSON.stringify([context, v.schemaType, v.schema, v.references.map((r) => [r.name, r.subject, r.version]), v.metadata, v.ruleSet]);
}

export class RegistryState {
  private readonly subjects = new Map<string, Map<number, SchemaVersion>>();
  private readonly byId = new Map<number, SchemaVersion[]>();
  private readonly idByContent = new Map<string, number>();
  private readonly configs = new Map<string, RegistryConfig>();
  private readonly modes = new Map<string, Mode>();
  /** The highest id ever seen, so that ids are never reused while their records are in the log. */
  maxId = 0;

  apply(record: RegistryRecord): void {
    switch (record.key.keytype) {
      case 'SCHEMA': {
        const { subject, version } = record.key;
        const previous = this.subjects.get(subject)?.get(version);
        if (previous !== undefined) this.unindex(previous);
        const value = record.value as SchemaValue | null;
        if (value === null) {
          this.subjects.get(subject)?.delete(version);
          if (this.subjects.get(subject)?.size === 0) this.subjects.delete(subject);
          return;
        }
        const stored: SchemaVersion = { ...value, subject, version };
        let versions = this.subjects.get(subject);
        if (versions === undefined) this.subjects.set(subject, (versions = new Map()));
        versions.set(version, stored);
        this.index(stored);
        return;
      }
      case 'CONFIG': {
        const key = record.key.subject ?? GLOBAL;
        if (record.value === null) this.configs.delete(key);
        else this.configs.set(key, record.value as RegistryConfig);
        return;
      }
      case 'MODE': {
        const key = record.key.subject ?? GLOBAL;
        if (record.value === null) this.modes.delete(key);
        else this.modes.set(key, (record.value as { mode: Mode }).mode);
        return;
      }
      case 'DELETE_SUBJECT': {
        // Soft-deletes every version up to the watermark the deleting registry saw.
        const value = record.value as { version: number } | null;
        if (value === null) return;
        for (const v of this.subjects.get(record.key.subject)?.values() ?? []) if (v.version <= value.version) v.deleted = true;
        return;
      }
      case 'CLEAR_SUBJECT': {
        // Drops the soft-deleted versions (a permanent delete of the whole subject).
        const versions = this.subjects.get(record.key.subject);
        if (versions === undefined || record.value === null) return;
        for (const v of [...versions.values()]) {
          if (!v.deleted) continue;
          this.unindex(v);
          versions.delete(v.version);
        }
        if (versions.size === 0) this.subjects.delete(record.key.subject);
        return;
      }
      case 'NOOP':
        return;
    }
  }

  private index(v: SchemaVersion): void {
    let list = this.byId.get(v.id);
    if (list === undefined) this.byId.set(v.id, (list = []));
    list.push(v);
    this.idByContent.set(contentKey(contextOf(v.subject), v), v.id);
    if (v.id > this.maxId) this.maxId = v.id;
  }

  private unindex(v: SchemaVersion): void {
    const list = this.byId.get(v.id)?.filter((x) => x !== v) ?? [];
    if (list.length > 0) {
      this.byId.set(v.id, list);
      return;
    }
    this.byId.delete(v.id);
    const key = contentKey(contextOf(v.subject), v);
    if (this.idByContent.get(key) === v.id) this.idByContent.delete(key);
  }

  // ---- queries ----

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }

  /** All versions of a subject (soft-deleted included), in version order. */
  versions(subject: string): SchemaVersion[] {
    return [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  liveVersions(subject: string): SchemaVersion[] {
    return this.versions(subject).filter((v) => !v.deleted);
  }

  version(subject: string, version: number): SchemaVersion | undefined {
    return this.subjects.get(subject)?.get(version);
  }

  /** The versions carrying a schema id (every subject it is registered under). */
  versionsWithId(id: number): SchemaVersion[] {
    return this.byId.get(id) ?? [];
  }

  idForContent(context: string, v: Content): number | undefined {
    return this.idByContent.get(contentKey(context, v));
  }

  allVersions(): SchemaVersion[] {
    return [...this.subjects.values()].flatMap((m) => [...m.values()]);
  }

  config(subject: string | null): RegistryConfig | undefined {
    return this.configs.get(subject ?? GLOBAL);
  }

  mode(subject: string | null): Mode | undefined {
    return this.modes.get(subject ?? GLOBAL);
  }
}
