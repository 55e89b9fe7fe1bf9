// The client side of SASL for wire-level tests: PLAIN tokens and a SCRAM
// client (RFC 5802) that can also be made to misbehave (replayed or altered
// messages), plus the SaslHandshake/SaslAuthenticate round trips.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ApiKey, type SaslAuthenticateResponse, type SaslHandshakeResponse } from '../../src/protocol/generated/index.js';
import type { WireClient } from './wire-client.js';

export type ScramHash = 'sha256' | 'sha512';

export function plainToken(user: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\u0000${user}\u0000${password}`, 'utf8');
}

export function scramSaltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password, salt, iterations, hash === 'sha256' ? 32 : 64, hash);
}

export class ScramClient {
  readonly clientNonce = randomBytes(18).toString('base64');
  readonly clientFirstBare: string;
  serverFirst = '';
  authMessage = '';
  saltedPassword: Buffer = Buffer.alloc(0);

  constructor(readonly hash: ScramHash, readonly user: string, readonly password: string) {
    this.clientFirstBare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.clientNonce}`;
  }

  clientFirst(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  /** The client-final message for a server-first message; `nonce` overrides the combined nonce (tampering tests). */
  clientFinal(serverFirst: Buffer, nonce?: string): Buffer {
    this.serverFirst = serverFirst.toString('utf8');
    const attrs = Object.fromEntries(this.serverFirst.split(',').map((p) => [p.slice(0, 1), p.slice(2)]));
    const salt = Buffer.from(attrs['s']!, 'base64');
    const iterations = Number(attrs['i']);
    this.saltedPassword = scramSaltedPassword(this.hash, this.password, salt, iterations);
    const withoutProof = `c=biws,r=${nonce ?? attrs['r']!}`;
    this.authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientKey = createHmac(this.hash, this.saltedPassword).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const signature = createHmac(this.hash, storedKey).update(this.authMessage).digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** The server-final message the server should send. */
  expectedServerFinal(): string {
    const serverKey = createHmac(this.hash, this.saltedPassword).update('Server Key').digest();
    return `v=${createHmac(this.hash, serverKey).update(this.authMessage).digest('base64')}`;
  }
}

export function handshake(c: WireClient, mechanism: string, version = 1): Promise<SaslHandshakeResponse> {
  return c.request(ApiKey.SaslHandshake, version, { mechanism }) as Promise<SaslHandshakeResponse>;
}

export function authenticate(c: WireClient, authBytes: Buffer, version = 2): Promise<SaslAuthenticateResponse> {
  return c.request(ApiKey.SaslAuthenticate, version, { authBytes }) as Promise<SaslAuthenticateResponse>;
}

/** Handshake + SCRAM exchange; resolves with the last SaslAuthenticate response (which may be a failure). */
export async function scramLogin(c: WireClient, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string): Promise<{ response: SaslAuthenticateResponse; client: ScramClient }> {
  const hs = await handshake(c, mechanism);
  if (hs.errorCode !== 0) throw new Error(`SaslHandshake ${mechanism} failed: ${hs.errorCode}`);
  const client = new ScramClient(mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', user, password);
  const first = await authenticate(c, client.clientFirst());
  if (first.errorCode !== 0) return { response: first, client };
  return { response: await authenticate(c, client.clientFinal(first.authBytes)), client };
}

export async function plainLogin(c: WireClient, user: string, password: string): Promise<SaslAuthenticateResponse> {
  const hs = await handshake(c, 'PLAIN');
  if (hs.errorCode !== 0) throw new Error(`SaslHandshake PLAIN failed: ${hs.errorCode}`);
  return authenticate(c, plainToken(user, password));
}

/** An AlterUserScramCredentials upsertion for a password, salted as kafka-configs does. */
export function scramUpsertion(user: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password: string, iterations = 4096) {
  const salt = randomBytes(24);
  const hash: ScramHash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  return { name: user, mechanism: mechanism === 'SCRAM-SHA-256' ? 1 : 2, iterations, salt, saltedPassword: scramSaltedPassword(hash, password, salt, iterations) };
}
