// SCRAM credentials (RFC 5802): what the broker keeps of a password is the
// salt, the iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key"))
// and ServerKey = HMAC(SaltedPassword, "Server Key"); never the password nor
// the salted password. Kafka's mechanism ids on the wire: 1 = SCRAM-SHA-256,
// 2 = SCRAM-SHA-512 (ScramMechanism).

import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramAlgorithm {
  name: ScramMechanismName;
  /** Kafka's ScramMechanism type byte. */
  type: number;
  hash: 'sha256' | 'sha512';
  /** Digest length in bytes. */
  length: number;
  minIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramAlgorithm[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', length: 32, minIterations: 4096 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', length: 64, minIterations: 4096 },
];

/** Kafka's upper bound on iterations (ScramFormatter/ScramMechanism). */
export const SCRAM_MAX_ITERATIONS = 16384;

export function scramAlgorithm(nameOrType: string | number): ScramAlgorithm | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === nameOrType || m.type === nameOrType);
}

export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

export function hmac(alg: ScramAlgorithm, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(alg.hash, key).update(data).digest();
}

export function hash(alg: ScramAlgorithm, data: Buffer): Buffer {
  return createHash(alg.hash).update(data).digest();
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(alg: ScramAlgorithm, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, alg.length, alg.hash);
}

/** The stored form of a salted password (what AlterUserScramCredentials sends). */
export function credentialFromSaltedPassword(alg: ScramAlgorithm, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(alg, salted, 'Client Key');
  return { salt, iterations, storedKey: hash(alg, clientKey), serverKey: hmac(alg, salted, 'Server Key') };
}

/** Where SCRAM credentials live (the metadata log in the embedded broker). */
export interface ScramCredentialStore {
  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined;
  /** Every user with at least one credential, with their mechanisms and iteration counts. */
  describe(): Map<string, { mechanism: ScramMechanismName; iterations: number }[]>;
  /** Applies upserts and deletions at once, durably; throws MetadataWriteError, nothing applied, when they cannot be stored. */
  alter(changes: { upsert: { user: string; mechanism: ScramMechanismName; credential: ScramCredential }[]; remove: { user: string; mechanism: ScramMechanismName }[] }): void;
}

/** What a ScramCredentialStore needs of the metadata log. */
export interface ScramCredentialLog {
  scramCredential(user: string, mechanism: string): { salt: string; storedKey: string; serverKey: string; iterations: number } | undefined;
  scramCredentials(): { user: string; mechanism: string; iterations: number }[];
  alterScramCredentials(
    upsert: { user: string; mechanism: string; salt: string; storedKey: string; serverKey: string; iterations: number }[],
    remove: { user: string; mechanism: string }[],
  ): void;
}

/** SCRAM credentials kept in the metadata log, so they survive restarts. */
export class LoggedScramCredentialStore implements ScramCredentialStore {
  constructor(private readonly log: ScramCredentialLog) {}

  get(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    const c = this.log.scramCredential(user, mechanism);
    if (c === undefined) return undefined;
    return { salt: Buffer.from(c.salt, 'base64'), storedKey: Buffer.from(c.storedKey, 'base64'), serverKey: Buffer.from(c.serverKey, 'base64'), iterations: c.iterations };
  }

  describe(): Map<string, { mechanism: ScramMechanismName; iterations: number }[]> {
    const out = new Map<string, { mechanism: ScramMechanismName; iterations: number }[]>();
    for (const c of this.log.scramCredentials()) {
      const alg = scramAlgorithm(c.mechanism);
      if (alg === undefined) continue;
      let list = out.get(c.user);
      if (list === undefined) out.set(c.user, (list = []));
      list.push({ mechanism: alg.name, iterations: c.iterations });
    }
    return out;
  }

  alter(changes: { upsert: { user: string; mechanism: ScramMechanismName; credential: ScramCredential }[]; remove: { user: string; mechanism: ScramMechanismName }[] }): void {
    this.log.alterScramCredentials(
      changes.upsert.map((u) => ({
        user: u.user, mechanism: u.mechanism, iterations: u.credential.iterations,
        salt: u.credential.salt.toString('base64'), storedKey: u.credential.storedKey.toString('base64'), serverKey: u.credential.serverKey.toString('base64'),
      })),
      changes.remove,
    );
  }
}
