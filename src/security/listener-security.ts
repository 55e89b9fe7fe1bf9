// What each listener asks of its clients: TLS (SSL, SASL_SSL) with or without
// client certificates, and SASL (SASL_PLAINTEXT, SASL_SSL). Built once from
// the broker config at start; PLAINTEXT listeners get none of it and their
// connections pay nothing for it.

import type { BrokerConfig, Listener, SecurityProtocol } from '../config/broker-config.js';
import { ConfigError } from '../config/broker-config.js';
import { SslPrincipalMapper, SslPrincipalMappingError } from './ssl-principal-mapper.js';
import { tlsSettingsFor, type ListenerPropertyReader, type TlsListenerSettings } from './tls-context.js';
import type { SaslListenerSettings } from './sasl/authenticator.js';
import type { SaslMechanism } from './sasl/mechanism.js';
import { PLAIN, firstAccepting, plainMechanism, plainUsersFromJaas, type PlainCredentialCheck } from './sasl/plain.js';
import type { ApiKeyStore } from './api-keys.js';
import type { AuditLogger } from './audit-log.js';
import { scramMechanism } from './sasl/scram.js';
import { scramAlgorithm, type ScramCredentialStore } from './scram-credentials.js';
import { JaasConfigError, parseJaasConfig } from './jaas.js';
import { JwksError, JwksSource } from './oauth/jwks.js';
import { JwtValidator } from './oauth/jwt-validator.js';
import { OAUTHBEARER, oauthBearerMechanism } from './sasl/oauthbearer.js';

export interface ListenerSecurity {
  listenerName: string;
  protocol: SecurityProtocol;
  /** Null on PLAINTEXT and SASL_PLAINTEXT. */
  tls: TlsListenerSettings | null;
  /** Maps a client certificate's subject to a principal name (ssl.principal.mapping.rules). */
  principalMapper: SslPrincipalMapper;
  /** Null on PLAINTEXT and SSL. */
  sasl: SaslListenerSettings | null;
  /** OAUTHBEARER key sets to start (first fetch, periodic refresh) and stop with the listener. */
  jwks: JwksSource[];
  /** The validator of this listener's OAUTHBEARER, if enabled (the HTTP port checks bearer tokens with it too). */
  oauthBearer: JwtValidator | null;
}

/** What SASL mechanisms need from the rest of the broker. */
export interface SecurityServices {
  scramCredentials: ScramCredentialStore;
  /** API keys: SASL/PLAIN usernames whose secrets are the passwords. */
  apiKeys?: ApiKeyStore;
  audit?: AuditLogger;
}

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** listener.name.<listener, lower case>.<prop> over <prop>, as Kafka resolves listener overrides. */
export function listenerPropertyReader(config: BrokerConfig, listenerName: string): ListenerPropertyReader {
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  return (prop) => {
    const own = config.isSet(prefix + prop) ? config.optional(prefix + prop) : config.optional(prop);
    if (own === null) return null;
    return Array.isArray(own) ? own.join(',') : String(own);
  };
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** The JAAS entry Kafka reads for one listener and mechanism: listener.name.<l>.<mechanism>.sasl.jaas.config. */
function jaasFor(config: BrokerConfig, listenerName: string, mechanism: string): ReturnType<typeof parseJaasConfig> | null {
  const prop = `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
  const text = config.optional(prop);
  if (typeof text !== 'string' || text.trim() === '') return null;
  try {
    return parseJaasConfig(text);
  } catch (err) {
    if (err instanceof JaasConfigError) throw new ConfigError(`${prop}: ${err.message}`, prop);
    throw err;
  }
}

/** What building a listener's mechanisms leaves behind for the listener: key sets to run, the OAUTHBEARER validator. */
interface MechanismParts {
  jwks: JwksSource[];
  oauthBearer: JwtValidator | null;
}

/** OAUTHBEARER settings: listener.name.<l>.oauthbearer.<prop>, then listener.name.<l>.<prop>, then <prop>. */
function oauthMechanism(config: BrokerConfig, listenerName: string, parts: MechanismParts): SaslMechanism {
  const listenerRead = listenerPropertyReader(config, listenerName);
  const mechanismPrefix = `listener.name.${listenerName.toLowerCase()}.oauthbearer.`;
  const read = (prop: string): string | null => {
    if (config.isSet(mechanismPrefix + prop)) {
      const v = config.optional(mechanismPrefix + prop);
      return v === null ? null : Array.isArray(v) ? v.join(',') : String(v);
    }
    return listenerRead(prop);
  };
  const location = read('sasl.oauthbearer.jwks.endpoint.url');
  if (location === null || location.trim() === '') {
    throw new ConfigError(`Listener ${listenerName} enables OAUTHBEARER but sasl.oauthbearer.jwks.endpoint.url is not set: Tributary validates signed JWTs against the issuer's JWKS (a URL or a file) and accepts no unsecured tokens`, 'sasl.oauthbearer.jwks.endpoint.url');
  }
  let source: JwksSource;
  try {
    source = new JwksSource(location.trim(), {
      refreshMs: Number(read('sasl.oauthbearer.jwks.endpoint.refresh.ms') ?? '3600000'),
      minRefetchMs: Math.max(1000, Number(read('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms') ?? '100')),
    });
  } catch (err) {
    if (err instanceof JwksError) throw new ConfigError(`sasl.oauthbearer.jwks.endpoint.url of listener ${listenerName}: ${err.message}`, 'sasl.oauthbearer.jwks.endpoint.url');
    throw err;
  }
  parts.jwks.push(source);
  const audiences = (read('sasl.oauthbearer.expected.audience') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  parts.oauthBearer = new JwtValidator(source, {
    expectedIssuer: read('sasl.oauthbearer.expected.issuer'),
    expectedAudiences: audiences,
    subClaimName: read('sasl.oauthbearer.sub.claim.name') ?? 'sub',
    clockSkewSeconds: Number(read('sasl.oauthbearer.clock.skew.seconds') ?? '30'),
  });
  return oauthBearerMechanism(parts.oauthBearer);
}

function mechanismFor(config: BrokerConfig, listenerName: string, name: string, services: SecurityServices, parts: MechanismParts): SaslMechanism {
  if (name === OAUTHBEARER) return oauthMechanism(config, listenerName, parts);
  if (name === PLAIN) {
    const jaas = jaasFor(config, listenerName, PLAIN);
    const prop = `listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config`;
    const apiKeys = services.apiKeys;
    // API keys are a source of PLAIN users of their own, so the JAAS entry is optional when they are on.
    if (jaas === null && apiKeys === undefined) {
      throw new ConfigError(`Listener ${listenerName} enables PLAIN but ${prop} is not set (a ${PLAIN_LOGIN_MODULE} entry with user_<name>="<password>" options)`, prop);
    }
    if (jaas !== null && jaas.loginModule !== PLAIN_LOGIN_MODULE) throw new ConfigError(`${prop} must use ${PLAIN_LOGIN_MODULE}, not ${jaas.loginModule}`, prop);
    const checks = [
      ...(apiKeys !== undefined ? [(key: string, secret: string) => apiKeys.authenticate(key, secret)] : []),
      ...(jaas !== null ? [plainUsersFromJaas(jaas.options)] : []),
    ];
    return plainMechanism(firstAccepting(...checks));
  }
  const scram = scramAlgorithm(name);
  if (scram !== undefined) return scramMechanism(scram, services.scramCredentials);
  if (name === 'GSSAPI') {
    throw new ConfigError(`Listener ${listenerName} enables GSSAPI (Kerberos), which Tributary does not support: set sasl.enabled.mechanisms to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER (sasl.enabled.mechanisms defaults to GSSAPI in Kafka)`, 'sasl.enabled.mechanisms');
  }
  throw new ConfigError(`Listener ${listenerName} enables SASL mechanism ${name}, which Tributary does not support (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)`, 'sasl.enabled.mechanisms');
}

/** listener.name.<l>.<mechanism>.connections.max.reauth.ms over listener.name.<l>.connections.max.reauth.ms over the broker's. */
function reauthMsFor(config: BrokerConfig, listenerName: string, mechanism: string, read: ListenerPropertyReader): number {
  const own = `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.connections.max.reauth.ms`;
  const text = config.isSet(own) ? String(config.optional(own)) : read('connections.max.reauth.ms') ?? '0';
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(`connections.max.reauth.ms of listener ${listenerName} must be a non-negative number of milliseconds, got ${text}`, 'connections.max.reauth.ms');
  return ms;
}

function saslSettingsFor(config: BrokerConfig, listenerName: string, read: ListenerPropertyReader, services: SecurityServices, parts: MechanismParts): SaslListenerSettings {
  const names = (read('sasl.enabled.mechanisms') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  if (names.length === 0) throw new ConfigError(`Listener ${listenerName} uses SASL but sasl.enabled.mechanisms is empty`, 'sasl.enabled.mechanisms');
  const mechanisms = new Map<string, SaslMechanism>();
  for (const name of names) mechanisms.set(name, mechanismFor(config, listenerName, name, services, parts));
  return {
    listenerName,
    mechanisms,
    reauthMs: new Map(names.map((name) => [name, reauthMsFor(config, listenerName, name, read)])),
    failedAuthenticationDelayMs: config.int('connection.failed.authentication.delay.ms'),
    maxReceiveBytes: config.int('sasl.server.max.receive.size'),
    ...(services.audit !== undefined ? { audit: services.audit } : {}),
  };
}

/**
 * The PLAIN users of a listener's JAAS entry, if it has one (the HTTP port
 * accepts them in Basic authentication, as it accepts API keys).
 */
export function plainJaasUsersOf(config: BrokerConfig, listenerName: string): PlainCredentialCheck | null {
  const jaas = jaasFor(config, listenerName, PLAIN);
  return jaas !== null && jaas.loginModule === PLAIN_LOGIN_MODULE ? plainUsersFromJaas(jaas.options) : null;
}

export function listenerSecurityFor(config: BrokerConfig, listener: Listener, services: SecurityServices): ListenerSecurity {
  const read = listenerPropertyReader(config, listener.name);
  let principalMapper: SslPrincipalMapper;
  try {
    principalMapper = SslPrincipalMapper.parse(read('ssl.principal.mapping.rules') ?? 'DEFAULT');
  } catch (err) {
    if (err instanceof SslPrincipalMappingError) throw new ConfigError(err.message, 'ssl.principal.mapping.rules');
    throw err;
  }
  const parts: MechanismParts = { jwks: [], oauthBearer: null };
  const sasl = usesSasl(listener.securityProtocol) ? saslSettingsFor(config, listener.name, read, services, parts) : null;
  return {
    listenerName: listener.name,
    protocol: listener.securityProtocol,
    tls: usesTls(listener.securityProtocol) ? tlsSettingsFor(listener.name, read) : null,
    principalMapper,
    sasl,
    jwks: parts.jwks,
    oauthBearer: parts.oauthBearer,
  };
}
