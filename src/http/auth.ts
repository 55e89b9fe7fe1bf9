// Authentication of the HTTP port once security is on (any SASL listener):
// Basic with an API key and secret (or a PLAIN user of a listener's JAAS
// entry). Every route but /health answers 401 without valid credentials; the
// principal of an authenticated request is available to the routes after it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KafkaPrincipal } from '../security/principal.js';
import type { PlainCredentialCheck } from '../security/sasl/plain.js';
import type { Route } from './server.js';

const principals = new WeakMap<IncomingMessage, KafkaPrincipal>();

/** The principal that authenticated this request, if authentication is on. */
export function requestPrincipal(req: IncomingMessage): KafkaPrincipal | undefined {
  return principals.get(req);
}

function unauthorized(res: ServerResponse): void {
  const text = JSON.stringify({ error_code: 401, message: 'Unauthorized' });
  res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'www-authenticate': 'Basic realm="tributary"' });
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

/** A route that runs first: answers 401 itself, or lets the request through with its principal recorded. */
export function authenticationRoute(check: PlainCredentialCheck): Route {
  return (req, res, url) => {
    if (url.pathname === '/health') return false;
    const creds = basicCredentials(req.headers.authorization);
    const principal = creds === null ? null : check(creds.username, creds.password);
    if (principal === null) {
      unauthorized(res);
      return true;
    }
    principals.set(req, principal);
    return false;
  };
}
