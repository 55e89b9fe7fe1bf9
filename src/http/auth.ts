// Authentication of the HTTP port once security is on (any SASL listener):
// Basic with an API key and secret (or a PLAIN user of a listener's JAAS
// entry), or Bearer with a JWT (RFC 6750) checked by the same validator as
// the OAUTHBEARER mechanism of the first SASL listener that enables it — one
// issuer, audience, JWKS and principal claim for Kafka and HTTP alike. Every
// route but /health answers 401 without valid credentials; the principal of
// an authenticated request is available to the routes after it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger } from '../observability/logger.js';
import { userPrincipal, type KafkaPrincipal } from '../security/principal.js';
import type { PlainCredentialCheck } from '../security/sasl/plain.js';
import { InvalidTokenError, MAX_TOKEN_BYTES, type JwtValidator } from '../security/oauth/jwt-validator.js';
import type { Route } from './server.js';

const log = createLogger('http-auth');

const principals = new WeakMap<IncomingMessage, KafkaPrincipal>();

/** The principal that authenticated this request, if authentication is on. */
export function requestPrincipal(req: IncomingMessage): KafkaPrincipal | undefined {
  return principals.get(req);
}

export interface HttpCredentialChecks {
  /** Basic: API keys and JAAS PLAIN users. */
  basic: PlainCredentialCheck;
  /** Bearer: null when no SASL listener enables OAUTHBEARER (a bearer token is then refused). */
  bearer: JwtValidator | null;
}

function unauthorized(res: ServerResponse, bearerAccepted: boolean): void {
  const text = JSON.stringify({ error_code: 401, message: 'Unauthorized' });
  // One challenge per scheme the port accepts (RFC 9110 section 11.6.1).
  const challenges = ['Basic realm="tributary"', ...(bearerAccepted ? ['Bearer realm="tributary"'] : [])];
  res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'www-authenticate': challenges });
  res.end(text);
}

/** Basic credentials from an Authorization header, or null. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  if (header === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of a Bearer Authorization header (RFC 6750 section 2.1: b64token syntax), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length > MAX_TOKEN_BYTES + 16) return null;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match === null ? null : match[1]!;
}

async function authenticate(header: string | undefined, checks: HttpCredentialChecks): Promise<KafkaPrincipal | null> {
  const creds = basicCredentials(header);
  if (creds !== null) return checks.basic(creds.username, creds.password);
  const token = bearerToken(header);
  if (token === null || checks.bearer === null) return null;
  try {
    return userPrincipal((await checks.bearer.validate(token)).principalName);
  } catch (err) {
    if (!(err instanceof InvalidTokenError)) throw err;
    // Which check failed is for the log only, as for OAUTHBEARER on a listener.
    log.info('refused a bearer token', { reason: err.message });
    return null;
  }
}

/** A route that runs first: answers 401 itself, or lets the request through with its principal recorded. */
export function authenticationRoute(checks: HttpCredentialChecks): Route {
  return async (req, res, url) => {
    if (url.pathname === '/health') return false;
    const principal = await authenticate(req.headers.authorization, checks);
    if (principal === null) {
      unauthorized(res, checks.bearer !== null);
      return true;
    }
    principals.set(req, principal);
    return false;
  };
}
