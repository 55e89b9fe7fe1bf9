// A test OAuth issuer: RSA and EC signing keys, their JWKS, and signed JWTs
// (or deliberately broken ones) made with node:crypto.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function makeKey(kid: string, alg: 'RS256' | 'ES256'): IssuerKey {
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export class TestIssuer {
  readonly rsa = makeKey('rsa-1', 'RS256');
  readonly ec = makeKey('ec-1', 'ES256');
  readonly issuer = 'https://issuer.test';
  readonly audience = 'tributary';

  /** The public keys as a JWKS document; `extra` adds more keys (rotation tests). */
  jwks(extra: IssuerKey[] = []): string {
    const keys = [this.rsa, this.ec, ...extra].map((k) => ({ ...(k.publicKey.export({ format: 'jwk' }) as object), kid: k.kid, alg: k.alg, use: 'sig' }));
    return JSON.stringify({ keys });
  }

  newKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): IssuerKey {
    return makeKey(kid, alg);
  }

  /** Standard claims for `sub`, valid for `ttlSeconds`, overridden by `claims`. */
  claims(sub: string, ttlSeconds = 300, claims: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.issuer, aud: this.audience, sub, iat: now, exp: now + ttlSeconds, ...claims };
  }

  /** A signed compact JWS; `header` overrides header fields (alg "none", another kid, ...). */
  sign(claims: Record<string, unknown>, key: IssuerKey = this.rsa, header: Record<string, unknown> = {}): string {
    const h = Buffer.from(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })).toString('base64url');
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const input = Buffer.from(`${h}.${p}`);
    const signature = key.alg === 'RS256' ? sign('sha256', input, key.privateKey) : sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${h}.${p}.${signature.toString('base64url')}`;
  }

  token(sub: string, ttlSeconds = 300, claims: Record<string, unknown> = {}, key: IssuerKey = this.rsa): string {
    return this.sign(this.claims(sub, ttlSeconds, claims), key);
  }
}

/** The OAUTHBEARER client initial response (RFC 7628) carrying a token. */
export function oauthBearerInitialResponse(token: string, authzid = '', extensions: Record<string, string> = {}): Buffer {
  const ext = Object.entries(extensions).map(([k, v]) => `${k}=${v}\u0001`).join('');
  return Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\u0001auth=Bearer ${token}\u0001${ext}\u0001`, 'utf8');
}
