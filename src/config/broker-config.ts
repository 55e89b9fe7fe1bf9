// Broker configuration: Kafka's property names, loaded from defaults < config
// file < --override < dedicated flags, with dynamic broker configs layered on
// top (per-broker over cluster-wide defaults), as Kafka does.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { BROKER_CONFIG_DEFINITIONS, ZOOKEEPER_PREFIX } from './broker-definitions.js';
import { parsePropertiesEntries, PropertiesParseError } from './properties.js';
import type { ConfigDefinition, ConfigEntry, ConfigSource, ConfigSynonym, ConfigValue, ParsedValue } from './values.js';
import { closestName, describeType, InvalidValueError, parseValue, toSafeNumber } from './values.js';

export { BROKER_CONFIG_DEFINITIONS } from './broker-definitions.js';
export type { ConfigDefinition, ConfigEntry, ConfigSource, ConfigSynonym, ConfigType, ConfigValue, DescribeConfigType, DynamicMode, Validator } from './values.js';
export { CONFIG_SOURCE_IDS, CONFIG_TYPE_IDS } from './values.js';

/** A configuration problem the user must fix: the message names the property and the value. */
export class ConfigError extends Error {
  /** The property at fault, when there is one. */
  readonly property: string | undefined;
  constructor(message: string, property?: string) {
    super(message);
    this.name = 'ConfigError';
    this.property = property;
  }
}

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export interface Listener {
  /** Listener name, upper case (PLAINTEXT, CLIENT, ...). */
  name: string;
  /** Address to bind; an empty host in the URI (all interfaces) becomes 0.0.0.0. */
  host: string;
  /** 0 asks for an ephemeral port; in advertisedListeners it means "the port actually bound". */
  port: number;
  securityProtocol: SecurityProtocol;
}

export interface LoadBrokerConfigOptions {
  /** A Kafka-style server.properties file. */
  file?: string;
  /** "key=value" strings, as given to --override. */
  overrides?: string[];
  /** --data-dir: sets log.dirs. */
  dataDir?: string;
  /** --kafka-port: a single PLAINTEXT://127.0.0.1:N listener (0 = ephemeral); advertised.listeners then follows it. */
  kafkaPort?: number;
  /** --http-port: sets http.port. */
  httpPort?: number;
}

interface Setting {
  parsed: ParsedValue;
  /** Where it came from, for error messages: "server.properties line 3", "--override". */
  origin: string;
}

type Layer = Map<string, Setting>;

const DEFINITIONS = new Map<string, ConfigDefinition>(BROKER_CONFIG_DEFINITIONS.map((d) => [d.name, d]));
const LISTENER_PREFIX = /^listener\.name\.([^.]+)\.(.+)$/;
/** listener.name.<listener>.<mechanism>.{sasl.jaas.config,connections.max.reauth.ms}: Kafka's per-listener, per-mechanism settings. */
const LISTENER_MECHANISM_CONFIG = /^(plain|scram-sha-256|scram-sha-512|oauthbearer)\.(sasl\.jaas\.config|connections\.max\.reauth\.ms)$/;
/** The properties read per listener (security/listener-security.ts): other listener.name.<l>.* overrides are accepted but not applied. */
const LISTENER_SCOPED = /^(ssl\.|sasl\.|connections\.max\.reauth\.ms$)/;
const SENSITIVE_SUFFIX = /(password|jaas\.config|keystore\.key|certificate\.chain|truststore\.certificates|secret\.key)$/;

/** The definition of a broker property, including `listener.name.<listener>.<config>` overrides. */
export function brokerConfigDefinition(name: string): ConfigDefinition | undefined {
  const known = DEFINITIONS.get(name);
  if (known !== undefined) return known;
  const m = LISTENER_PREFIX.exec(name);
  if (m === null) return undefined;
  const base = DEFINITIONS.get(m[2] as string);
  const type = base?.type ?? (SENSITIVE_SUFFIX.test(m[2] as string) ? 'password' : 'string');
  return {
    name, type, default: null, dynamic: 'per-broker', implemented: base !== undefined
      ? base.implemented && LISTENER_SCOPED.test(m[2] as string)
      : LISTENER_MECHANISM_CONFIG.test(m[2] as string),
    doc: `Override of ${m[2]} for listener ${m[1]}.`,
    ...(base?.validator !== undefined ? { validator: base.validator } : {}),
  };
}

/** Kafka's groups of broker synonyms: the first one set wins (KafkaConfig), in this order. */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
];

/** The broker configs Kafka lists as synonyms of `name` (DynamicBrokerConfig.brokerConfigSynonyms). */
export function brokerConfigSynonyms(name: string): readonly string[] {
  // log.flush.scheduler.interval.ms is a fallback of log.flush.interval.ms, not the other way round.
  if (name === 'log.flush.scheduler.interval.ms') return [name];
  for (const group of SYNONYM_GROUPS) if (group.includes(name)) return group;
  return [name];
}

/** Multipliers to milliseconds of the synonyms in other units. */
const TO_MILLIS: Readonly<Record<string, bigint>> = {
  'log.roll.hours': 3_600_000n,
  'log.roll.jitter.hours': 3_600_000n,
  'log.retention.minutes': 60_000n,
  'log.retention.hours': 3_600_000n,
};

function unknownPropertyError(name: string, origin: string): ConfigError {
  if (name.startsWith(ZOOKEEPER_PREFIX)) {
    return new ConfigError(`${name} (${origin}): ZooKeeper mode is not supported; like Kafka 4, Tributary needs no ZooKeeper. Remove the zookeeper.* properties.`, name);
  }
  const suggestion = closestName(name, DEFINITIONS.keys());
  const hint = suggestion !== undefined ? `; did you mean '${suggestion}'?` : '';
  return new ConfigError(`Unknown broker property '${name}' (${origin})${hint}`, name);
}

function parseSetting(name: string, raw: string, origin: string): Setting {
  const def = brokerConfigDefinition(name);
  if (def === undefined) throw unknownPropertyError(name, origin);
  try {
    return { parsed: parseValue(def, raw), origin };
  } catch (err) {
    if (err instanceof InvalidValueError) throw new ConfigError(`${err.message} (${origin})`, name);
    throw err;
  }
}

function parseLayer(configs: Record<string, string>, origin: string): Layer {
  const layer: Layer = new Map();
  for (const [name, raw] of Object.entries(configs)) layer.set(name, parseSetting(name, raw, origin));
  return layer;
}

/** Loads the broker configuration. Throws ConfigError for anything the user must fix. */
export function loadBrokerConfig(opts: LoadBrokerConfigOptions = {}): BrokerConfig {
  const statics: Layer = new Map();
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new ConfigError(`Cannot read config file ${opts.file}: ${reason}`);
    }
    let entries;
    try {
      entries = parsePropertiesEntries(text, opts.file);
    } catch (err) {
      if (err instanceof PropertiesParseError) throw new ConfigError(err.message);
      throw err;
    }
    for (const e of entries) statics.set(e.key, parseSetting(e.key, e.value, `${opts.file} line ${e.line}`));
  }
  for (const override of opts.overrides ?? []) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw new ConfigError(`Invalid --override '${override}': expected key=value`);
    const name = override.slice(0, eq).trim();
    statics.set(name, parseSetting(name, override.slice(eq + 1), '--override'));
  }
  if (opts.dataDir !== undefined) {
    if (opts.dataDir.trim() === '') throw new ConfigError('--data-dir must not be empty', 'log.dirs');
    statics.set('log.dirs', { parsed: { value: [opts.dataDir], text: opts.dataDir }, origin: '--data-dir' });
  }
  if (opts.kafkaPort !== undefined) {
    checkPort('--kafka-port', opts.kafkaPort);
    statics.set('listeners', parseSetting('listeners', `PLAINTEXT://127.0.0.1:${opts.kafkaPort}`, '--kafka-port'));
    statics.delete('advertised.listeners');
  }
  if (opts.httpPort !== undefined) {
    checkPort('--http-port', opts.httpPort);
    statics.set('http.port', parseSetting('http.port', String(opts.httpPort), '--http-port'));
  }
  return new BrokerConfig(statics, new Map(), new Map());
}

function checkPort(flag: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${flag} must be a port number between 0 and 65535, got ${port}`);
}

/** Parses one listener list (listeners or advertised.listeners). */
function parseListenerUris(property: string, text: string, protocols: Map<string, SecurityProtocol>, controllerNames: Set<string>): Listener[] {
  const out: Listener[] = [];
  const names = new Set<string>();
  for (const uri of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_-]+):\/\/(\[[0-9a-fA-F:.%a-zA-Z]*\]|[^:/\[\]]*):(-?\d+)$/.exec(uri);
    if (m === null) throw new ConfigError(`Invalid value ${text} for configuration ${property}: '${uri}' is not of the form NAME://host:port`, property);
    const name = (m[1] as string).toUpperCase();
    const port = Number(m[3]);
    if (port < 0 || port > 65535) throw new ConfigError(`Invalid value ${text} for configuration ${property}: port ${port} of ${uri} is out of range`, property);
    if (names.has(name)) throw new ConfigError(`Invalid value ${text} for configuration ${property}: each listener must have a different name, ${name} appears twice`, property);
    names.add(name);
    let host = m[2] as string;
    if (host.startsWith('[')) host = host.slice(1, -1);
    if (controllerNames.has(name)) continue; // a KRaft controller listener: no quorum runs here, nothing to bind
    const protocol = protocols.get(name) ?? (SECURITY_PROTOCOLS.includes(name as SecurityProtocol) ? (name as SecurityProtocol) : undefined);
    if (protocol === undefined) {
      throw new ConfigError(`Listener ${name} in ${property} has no security protocol: add ${name}:PLAINTEXT to listener.security.protocol.map`, property);
    }
    out.push({ name, host, port, securityProtocol: protocol });
  }
  return out;
}

function parseProtocolMap(text: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const pair of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([^:]+):(.+)$/.exec(pair);
    const protocol = m?.[2]?.trim().toUpperCase();
    if (m === null || protocol === undefined || !SECURITY_PROTOCOLS.includes(protocol as SecurityProtocol)) {
      throw new ConfigError(`Invalid value ${text} for configuration listener.security.protocol.map: '${pair}' is not NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`, 'listener.security.protocol.map');
    }
    map.set((m[1] as string).trim().toUpperCase(), protocol as SecurityProtocol);
  }
  return map;
}

/**
 * max.connections.per.ip.overrides: "host-or-ip:count,host-or-ip:count". As
 * Kafka splits each entry at its last colon, an IPv6 address may be written
 * bare (::1:10) or in brackets ([::1]:10); a later entry for a host wins.
 */
export function parseConnectionsPerIpOverrides(text: string): Map<string, number> {
  const property = 'max.connections.per.ip.overrides';
  const overrides = new Map<string, number>();
  if (text.trim() === '') return overrides;
  for (const entry of text.split(',').map((s) => s.trim())) {
    const colon = entry.lastIndexOf(':');
    let host = colon < 0 ? '' : entry.slice(0, colon).trim();
    const count = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (host === '' || !/^\d+$/.test(count) || Number(count) > 2147483647) {
      throw new ConfigError(`Invalid value ${text} for configuration ${property}: '${entry}' is not host:count with a count from 0 to 2147483647 (for example 127.0.0.1:200,broker.example.com:50)`, property);
    }
    overrides.set(host.toLowerCase(), Number(count));
  }
  return overrides;
}

export class BrokerConfig {
  readonly nodeId: number;
  /** The one data directory (log.dirs, else log.dir), as given. */
  readonly dataDir: string;
  /** Broker listeners to bind (KRaft controller listeners are left out). */
  readonly listeners: readonly Listener[];
  /** Listeners published in Metadata; advertised.listeners, else listeners with wildcard hosts replaced by this host's name. */
  readonly advertisedListeners: readonly Listener[];
  readonly httpHost: string;
  readonly httpPort: number;
  /** max.connections.per.ip.overrides, parsed: host name or IP (lower case) -> limit. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;

  /** @internal use loadBrokerConfig() or withDynamic(). */
  constructor(
    private readonly statics: Layer,
    private readonly dynamicDefaults: Layer,
    private readonly dynamicBroker: Layer,
  ) {
    this.nodeId = this.resolveNodeId();
    this.dataDir = this.resolveDataDir();
    const protocols = parseProtocolMap(this.string('listener.security.protocol.map'));
    const controllerText = this.optional('controller.listener.names');
    const controllerNames = new Set(typeof controllerText === 'string' ? controllerText.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '') : []);
    this.listeners = parseListenerUris('listeners', this.string('listeners'), protocols, controllerNames)
      .map((l) => (l.host === '' ? { ...l, host: '0.0.0.0' } : l));
    if (this.listeners.length === 0) throw new ConfigError('listeners must name at least one broker listener, such as PLAINTEXT://127.0.0.1:9092', 'listeners');
    this.advertisedListeners = this.resolveAdvertised(protocols, controllerNames);
    this.checkInterBrokerListener();
    this.httpHost = this.string('http.host');
    this.httpPort = this.int('http.port');
    this.checkConsumerGroupBounds();
    this.maxConnectionsPerIpOverrides = parseConnectionsPerIpOverrides(this.string('max.connections.per.ip.overrides'));
    // Kafka's rule (KafkaConfig): a zero default only makes sense with some addresses allowed.
    if (this.int('max.connections.per.ip') === 0 && this.maxConnectionsPerIpOverrides.size === 0) {
      throw new ConfigError('max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.', 'max.connections.per.ip');
    }
  }

  /**
   * Kafka's GroupCoordinatorConfig requirements on the KIP-848 consumer group
   * settings (the broker refuses to start otherwise), with its wording.
   */
  private checkConsumerGroupBounds(): void {
    const p = 'group.consumer.';
    const value = (name: string) => this.int(p + name);
    const require = (ok: boolean, left: string, relation: string, right: string): void => {
      if (ok) return;
      const origin = this.explicit(p + left)?.origin ?? this.explicit(p + right)?.origin;
      throw new ConfigError(`${p}${left} must be ${relation} ${p}${right} (${value(left)} and ${value(right)}${origin !== undefined ? `, ${origin}` : ''})`, p + left);
    };
    require(value('max.heartbeat.interval.ms') >= value('min.heartbeat.interval.ms'), 'max.heartbeat.interval.ms', 'greater than or equal to', 'min.heartbeat.interval.ms');
    require(value('heartbeat.interval.ms') >= value('min.heartbeat.interval.ms'), 'heartbeat.interval.ms', 'greater than or equal to', 'min.heartbeat.interval.ms');
    require(value('heartbeat.interval.ms') <= value('max.heartbeat.interval.ms'), 'heartbeat.interval.ms', 'less than or equal to', 'max.heartbeat.interval.ms');
    require(value('max.session.timeout.ms') >= value('min.session.timeout.ms'), 'max.session.timeout.ms', 'greater than or equal to', 'min.session.timeout.ms');
    require(value('session.timeout.ms') >= value('min.session.timeout.ms'), 'session.timeout.ms', 'greater than or equal to', 'min.session.timeout.ms');
    require(value('session.timeout.ms') <= value('max.session.timeout.ms'), 'session.timeout.ms', 'less than or equal to', 'max.session.timeout.ms');
    require(value('heartbeat.interval.ms') < value('session.timeout.ms'), 'heartbeat.interval.ms', 'less than', 'session.timeout.ms');
  }

  private resolveNodeId(): number {
    const node = this.explicit('node.id');
    const broker = this.explicit('broker.id');
    if (node !== undefined && broker !== undefined && node.parsed.value !== broker.parsed.value) {
      throw new ConfigError(`broker.id (${broker.parsed.text}, ${broker.origin}) and node.id (${node.parsed.text}, ${node.origin}) must be the same`, 'broker.id');
    }
    const chosen = node ?? broker;
    return chosen !== undefined ? (chosen.parsed.value as number) : Number(DEFINITIONS.get('node.id')?.default ?? 1);
  }

  private resolveDataDir(): string {
    const dirs = this.explicit('log.dirs');
    if (dirs !== undefined) {
      const list = dirs.parsed.value as string[];
      if (list.length !== 1) {
        throw new ConfigError(`Invalid value ${dirs.parsed.text} for configuration log.dirs: Tributary supports exactly one data directory, got ${list.length} (${dirs.origin})`, 'log.dirs');
      }
      return list[0] as string;
    }
    const dir = this.string('log.dir');
    if (dir === '') throw new ConfigError('log.dir must not be empty', 'log.dir');
    return dir;
  }

  private resolveAdvertised(protocols: Map<string, SecurityProtocol>, controllerNames: Set<string>): Listener[] {
    const text = this.optional('advertised.listeners');
    if (typeof text !== 'string' || text.trim() === '') {
      // As Kafka: default to listeners; a wildcard host advertises this machine's name.
      return this.listeners.map((l) => ({ ...l, host: l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? hostname() : l.host }));
    }
    const advertised = parseListenerUris('advertised.listeners', text, protocols, controllerNames);
    for (const l of advertised) {
      if (!this.listeners.some((b) => b.name === l.name)) {
        throw new ConfigError(`advertised.listeners names listener ${l.name}, which is not in listeners (${this.listeners.map((b) => b.name).join(', ')})`, 'advertised.listeners');
      }
      if (l.host === '0.0.0.0' || l.host === '::') {
        throw new ConfigError(`advertised.listeners cannot use the nonroutable meta-address ${l.host} (${l.name}); use a routable address`, 'advertised.listeners');
      }
    }
    return advertised.map((l) => (l.host === '' ? { ...l, host: hostname() } : l));
  }

  /** As Kafka: inter.broker.listener.name must be an advertised listener, and excludes security.inter.broker.protocol. */
  private checkInterBrokerListener(): void {
    const name = this.optional('inter.broker.listener.name');
    if (typeof name !== 'string' || name.trim() === '') return;
    if (this.isSet('security.inter.broker.protocol')) {
      throw new ConfigError('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.', 'inter.broker.listener.name');
    }
    const upper = name.trim().toUpperCase();
    if (!this.advertisedListeners.some((l) => l.name === upper)) {
      throw new ConfigError(`inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${this.advertisedListeners.map((l) => l.name).join(',')}`, 'inter.broker.listener.name');
    }
  }

  private explicit(name: string): Setting | undefined {
    return this.dynamicBroker.get(name) ?? this.dynamicDefaults.get(name) ?? this.statics.get(name);
  }

  /** The value of one property as configured (dynamic > static > default), without synonym fallbacks. */
  private own(name: string): ParsedValue | null {
    const set = this.explicit(name);
    if (set !== undefined) return set.parsed;
    const def = brokerConfigDefinition(name);
    if (def === undefined) throw new Error(`Unknown broker config ${name}`);
    return def.default === null ? null : parseValue(def, def.default);
  }

  /**
   * The effective value with Kafka's fallbacks: log.retention.ms over minutes over hours
   * (negative means -1, keep forever), log.roll(.jitter).ms over hours, log.flush.interval.ms
   * over log.flush.scheduler.interval.ms, node.id from broker.id, log.dirs from log.dir.
   */
  private effective(name: string): ParsedValue | null {
    switch (name) {
      case 'node.id':
      case 'broker.id':
        return { value: this.nodeId, text: String(this.nodeId), big: BigInt(this.nodeId) };
      case 'log.dirs':
        return { value: [this.dataDir], text: this.dataDir };
      case 'log.flush.interval.ms':
        return this.own(name) ?? this.own('log.flush.scheduler.interval.ms');
      case 'log.roll.ms':
      case 'log.roll.jitter.ms':
      case 'log.retention.ms': {
        let big: bigint | undefined;
        for (const synonym of brokerConfigSynonyms(name)) {
          const v = this.own(synonym);
          if (v?.big !== undefined) {
            big = v.big * (TO_MILLIS[synonym] ?? 1n);
            break;
          }
        }
        if (big === undefined) return null;
        if (name === 'log.retention.ms' && big < 0n) big = -1n;
        return { value: toSafeNumber(big), text: big.toString(), big };
      }
      default:
        return this.own(name);
    }
  }

  /** The effective value with its exact string form (Kafka's), or null when unset without default. */
  exact(name: string): { value: ConfigValue; text: string } | null {
    return this.effective(name);
  }

  /** The effective value, or null when unset and without default. */
  optional(name: string): ConfigValue | null {
    return this.effective(name)?.value ?? null;
  }

  private typed(name: string, accept: readonly string[]): ConfigValue {
    const def = brokerConfigDefinition(name);
    if (def === undefined) throw new Error(`Unknown broker config ${name}`);
    if (!accept.includes(def.type)) throw new Error(`Broker config ${name} is of type ${def.type}, not ${accept.join('/')}`);
    const v = this.effective(name);
    if (v === null) throw new ConfigError(`${name} has no value`, name);
    return v.value;
  }

  int(name: string): number { return this.typed(name, ['int', 'short']) as number; }
  /** Long.MAX_VALUE reads as Number.MAX_SAFE_INTEGER. */
  long(name: string): number { return this.typed(name, ['int', 'short', 'long']) as number; }
  double(name: string): number { return this.typed(name, ['double']) as number; }
  bool(name: string): boolean { return this.typed(name, ['boolean']) as boolean; }
  string(name: string): string { return this.typed(name, ['string', 'class', 'password']) as string; }
  list(name: string): string[] { return [...(this.typed(name, ['list']) as string[])]; }

  /** Whether the property was set (file, override, flag or dynamic), rather than defaulted. */
  isSet(name: string): boolean {
    return this.explicit(name) !== undefined;
  }

  /**
   * A new config with the dynamic broker configs layered on top: `perBroker` (DYNAMIC_BROKER_CONFIG)
   * over `clusterDefaults` (DYNAMIC_DEFAULT_BROKER_CONFIG). Each given map replaces that layer;
   * an omitted clusterDefaults keeps the current one. Read-only properties are rejected.
   */
  withDynamic(perBroker: Record<string, string>, clusterDefaults?: Record<string, string>): BrokerConfig {
    const broker = parseLayer(perBroker, 'dynamic broker config');
    const defaults = clusterDefaults === undefined ? this.dynamicDefaults : parseLayer(clusterDefaults, 'dynamic default broker config');
    const readOnly = [...broker.keys(), ...defaults.keys()].filter((n) => brokerConfigDefinition(n)?.dynamic === 'read-only');
    if (readOnly.length > 0) {
      throw new ConfigError(`Cannot update these configs dynamically: ${[...new Set(readOnly)].join(', ')} (read-only)`, readOnly[0]);
    }
    const perBrokerOnly = [...defaults.keys()].filter((n) => brokerConfigDefinition(n)?.dynamic === 'per-broker');
    if (perBrokerOnly.length > 0) {
      throw new ConfigError(`Cannot update these configs at default cluster level, broker id must be specified: ${perBrokerOnly.join(', ')}`, perBrokerOnly[0]);
    }
    return new BrokerConfig(this.statics, defaults, broker);
  }

  /** Kafka's synonym list of one broker config, in Kafka's order (ConfigHelper.configSynonyms). */
  synonymsOf(name: string, dropBefore: string | null = name): ConfigSynonym[] {
    const synonyms = brokerConfigSynonyms(name);
    const sensitive = brokerConfigDefinition(name)?.type === 'password';
    const all: ConfigSynonym[] = [];
    const add = (layer: Layer | 'defaults', source: ConfigSource): void => {
      for (const s of synonyms) {
        let text: string | undefined;
        if (layer === 'defaults') text = brokerConfigDefinition(s)?.default ?? undefined;
        else text = layer.get(s)?.parsed.text;
        if (text !== undefined) all.push({ name: s, value: sensitive ? null : text, source });
      }
    };
    add(this.dynamicBroker, 'DYNAMIC_BROKER_CONFIG');
    add(this.dynamicDefaults, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
    add(this.statics, 'STATIC_BROKER_CONFIG');
    add('defaults', 'DEFAULT_CONFIG');
    if (dropBefore === null) return all;
    const first = all.findIndex((s) => s.name === dropBefore);
    return first < 0 ? [] : all.slice(first);
  }

  /**
   * DescribeConfigs of this broker: every (non-internal or set) property, sorted by name.
   * Passwords have a null value. `names` limits the result to those properties (unknown ones are left out).
   */
  describe(options: { includeSynonyms?: boolean; includeDocumentation?: boolean; names?: readonly string[] } = {}): ConfigEntry[] {
    const includeSynonyms = options.includeSynonyms ?? true;
    const includeDocs = options.includeDocumentation ?? true;
    let names: string[];
    if (options.names !== undefined) {
      names = options.names.filter((n) => brokerConfigDefinition(n) !== undefined);
    } else {
      const set = new Set<string>();
      for (const d of BROKER_CONFIG_DEFINITIONS) if (d.internal !== true) set.add(d.name);
      for (const layer of [this.statics, this.dynamicDefaults, this.dynamicBroker]) for (const n of layer.keys()) set.add(n);
      names = [...set].sort();
    }
    return names.map((name) => {
      const def = brokerConfigDefinition(name) as ConfigDefinition;
      const sensitive = def.type === 'password';
      const synonyms = this.synonymsOf(name);
      const own = name === 'node.id' || name === 'broker.id' ? this.effective(name) : this.own(name);
      return {
        name,
        value: sensitive ? null : own?.text ?? null,
        source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
        isSensitive: sensitive,
        readOnly: def.dynamic === 'read-only',
        type: describeType(def.type),
        documentation: includeDocs ? def.doc : null,
        synonyms: includeSynonyms ? synonyms : [],
      };
    });
  }
}
