// The server side of one SASL mechanism exchange. A session evaluates the
// client's tokens in turn; the last step names the principal. Failures throw
// SaslAuthenticationError with the message the client may see: it never says
// whether the user or the secret was wrong.

import type { KafkaPrincipal } from '../principal.js';

export type SaslStep =
  | { complete: false; challenge: Buffer }
  | {
      complete: true;
      /** The server's last token (SCRAM's server-final message; empty for PLAIN). */
      challenge: Buffer;
      principal: KafkaPrincipal;
      /** When the credential itself expires (an OAuth token's exp), for the session lifetime (KIP-368). */
      credentialExpiresAtMs?: number;
    };

export interface SaslServerSession {
  readonly mechanism: string;
  evaluate(token: Buffer): SaslStep | Promise<SaslStep>;
}

export interface SaslMechanism {
  readonly name: string;
  createSession(): SaslServerSession;
}

/** An authentication failure; `message` goes to the client in SaslAuthenticate's error_message. */
export class SaslAuthenticationError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'SaslAuthenticationError';
  }
}

/** Kafka's answer to bad credentials: the same words whatever was wrong. */
export function invalidCredentials(mechanism: string, detail?: string): SaslAuthenticationError {
  return new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`, detail);
}
