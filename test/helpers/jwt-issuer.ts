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

export interface TokenEndpoint {
  url: string;
  /** Tokens handed out so far. */
  issued: number;
  close(): Promise<void>;
}

/**
 * An OAuth token endpoint for the client credentials grant (what librdkafka's
 * sasl.oauthbearer.method=oidc and Java's OAuthBearerLoginCallbackHandler use):
 * HTTP Basic client_id:client_secret, answered with a JWT whose sub is the client id.
 */
export async function startTokenEndpoint(issuer: TestIssuer, clients: Record<string, string>, ttlSeconds = 300): Promise<TokenEndpoint> {
  const { createServer } = await import('node:http');
  const state = { issued: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const params = new URLSearchParams(body);
      let id = params.get('client_id');
      let secret = params.get('client_secret');
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      if (basic !== null) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
      if (req.method !== 'POST' || id === null || clients[id] === undefined || clients[id] !== secret) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_client"}');
        return;
      }
      state.issued++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: issuer.token(id, ttlSeconds, { scope: 'kafka' }), token_type: 'Bearer', expires_in: ttlSeconds }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/token`,
    get issued() { return state.issued; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
