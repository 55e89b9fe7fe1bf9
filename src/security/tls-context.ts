// The TLS side of SSL and SASL_SSL listeners, from Kafka's ssl.* properties:
// key store PEM (file, or ssl.keystore.key + ssl.keystore.certificate.chain)
// or PKCS12, trust store PEM (file or ssl.truststore.certificates), and
// ssl.client.auth for mutual TLS. JKS stores cannot be read by Node: they get
// an error that says how to convert them.

import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../config/broker-config.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsListenerSettings {
  /** Options for tls.createServer: key material, trusted CAs, protocol range. */
  context: SecureContextOptions;
  clientAuth: ClientAuth;
}

/** Reads one property of one listener: listener.name.<name>.<prop> first, then <prop> (Kafka's order). */
export type ListenerPropertyReader = (prop: string) => string | null;

const JKS_MAGIC = 0xfeedfeed;
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

function readStore(prop: string, location: string): Buffer {
  try {
    return readFileSync(location);
  } catch (err) {
    throw new ConfigError(`Cannot read ${prop} ${location}: ${(err as Error).message}`, prop);
  }
}

function isPem(data: Buffer): boolean {
  return data.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

/** The store's format: ssl.*.type, but a file that is visibly PEM or JKS says so itself (Java keytool's default is PKCS12 under any name). */
function storeType(prop: string, configured: string, data: Buffer): 'PEM' | 'PKCS12' {
  if (data.length >= 4 && data.readUInt32BE(0) === JKS_MAGIC) {
    throw new ConfigError(`${prop} is a JKS store, which Tributary cannot read: convert it with keytool -importkeystore -deststoretype PKCS12 and set the type to PKCS12`, prop);
  }
  if (isPem(data)) return 'PEM';
  const type = configured.toUpperCase();
  if (type === 'PEM') throw new ConfigError(`${prop} is of type PEM but the file holds no PEM block`, prop);
  return 'PKCS12';
}

function protocolRange(read: ListenerPropertyReader): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const enabled = (read('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = enabled.filter((p): p is TlsVersion => (TLS_VERSIONS as readonly string[]).includes(p));
  if (known.length === 0) {
    throw new ConfigError(`ssl.enabled.protocols (${enabled.join(',')}) names no protocol Tributary supports (${TLS_VERSIONS.join(', ')})`, 'ssl.enabled.protocols');
  }
  known.sort();
  return { minVersion: known[0]!, maxVersion: known[known.length - 1]! };
}

/** Builds the TLS settings of one listener; throws ConfigError for missing or unreadable material. */
export function tlsSettingsFor(listenerName: string, read: ListenerPropertyReader): TlsListenerSettings {
  const context: SecureContextOptions = { ...protocolRange(read) };

  const inlineKey = read('ssl.keystore.key');
  const inlineChain = read('ssl.keystore.certificate.chain');
  const keyPassword = read('ssl.key.password');
  const location = read('ssl.keystore.location');
  if (inlineKey !== null || inlineChain !== null) {
    if (inlineKey === null || inlineChain === null) {
      throw new ConfigError(`Listener ${listenerName}: ssl.keystore.key and ssl.keystore.certificate.chain go together`, 'ssl.keystore.key');
    }
    context.key = inlineKey;
    if (keyPassword !== null) context.passphrase = keyPassword;
    context.cert = inlineChain;
  } else if (location !== null) {
    const data = readStore('ssl.keystore.location', location);
    if (storeType('ssl.keystore.location', read('ssl.keystore.type') ?? 'JKS', data) === 'PEM') {
      // Kafka's PEM key store file holds the private key and the certificate chain.
      context.key = data;
      if (keyPassword !== null) context.passphrase = keyPassword;
      context.cert = data;
    } else {
      const password = read('ssl.keystore.password');
      context.pfx = data;
      if (password !== null) context.passphrase = password;
    }
  } else {
    throw new ConfigError(`Listener ${listenerName} uses TLS but has no key store: set ssl.keystore.location (PEM or PKCS12) or ssl.keystore.key and ssl.keystore.certificate.chain`, 'ssl.keystore.location');
  }

  const inlineTrust = read('ssl.truststore.certificates');
  const trustLocation = read('ssl.truststore.location');
  if (inlineTrust !== null) {
    context.ca = inlineTrust;
  } else if (trustLocation !== null) {
    const data = readStore('ssl.truststore.location', trustLocation);
    if (storeType('ssl.truststore.location', read('ssl.truststore.type') ?? 'JKS', data) !== 'PEM') {
      throw new ConfigError('ssl.truststore.location: only PEM trust stores are supported (export the CA certificates with openssl pkcs12 -nokeys, or use ssl.truststore.certificates)', 'ssl.truststore.location');
    }
    context.ca = data;
  }

  const clientAuth = (read('ssl.client.auth') ?? 'none').toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    throw new ConfigError(`ssl.client.auth of listener ${listenerName} must be required, requested or none, got ${clientAuth}`, 'ssl.client.auth');
  }
  if (clientAuth !== 'none' && context.ca === undefined) {
    throw new ConfigError(`Listener ${listenerName} has ssl.client.auth=${clientAuth} but no trust store to check client certificates: set ssl.truststore.location`, 'ssl.truststore.location');
  }
  try {
    // Fails now, with the reason, rather than on the first client (wrong password, key not matching the certificate).
    createSecureContext(context);
  } catch (err) {
    throw new ConfigError(`Listener ${listenerName}: cannot load the TLS key material: ${(err as Error).message}`, 'ssl.keystore.location');
  }
  return { context, clientAuth };
}
