// The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener,
// as Kafka's SaslServerAuthenticator keeps it:
//   handshake     ApiVersions and SaslHandshake only; anything else closes the connection
//   authenticate  SaslAuthenticate (KIP-152) or, after SaslHandshake v0, raw size-prefixed tokens
//   complete      every API; SaslHandshake again starts a re-authentication (KIP-368)
//   failed        the failure response is on its way, then the connection closes
// The session expires connections.max.reauth.ms after authentication (or when
// the credential does, if sooner); a request other than a re-authentication
// after that closes the connection.

import { ApiKey, ErrorCode } from '../../protocol/generated/index.js';
import { createLogger } from '../../observability/logger.js';
import { principalToString, samePrincipal, type KafkaPrincipal } from '../principal.js';
import { SaslAuthenticationError, type SaslMechanism, type SaslServerSession, type SaslStep } from './mechanism.js';
import type { AuditLogger } from '../audit-log.js';

const log = createLogger('sasl');

export interface SaslListenerSettings {
  listenerName: string;
  /** Enabled mechanisms by name, in configuration order (the order SaslHandshake lists them). */
  mechanisms: ReadonlyMap<string, SaslMechanism>;
  /** connections.max.reauth.ms by mechanism (KIP-368 allows listener.name.<l>.<mechanism>. overrides); 0 means sessions never expire. */
  reauthMs: ReadonlyMap<string, number>;
  /** connection.failed.authentication.delay.ms: a failed client waits this long for its answer. */
  failedAuthenticationDelayMs: number;
  /** sasl.server.max.receive.size: the largest frame accepted before authentication. */
  maxReceiveBytes: number;
  /** Where authentication results go (audit.log.events decides which are kept). */
  audit?: AuditLogger;
}

export type SaslState = 'handshake' | 'authenticate' | 'complete' | 'reauth-authenticate' | 'failed';

export interface HandshakeResult {
  errorCode: ErrorCode;
  mechanisms: string[];
  /** The connection closes once this answer is written. */
  close: boolean;
}

export interface AuthenticateResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
  close: boolean;
}

const EMPTY = Buffer.alloc(0);

export class SaslAuthenticator {
  state: SaslState = 'handshake';
  /** True after SaslHandshake v0: the next frames are bare SASL tokens, not Kafka requests. */
  rawTokens = false;
  principal: KafkaPrincipal | null = null;
  /** Called with the principal each time an (re-)authentication completes. */
  onAuthenticated: (principal: KafkaPrincipal) => void = () => {};

  private session: SaslServerSession | null = null;
  private mechanism: string | null = null;
  private sessionExpiresAtMs: number | null = null;

  constructor(
    readonly settings: SaslListenerSettings,
    /** For logs: which connection this is. */
    private readonly describeConnection: () => string,
    /** The client's address as Kafka prints it ("/127.0.0.1"), for the audit log. */
    private readonly clientAddress = '',
  ) {}

  private audit(success: boolean, mechanism: string, principal: KafkaPrincipal | null, message?: string): void {
    this.settings.audit?.authentication({
      success, mechanism, principal: principal === null ? null : principalToString(principal), clientAddress: this.clientAddress,
      ...(message !== undefined ? { message } : {}),
    });
  }

  get authenticated(): boolean {
    return this.state === 'complete';
  }

  /** Whether a request with this API key may be processed now; otherwise why the connection closes. */
  admit(apiKey: number, nowMs: number): string | null {
    switch (this.state) {
      case 'complete':
        if (this.sessionExpiresAtMs !== null && nowMs > this.sessionExpiresAtMs && apiKey !== ApiKey.SaslHandshake) {
          return 'the SASL session expired without re-authentication (connections.max.reauth.ms, KIP-368)';
        }
        return null;
      case 'handshake':
        return apiKey === ApiKey.ApiVersions || apiKey === ApiKey.SaslHandshake ? null : `unexpected request of api key ${apiKey} during the SASL handshake`;
      case 'authenticate':
      case 'reauth-authenticate':
        return apiKey === ApiKey.SaslAuthenticate ? null : `unexpected request of api key ${apiKey} during SASL authentication`;
      default:
        return 'SASL authentication failed';
    }
  }

  handshake(mechanism: string, version: number): HandshakeResult {
    const enabled = [...this.settings.mechanisms.keys()];
    if (this.state === 'complete') {
      // KIP-368: the same mechanism again, over SaslAuthenticate (v1 handshakes only).
      if (version === 0 || mechanism !== this.mechanism) {
        this.state = 'failed';
        return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled, close: true };
      }
      this.session = this.settings.mechanisms.get(mechanism)!.createSession();
      this.state = 'reauth-authenticate';
      return { errorCode: ErrorCode.NONE, mechanisms: enabled, close: false };
    }
    if (this.state !== 'handshake') {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: enabled, close: true };
    }
    const chosen = this.settings.mechanisms.get(mechanism);
    if (chosen === undefined) {
      log.info('SASL mechanism not enabled', { connection: this.describeConnection(), mechanism });
      this.state = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled, close: true };
    }
    this.session = chosen.createSession();
    this.mechanism = mechanism;
    this.state = 'authenticate';
    this.rawTokens = version === 0;
    return { errorCode: ErrorCode.NONE, mechanisms: enabled, close: false };
  }

  /** One SaslAuthenticate request. */
  async authenticate(token: Buffer): Promise<AuthenticateResult> {
    if (this.state === 'complete') {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: EMPTY, sessionLifetimeMs: 0, close: false };
    }
    if ((this.state !== 'authenticate' && this.state !== 'reauth-authenticate') || this.session === null) {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'Unexpected SaslAuthenticate request', authBytes: EMPTY, sessionLifetimeMs: 0, close: true };
    }
    const outcome = await this.step(token);
    if ('failure' in outcome) {
      await delay(this.settings.failedAuthenticationDelayMs);
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: outcome.failure, authBytes: EMPTY, sessionLifetimeMs: 0, close: true };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: outcome.challenge, sessionLifetimeMs: outcome.sessionLifetimeMs, close: false };
  }

  /** One bare token after SaslHandshake v0: the answer token, or null when the connection must close. */
  async rawToken(token: Buffer): Promise<Buffer | null> {
    if (this.state !== 'authenticate' || this.session === null) return null;
    const outcome = await this.step(token);
    if ('failure' in outcome) {
      await delay(this.settings.failedAuthenticationDelayMs);
      return null;
    }
    if (this.authenticated) this.rawTokens = false;
    return outcome.challenge;
  }

  private async step(token: Buffer): Promise<{ challenge: Buffer; sessionLifetimeMs: number } | { failure: string }> {
    const session = this.session!;
    const reauthenticating = this.state === 'reauth-authenticate';
    let result: SaslStep;
    try {
      result = await session.evaluate(token);
    } catch (err) {
      this.state = 'failed';
      const message = err instanceof SaslAuthenticationError ? err.message : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${session.mechanism}`;
      const detail = err instanceof SaslAuthenticationError ? err.detail : (err as Error).message;
      log.info('SASL authentication failed', { connection: this.describeConnection(), mechanism: session.mechanism, error: message, ...(detail !== undefined ? { detail } : {}) });
      this.audit(false, session.mechanism, null, message);
      return { failure: message };
    }
    if (!result.complete) return { challenge: result.challenge, sessionLifetimeMs: 0 };
    if (reauthenticating && this.principal !== null && !samePrincipal(this.principal, result.principal)) {
      this.state = 'failed';
      const message = `Cannot change principals during re-authentication from ${principalToString(this.principal)}: ${principalToString(result.principal)}`;
      log.info('SASL re-authentication failed', { connection: this.describeConnection(), error: message });
      this.audit(false, session.mechanism, result.principal, message);
      return { failure: message };
    }
    const now = Date.now();
    const reauthMs = this.settings.reauthMs.get(session.mechanism) ?? 0;
    let expiresAt: number | null = reauthMs > 0 ? now + reauthMs : null;
    if (result.credentialExpiresAtMs !== undefined) expiresAt = expiresAt === null ? result.credentialExpiresAtMs : Math.min(expiresAt, result.credentialExpiresAtMs);
    if (expiresAt !== null && expiresAt <= now) {
      this.state = 'failed';
      const message = `Authentication failed: credentials with SASL mechanism ${session.mechanism} have expired`;
      this.audit(false, session.mechanism, result.principal, message);
      return { failure: message };
    }
    this.sessionExpiresAtMs = expiresAt;
    this.principal = result.principal;
    this.session = null;
    this.state = 'complete';
    log.debug(reauthenticating ? 'SASL re-authenticated' : 'SASL authenticated', { connection: this.describeConnection(), principal: principalToString(result.principal), mechanism: session.mechanism });
    this.onAuthenticated(result.principal);
    this.audit(true, session.mechanism, result.principal);
    return { challenge: result.challenge, sessionLifetimeMs: expiresAt === null ? 0 : expiresAt - now };
  }
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
