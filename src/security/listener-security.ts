// What each listener asks of its clients: TLS (SSL, SASL_SSL) with or without
// client certificates, and SASL (SASL_PLAINTEXT, SASL_SSL). Built once from
// the broker config at start; PLAINTEXT listeners get none of it and their
// connections pay nothing for it.

import type { BrokerConfig, Listener, SecurityProtocol } from '../config/broker-config.js';
import { ConfigError } from '../config/broker-config.js';
import { SslPrincipalMapper, SslPrincipalMappingError } from './ssl-principal-mapper.js';
import { tlsSettingsFor, type ListenerPropertyReader, type TlsListenerSettings } from './tls-context.js';

export interface ListenerSecurity {
  listenerName: string;
  protocol: SecurityProtocol;
  /** Null on PLAINTEXT and SASL_PLAINTEXT. */
  tls: TlsListenerSettings | null;
  /** Maps a client certificate's subject to a principal name (ssl.principal.mapping.rules). */
  principalMapper: SslPrincipalMapper;
}

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

export function listenerSecurityFor(config: BrokerConfig, listener: Listener): ListenerSecurity {
  const read = listenerPropertyReader(config, listener.name);
  let principalMapper: SslPrincipalMapper;
  try {
    principalMapper = SslPrincipalMapper.parse(read('ssl.principal.mapping.rules') ?? 'DEFAULT');
  } catch (err) {
    if (err instanceof SslPrincipalMappingError) throw new ConfigError(err.message, 'ssl.principal.mapping.rules');
    throw err;
  }
  return {
    listenerName: listener.name,
    protocol: listener.securityProtocol,
    tls: usesTls(listener.securityProtocol) ? tlsSettingsFor(listener.name, read) : null,
    principalMapper,
  };
}
