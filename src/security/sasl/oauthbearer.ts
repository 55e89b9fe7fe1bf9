// SASL/OAUTHBEARER (RFC 7628) as Kafka speaks it: the client's one message is
//   n,[a=authzid],<0x01>auth=Bearer <token><0x01>[key=value<0x01>]...<0x01>
// A token that does not validate gets, as in Kafka, a JSON error challenge
// {"status":"invalid_token"}; the client acknowledges with a lone 0x01 and the
// exchange fails with that status as the message. Which check failed goes to
// the broker's log only.

import { userPrincipal } from '../principal.js';
import { InvalidTokenError, MAX_TOKEN_BYTES, type JwtValidator } from '../oauth/jwt-validator.js';
import { SaslAuthenticationError, type SaslMechanism, type SaslServerSession, type SaslStep } from './mechanism.js';

export const OAUTHBEARER = 'OAUTHBEARER';
const SEP = '\u0001';
const INVALID_TOKEN = '{"status":"invalid_token"}';
const KEY = /^[A-Za-z]+$/;
const BEARER = /^Bearer +([\x21-\x7e]+)$/i;

class OAuthBearerSession implements SaslServerSession {
  readonly mechanism = OAUTHBEARER;
  private state: 'initial' | 'error-sent' | 'done' = 'initial';
  /** Why the token was refused, for the log line of the failure that follows. */
  private rejection = '';

  constructor(private readonly validator: JwtValidator) {}

  async evaluate(token: Buffer): Promise<SaslStep> {
    if (this.state === 'error-sent') {
      this.state = 'done';
      const acknowledged = token.length === 1 && token[0] === 0x01;
      throw new SaslAuthenticationError(INVALID_TOKEN, acknowledged ? this.rejection : `${this.rejection}; the client did not acknowledge with %x01`);
    }
    if (this.state === 'done') throw new SaslAuthenticationError('Authentication failed: unexpected OAUTHBEARER message');
    this.state = 'done';
    if (token.length > MAX_TOKEN_BYTES + 1024) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: too long');
    const { authzid, bearer } = parseInitialResponse(token.toString('utf8'));
    let validated;
    try {
      validated = await this.validator.validate(bearer);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // RFC 7628 section 3.2.2: a refused token is answered with an error challenge, not a failure.
      this.state = 'error-sent';
      this.rejection = err.message;
      return { complete: false, challenge: Buffer.from(INVALID_TOKEN, 'utf8') };
    }
    if (authzid !== null && authzid !== '' && authzid !== validated.principalName) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${validated.principalName})`);
    }
    return { complete: true, challenge: Buffer.alloc(0), principal: userPrincipal(validated.principalName), credentialExpiresAtMs: validated.expiresAtMs };
  }
}

function parseInitialResponse(text: string): { authzid: string | null; bearer: string } {
  const m = /^n,(?:a=([^,]*))?,(.*)$/s.exec(text);
  if (m === null) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: expected a gs2 header "n,,"');
  const rest = m[2] as string;
  if (!rest.startsWith(SEP) || !rest.endsWith(SEP + SEP)) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: bad key/value separators');
  const pairs = rest.slice(1, -2).split(SEP);
  let bearer: string | null = null;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq);
    if (!KEY.test(key)) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: malformed key/value pair');
    if (key === 'auth') {
      const b = BEARER.exec(pair.slice(eq + 1));
      if (b === null) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: auth is not "Bearer <token>"');
      bearer = b[1] as string;
    }
  }
  if (bearer === null) throw new SaslAuthenticationError('Invalid OAUTHBEARER client first message: no auth=Bearer <token>');
  return { authzid: m[1] ?? null, bearer };
}

export function oauthBearerMechanism(validator: JwtValidator): SaslMechanism {
  return { name: OAUTHBEARER, createSession: () => new OAuthBearerSession(validator) };
}
