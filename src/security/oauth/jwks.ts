// The verification keys of an OAuth issuer: a JSON Web Key Set (RFC 7517)
// from a file or an http(s) URL (sasl.oauthbearer.jwks.endpoint.url, as
// Kafka's OAuthBearerValidatorCallbackHandler takes it). URL sets are
// refreshed every sasl.oauthbearer.jwks.endpoint.refresh.ms, and at once
// (rate-limited) when a token names a key id the set does not have yet: that
// is how an issuer's key rotation reaches the broker.

import { readFileSync } from 'node:fs';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../observability/logger.js';

const log = createLogger('oauth');

/** A JWKS larger than this is not one we want to parse. */
const MAX_JWKS_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

export interface VerificationKey {
  kid: string | null;
  /** RSA or EC. */
  kty: string;
  /** The JWK's own alg, when it names one. */
  alg: string | null;
  /** EC curve (P-256, ...). */
  crv: string | null;
  key: KeyObject;
}

export class JwksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksError';
  }
}

/** Parses a JWKS document; keys that are not public RSA/EC signature keys are skipped. */
export function parseJwks(text: string, source: string): VerificationKey[] {
  if (text.length > MAX_JWKS_BYTES) throw new JwksError(`JWKS from ${source} is larger than ${MAX_JWKS_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new JwksError(`JWKS from ${source} is not JSON: ${(err as Error).message}`);
  }
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new JwksError(`JWKS from ${source} has no "keys" array`);
  const out: VerificationKey[] = [];
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    if (jwk['kty'] !== 'RSA' && jwk['kty'] !== 'EC') continue;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    if ('d' in jwk) continue; // a private key has no business in a JWKS; never use it
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch (err) {
      log.warn('skipping an unusable key in the JWKS', { source, kid: String(jwk['kid'] ?? ''), error: (err as Error).message });
      continue;
    }
    out.push({
      kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : null,
      kty: jwk['kty'] as string,
      alg: typeof jwk['alg'] === 'string' ? jwk['alg'] : null,
      crv: typeof jwk['crv'] === 'string' ? jwk['crv'] : null,
      key,
    });
  }
  return out;
}

export interface JwksSourceOptions {
  refreshMs: number;
  /** Least time between two fetches triggered by unknown key ids. */
  minRefetchMs: number;
}

/** The current keys of one issuer. */
export class JwksSource {
  private keys: VerificationKey[] = [];
  private lastFetchMs = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly isFile: boolean;
  private readonly path: string;

  constructor(readonly location: string, private readonly options: JwksSourceOptions) {
    this.isFile = !/^https?:\/\//i.test(location);
    this.path = location.startsWith('file:') ? fileURLToPath(location) : location;
    if (this.isFile) this.keys = this.readFile();
  }

  /** Loads the first set (URL sources); failures are logged and retried when a token needs a key. */
  async start(): Promise<void> {
    if (this.isFile) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The candidate keys for a token header; refetches once when the key id is unknown. */
  async keysFor(kid: string | null): Promise<VerificationKey[]> {
    let found = this.match(kid);
    if (found.length === 0 && Date.now() - this.lastFetchMs >= this.options.minRefetchMs) {
      await this.refresh();
      found = this.match(kid);
    }
    return found;
  }

  private match(kid: string | null): VerificationKey[] {
    return kid === null ? this.keys : this.keys.filter((k) => k.kid === kid);
  }

  private readFile(): VerificationKey[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new JwksError(`cannot read the JWKS file ${this.path}: ${(err as Error).message}`);
    }
    return parseJwks(text, this.path);
  }

  private refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      this.lastFetchMs = Date.now();
      try {
        if (this.isFile) {
          this.keys = this.readFile();
        } else {
          const res = await fetch(this.location, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
          if (!res.ok) throw new JwksError(`HTTP ${res.status} from ${this.location}`);
          this.keys = parseJwks(await res.text(), this.location);
        }
      } catch (err) {
        log.warn('cannot refresh the JWKS; keeping the keys we have', { location: this.location, error: (err as Error).message });
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}
