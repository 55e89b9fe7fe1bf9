// The Kafka listeners: one TCP server per configured listener, and the set of
// live connections so that shutdown can drain them.

import { createServer, type Server } from 'node:net';
import { createLogger } from '../observability/logger.js';
import type { Broker } from './broker.js';
import { Connection } from './connection.js';
import type { RequestRouter } from './router.js';

const log = createLogger('server');

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
}

export interface BoundListener extends ListenerSpec {
  server: Server;
}

export class KafkaServer {
  private readonly connections = new Set<Connection>();
  private readonly bound: BoundListener[] = [];

  constructor(
    private readonly broker: Broker,
    private readonly router: RequestRouter,
    private readonly maxRequestBytes: number,
    /** connections.max.idle.ms: a connection with no bytes in or out for this long is closed. */
    private readonly idleTimeoutMs = 600_000,
  ) {}

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  async listen(spec: ListenerSpec): Promise<BoundListener> {
    const server = createServer((socket) => {
      const c = new Connection(socket, spec.name, this.broker, this.router, this.maxRequestBytes, (closed) => this.connections.delete(closed));
      this.connections.add(c);
      // As Kafka's Selector does: idle means no socket activity at all, so a client trickling a
      // request in a byte at a time stays, while one that went quiet (even mid-frame) is dropped.
      if (this.idleTimeoutMs > 0) {
        socket.setTimeout(this.idleTimeoutMs, () => {
          log.debug('closing idle connection (connections.max.idle.ms)', { connection: c.describe(), idleMs: this.idleTimeoutMs });
          c.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error('listener error', { listener: spec.name, error: err }));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : spec.port;
    const b: BoundListener = { ...spec, port, server };
    this.bound.push(b);
    return b;
  }

  /** Stops accepting, lets connections finish what they owe for up to graceMs, then closes them. */
  async close(graceMs = 2000): Promise<void> {
    const closing = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    for (const c of this.connections) c.end();
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.connections) c.destroy();
    await Promise.all(closing);
  }
}
