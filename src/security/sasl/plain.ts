// SASL/PLAIN (RFC 4616): one token, [authzid] NUL authcid NUL passwd, checked
// against API keys (a key authenticates as its owner, User:sa-...) and then
// the users of Kafka's PlainLoginModule (user_<name>="<password>" options of
// listener.name.<l>.plain.sasl.jaas.config). Passwords are compared in
// constant time, and an unknown user costs the same as a wrong password.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { userPrincipal, type KafkaPrincipal } from '../principal.js';
import { SaslAuthenticationError, type SaslMechanism, type SaslServerSession, type SaslStep } from './mechanism.js';

export const PLAIN = 'PLAIN';
const USER_OPTION_PREFIX = 'user_';

/** Checks one username/password pair: the principal it authenticates as, or null. */
export type PlainCredentialCheck = (username: string, password: string) => KafkaPrincipal | null;

/** The first source that accepts the pair wins (API keys, then JAAS users). */
export function firstAccepting(...checks: PlainCredentialCheck[]): PlainCredentialCheck {
  return (username, password) => {
    for (const check of checks) {
      const principal = check(username, password);
      if (principal !== null) return principal;
    }
    return null;
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The users of a PlainLoginModule entry: its user_<name> options. */
export function plainUsersFromJaas(options: ReadonlyMap<string, string>): PlainCredentialCheck {
  const users = new Map<string, Buffer>();
  for (const [key, value] of options) if (key.startsWith(USER_OPTION_PREFIX)) users.set(key.slice(USER_OPTION_PREFIX.length), digest(value));
  // Compared against when the user is unknown, so that both paths do the same work.
  const decoy = digest(randomBytes(16).toString('hex'));
  return (username, password) => {
    const expected = users.get(username);
    const ok = timingSafeEqual(digest(password), expected ?? decoy);
    return ok && expected !== undefined ? userPrincipal(username) : null;
  };
}

class PlainSession implements SaslServerSession {
  readonly mechanism = PLAIN;
  private done = false;

  constructor(private readonly check: PlainCredentialCheck) {}

  evaluate(token: Buffer): SaslStep {
    if (this.done) throw new SaslAuthenticationError('Authentication failed: PLAIN takes a single message');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const principal = this.check(username, password);
    if (principal === null) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    return { complete: true, challenge: Buffer.alloc(0), principal };
  }
}

export function plainMechanism(check: PlainCredentialCheck): SaslMechanism {
  return { name: PLAIN, createSession: () => new PlainSession(check) };
}
