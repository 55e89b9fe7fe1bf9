// Validation of OAuth access tokens that are signed JWTs (RFC 7519), as
// Kafka's OAuthBearerValidatorCallbackHandler does it: a JWS signature by a
// key of the issuer's JWKS (RS256/384/512, ES256/384/512; never "none" nor an
// HMAC secret), exp and iat required, nbf honoured, with
// sasl.oauthbearer.clock.skew.seconds of slack; iss and aud checked when
// sasl.oauthbearer.expected.issuer/audience are set; the principal from the
// sasl.oauthbearer.sub.claim.name claim.

import { verify } from 'node:crypto';
import type { JwksSource, VerificationKey } from './jwks.js';

/** Longest token accepted; real access tokens are a few kilobytes. */
export const MAX_TOKEN_BYTES = 64 * 1024;

export interface JwtValidatorSettings {
  expectedIssuer: string | null;
  /** Any one of these in the token's aud passes; empty means not checked. */
  expectedAudiences: readonly string[];
  subClaimName: string;
  clockSkewSeconds: number;
}

export interface ValidatedToken {
  principalName: string;
  /** exp, in epoch milliseconds. */
  expiresAtMs: number;
  claims: Record<string, unknown>;
}

/** Why a token was refused; for the broker's log, never for the client. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

const ALGORITHMS: Record<string, { kty: 'RSA' | 'EC'; hash: string; crv?: string }> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256' },
  ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384' },
  ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521' },
};

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(part)) throw new InvalidTokenError(`the JWT ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError(`the JWT ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError(`the JWT ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function numericClaim(claims: Record<string, unknown>, name: string, required: boolean): number | null {
  const v = claims[name];
  if (v === undefined) {
    if (required) throw new InvalidTokenError(`the token has no ${name} claim`);
    return null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidTokenError(`the ${name} claim is not a number`);
  return v;
}

export class JwtValidator {
  constructor(
    private readonly keys: JwksSource,
    private readonly settings: JwtValidatorSettings,
  ) {}

  async validate(token: string, nowMs: number = Date.now()): Promise<ValidatedToken> {
    if (token.length > MAX_TOKEN_BYTES) throw new InvalidTokenError(`the token is longer than ${MAX_TOKEN_BYTES} bytes`);
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidTokenError(`a JWS compact token has 3 parts, this one has ${parts.length}`);
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart, 'header');
    const alg = typeof header['alg'] === 'string' ? header['alg'] : '';
    const spec = ALGORITHMS[alg];
    if (spec === undefined) throw new InvalidTokenError(`the signature algorithm "${alg}" is not accepted`);
    if (header['crit'] !== undefined) throw new InvalidTokenError('the token has critical header parameters this broker does not understand');
    if (!BASE64URL.test(signaturePart)) throw new InvalidTokenError('the JWT signature is not base64url');
    const kid = typeof header['kid'] === 'string' ? header['kid'] : null;
    const candidates = (await this.keys.keysFor(kid)).filter((k) => usable(k, alg, spec));
    if (candidates.length === 0) throw new InvalidTokenError(`no key in the JWKS for kid ${kid ?? '(none)'} and ${alg}`);
    const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
    const signature = Buffer.from(signaturePart, 'base64url');
    const verified = candidates.some((k) => {
      try {
        return verify(spec.hash, signingInput, spec.kty === 'EC' ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, signature);
      } catch {
        return false;
      }
    });
    if (!verified) throw new InvalidTokenError('the signature does not verify');

    const claims = decodeJson(payloadPart, 'payload');
    const skewMs = this.settings.clockSkewSeconds * 1000;
    const exp = numericClaim(claims, 'exp', true)!;
    numericClaim(claims, 'iat', true);
    const nbf = numericClaim(claims, 'nbf', false);
    if (nowMs - skewMs >= exp * 1000) throw new InvalidTokenError('the token has expired');
    if (nbf !== null && nowMs + skewMs < nbf * 1000) throw new InvalidTokenError('the token is not valid yet (nbf)');
    if (this.settings.expectedIssuer !== null && claims['iss'] !== this.settings.expectedIssuer) {
      throw new InvalidTokenError(`the issuer ${JSON.stringify(claims['iss'] ?? null)} is not the expected one`);
    }
    if (this.settings.expectedAudiences.length > 0) {
      const aud = claims['aud'];
      const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
      if (!audiences.some((a) => this.settings.expectedAudiences.includes(a))) throw new InvalidTokenError('no expected audience in the aud claim');
    }
    const principal = claims[this.settings.subClaimName];
    if (typeof principal !== 'string' || principal.trim() === '') {
      throw new InvalidTokenError(`the token has no ${this.settings.subClaimName} claim to name its principal`);
    }
    return { principalName: principal, expiresAtMs: exp * 1000, claims };
  }
}

function usable(k: VerificationKey, alg: string, spec: { kty: string; crv?: string }): boolean {
  if (k.kty !== spec.kty) return false;
  if (k.alg !== null && k.alg !== alg) return false;
  if (spec.crv !== undefined && k.crv !== spec.crv) return false;
  return true;
}
