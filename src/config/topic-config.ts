// Topic-level configs with Kafka's (4.x) names, types, defaults and validators,
// and their broker synonyms in Kafka's order (ServerTopicConfigSynonyms): a topic
// override wins, else the first broker synonym that is set, else the default.
// message.downconversion.enable, message.format.version and
// message.timestamp.difference.max.ms were removed in Kafka 4 and are unknown here too.

import type { LogConfig } from '../storage/types.js';
import type { BrokerConfig } from './broker-config.js';
import { COMPRESSION_TYPES } from './broker-definitions.js';
import type { ConfigDefinition, ConfigEntry, ConfigSynonym, ConfigType, ParsedValue, Validator } from './values.js';
import { describeType, InvalidValueError, LONG_MAX_VALUE, parseValue } from './values.js';

export interface TopicConfigDefinition extends Omit<ConfigDefinition, 'dynamic'> {
  /** Broker configs supplying the default, highest priority first. */
  synonyms: readonly string[];
}

const atLeast = (min: number): Validator => ({ kind: 'range', min });

/** What the partition log acts on today (LogConfig); the rest is stored and described only. */
const IMPLEMENTED = new Set([
  'cleanup.policy', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'index.interval.bytes',
  'max.message.bytes', 'message.timestamp.type', 'retention.bytes', 'retention.ms', 'segment.bytes',
  'segment.index.bytes', 'segment.ms', 'internal.segment.bytes',
  'compression.type', 'compression.gzip.level', 'compression.zstd.level', 'delete.retention.ms',
  'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'max.compaction.lag.ms',
]);

function t(name: string, type: ConfigType, dflt: string | null, synonyms: readonly string[], doc: string, validator?: Validator, internal = false): TopicConfigDefinition {
  const d: TopicConfigDefinition = { name, type, default: dflt, synonyms, doc, implemented: IMPLEMENTED.has(name) };
  if (validator !== undefined) d.validator = validator;
  if (internal) d.internal = true;
  return d;
}

export const TOPIC_CONFIG_DEFINITIONS: readonly TopicConfigDefinition[] = [
  t('cleanup.policy', 'list', 'delete', ['log.cleanup.policy'], 'delete and/or compact: what happens to old segments.', { kind: 'list-of', values: ['compact', 'delete'] }),
  t('compression.type', 'string', 'producer', ['compression.type'], 'Compression of stored batches; producer keeps the producer\'s codec.', { kind: 'one-of', values: COMPRESSION_TYPES }),
  t('compression.gzip.level', 'int', '-1', ['compression.gzip.level'], 'gzip level when compression.type is gzip.', { kind: 'range', min: -1, max: 9 }),
  t('compression.lz4.level', 'int', '9', ['compression.lz4.level'], 'lz4 level when compression.type is lz4.', { kind: 'range', min: 1, max: 17 }),
  t('compression.zstd.level', 'int', '3', ['compression.zstd.level'], 'zstd level when compression.type is zstd.', { kind: 'range', min: -131072, max: 22 }),
  t('delete.retention.ms', 'long', '86400000', ['log.cleaner.delete.retention.ms'], 'How long tombstones are kept in a compacted topic.', atLeast(0)),
  t('file.delete.delay.ms', 'long', '60000', ['log.segment.delete.delay.ms'], 'How long a deleted segment waits before its files are removed.', atLeast(0)),
  t('flush.messages', 'long', LONG_MAX_VALUE, ['log.flush.interval.messages'], 'Records appended before an fsync.', atLeast(1)),
  t('flush.ms', 'long', LONG_MAX_VALUE, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], 'Maximum age of unflushed records before an fsync.', atLeast(0)),
  t('follower.replication.throttled.replicas', 'list', '', [], 'Replicas throttled on the follower side.'),
  t('index.interval.bytes', 'int', '4096', ['log.index.interval.bytes'], 'Bytes between two offset index entries.', atLeast(0)),
  t('leader.replication.throttled.replicas', 'list', '', [], 'Replicas throttled on the leader side.'),
  t('local.retention.bytes', 'long', '-2', ['log.local.retention.bytes'], 'Local retention size with tiered storage; -2 follows retention.bytes.', atLeast(-2)),
  t('local.retention.ms', 'long', '-2', ['log.local.retention.ms'], 'Local retention with tiered storage; -2 follows retention.ms.', atLeast(-2)),
  t('max.compaction.lag.ms', 'long', LONG_MAX_VALUE, ['log.cleaner.max.compaction.lag.ms'], 'Maximum time a record stays ineligible for compaction.', atLeast(1)),
  t('max.message.bytes', 'int', '1048588', ['message.max.bytes'], 'Largest record batch accepted.', atLeast(0)),
  t('message.timestamp.after.max.ms', 'long', '3600000', ['log.message.timestamp.after.max.ms'], 'How far in the future a CreateTime timestamp may be.', atLeast(0)),
  t('message.timestamp.before.max.ms', 'long', LONG_MAX_VALUE, ['log.message.timestamp.before.max.ms'], 'How far in the past a CreateTime timestamp may be.', atLeast(0)),
  t('message.timestamp.type', 'string', 'CreateTime', ['log.message.timestamp.type'], 'CreateTime or LogAppendTime.', { kind: 'one-of', values: ['CreateTime', 'LogAppendTime'] }),
  t('min.cleanable.dirty.ratio', 'double', '0.5', ['log.cleaner.min.cleanable.ratio'], 'Minimum dirty ratio before the log is compacted.', { kind: 'range', min: 0, max: 1 }),
  t('min.compaction.lag.ms', 'long', '0', ['log.cleaner.min.compaction.lag.ms'], 'Minimum time a record stays uncompacted.', atLeast(0)),
  t('min.insync.replicas', 'int', '1', ['min.insync.replicas'], 'Replicas that must acknowledge an acks=all write.', atLeast(1)),
  t('preallocate', 'boolean', 'false', ['log.preallocate'], 'Preallocate segment files.'),
  t('remote.log.copy.disable', 'boolean', 'false', [], 'Stop copying segments to tiered storage.'),
  t('remote.log.delete.on.disable', 'boolean', 'false', [], 'Delete tiered data when tiered storage is turned off.'),
  t('remote.storage.enable', 'boolean', 'false', [], 'Tiered storage for this topic.'),
  t('retention.bytes', 'long', '-1', ['log.retention.bytes'], 'Maximum partition size before old segments are deleted; -1 is no limit.'),
  t('retention.ms', 'long', '604800000', ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], 'Time to keep a segment; -1 keeps forever.', atLeast(-1)),
  t('segment.bytes', 'int', '1073741824', ['log.segment.bytes'], 'Maximum size of a segment file.', atLeast(1048576)),
  t('segment.index.bytes', 'int', '10485760', ['log.index.size.max.bytes'], 'Maximum size of an offset or time index.', atLeast(4)),
  t('segment.jitter.ms', 'long', '0', ['log.roll.jitter.ms', 'log.roll.jitter.hours'], 'Maximum random jitter subtracted from segment.ms.', atLeast(0)),
  t('segment.ms', 'long', '604800000', ['log.roll.ms', 'log.roll.hours'], 'Maximum age of the active segment before it rolls.', atLeast(1)),
  t('unclean.leader.election.enable', 'boolean', 'false', ['unclean.leader.election.enable'], 'Allow out-of-sync replicas to become leader.'),
  // Kafka's internal override of segment.bytes below its 1 MiB minimum, for tests.
  t('internal.segment.bytes', 'int', null, [], 'Segment size overriding segment.bytes, without its minimum (testing only).', undefined, true),
];

const DEFINITIONS = new Map(TOPIC_CONFIG_DEFINITIONS.map((d) => [d.name, d]));

export function topicConfigDefinition(name: string): TopicConfigDefinition | undefined {
  return DEFINITIONS.get(name);
}

/**
 * Checks topic configs as CreateTopics/AlterConfigs/IncrementalAlterConfigs do.
 * Returns the first problem in Kafka's INVALID_CONFIG wording, or null.
 */
export function validateTopicConfigs(configs: Record<string, string>): { name: string; message: string } | null {
  const parsed = new Map<string, ParsedValue>();
  for (const [name, raw] of Object.entries(configs)) {
    const def = DEFINITIONS.get(name);
    if (def === undefined) return { name, message: `Unknown topic config name: ${name}` };
    try {
      parsed.set(name, parseValue(def, raw));
    } catch (err) {
      if (err instanceof InvalidValueError) return { name, message: err.message };
      throw err;
    }
  }
  const minLag = parsed.get('min.compaction.lag.ms')?.big ?? 0n;
  const maxLag = parsed.get('max.compaction.lag.ms')?.big ?? BigInt(LONG_MAX_VALUE);
  if (minLag > maxLag) {
    return { name: 'min.compaction.lag.ms', message: `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})` };
  }
  return null;
}

function parsedOverride(def: TopicConfigDefinition, raw: string): ParsedValue {
  try {
    return parseValue(def, raw);
  } catch {
    return { value: raw, text: raw }; // stored overrides are validated on the way in; keep what is there
  }
}

/** The effective value of a topic config: override, else the broker's, else the default. */
function effective(broker: BrokerConfig, overrides: Record<string, string>, def: TopicConfigDefinition): ParsedValue | null {
  const raw = overrides[def.name];
  if (raw !== undefined) return parsedOverride(def, raw);
  const first = def.synonyms[0];
  if (first !== undefined) {
    // BrokerConfig resolves the fallbacks (retention ms/minutes/hours, roll, flush).
    const fromBroker = broker.exact(first);
    // Broker values were validated against the broker's own definition.
    if (fromBroker !== null) return parseValue({ name: def.name, type: def.type }, fromBroker.text);
  }
  return def.default === null ? null : parseValue(def, def.default);
}

/**
 * DescribeConfigs of a topic: every non-internal topic config (and internal ones that are set),
 * sorted by name. Source is TOPIC_CONFIG for overrides, else the source of the broker synonym
 * that supplied the value. Synonyms follow Kafka's order (topic override, then dynamic broker,
 * dynamic default, static, default, each over the synonyms by priority). Unlike Kafka, a
 * lower-priority synonym (log.retention.hours for retention.ms) is kept when the first one is
 * unset, so the source names the config that really supplied the value (deliberate).
 */
export function describeTopicConfigs(broker: BrokerConfig, overrides: Record<string, string>, includeSynonyms: boolean): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const names = TOPIC_CONFIG_DEFINITIONS.filter((d) => d.internal !== true || overrides[d.name] !== undefined).map((d) => d.name).sort();
  for (const name of names) {
    const def = DEFINITIONS.get(name) as TopicConfigDefinition;
    const value = effective(broker, overrides, def);
    const synonyms: ConfigSynonym[] = [];
    const raw = overrides[name];
    if (raw !== undefined) synonyms.push({ name, value: value?.text ?? raw, source: 'TOPIC_CONFIG' });
    const first = def.synonyms[0];
    if (first !== undefined) {
      synonyms.push(...broker.synonymsOf(first, null));
    }
    out.push({
      name,
      value: value?.text ?? null,
      source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
      isSensitive: false,
      readOnly: false,
      type: describeType(def.type),
      documentation: def.doc,
      synonyms: includeSynonyms ? synonyms : [],
    });
  }
  return out;
}

function numberOf(v: ParsedValue | null, name: string): number {
  if (v === null || typeof v.value !== 'number') throw new Error(`topic config ${name} has no numeric value`);
  return v.value;
}

/** The settings of one partition log: topic overrides over the broker's defaults. */
export function logConfigFor(broker: BrokerConfig, overrides: Record<string, string>): LogConfig {
  const get = (name: string): ParsedValue | null => effective(broker, overrides, DEFINITIONS.get(name) as TopicConfigDefinition);
  const num = (name: string): number => numberOf(get(name), name);
  const internalSegment = overrides['internal.segment.bytes'] !== undefined ? get('internal.segment.bytes') : null;
  const retentionMs = num('retention.ms');
  return {
    segmentBytes: internalSegment !== null ? numberOf(internalSegment, 'internal.segment.bytes') : num('segment.bytes'),
    segmentMs: num('segment.ms'),
    retentionMs: retentionMs < 0 ? -1 : retentionMs,
    retentionBytes: num('retention.bytes'),
    flushMessages: num('flush.messages'),
    flushMs: num('flush.ms'),
    maxMessageBytes: num('max.message.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    segmentIndexBytes: num('segment.index.bytes'),
    messageTimestampType: get('message.timestamp.type')?.value === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    cleanupPolicy: ((get('cleanup.policy')?.value as string[] | undefined) ?? ['delete']).map((p) => p.toLowerCase()),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    compressionType: String(get('compression.type')?.value ?? 'producer').toLowerCase(),
    compressionGzipLevel: num('compression.gzip.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
  };
}
