// The one HTTP server of the platform. Each REST surface (Schema Registry,
// Connect, ...) mounts its routes here as it lands; for now it answers the
// health check that tells orchestration the process is up.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createLogger } from '../observability/logger.js';

const log = createLogger('http');

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface HttpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(host: string, port: number, routes: Route[]): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error_code: 400, message: 'Malformed request URL' });
      return;
    }
    (async () => {
      for (const route of routes) if (await route(req, res, url)) return;
      sendJson(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
    })().catch((err: unknown) => {
      log.error('request failed', { method: req.method, path: url.pathname, error: err });
      if (!res.headersSent) sendJson(res, 500, { error_code: 500, message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    host,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** GET /health: 200 while the platform runs. */
export function healthRoute(details: () => Record<string, unknown>): Route {
  return (req, res, url) => {
    if (url.pathname !== '/health') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error_code: 405, message: 'HTTP 405 Method Not Allowed' });
      return true;
    }
    sendJson(res, 200, { status: 'UP', ...details() });
    return true;
  };
}
