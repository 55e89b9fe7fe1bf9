// The Kafka listeners: one TCP server per configured listener, in-process
// connections for the platform's own services, and the set of live
// connections so that shutdown can drain them.

import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger } from '../observability/logger.js';
import type { Broker } from './broker.js';
import { Connection } from './connection.js';
import { InProcessStream } from './in-process.js';
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
  private closing = false;

  constructor(
    private readonly broker: Broker,
    private readonly router: RequestRouter,
    private readonly maxRequestBytes: number,
  ) {}

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  async listen(spec: ListenerSpec): Promise<BoundListener> {
    const server = createServer((socket) => {
      const c = new Connection(socket, spec.name, this.broker, this.router, this.maxRequestBytes, (closed) => this.connections.delete(closed));
      this.connections.add(c);
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

  /**
   * A connection from inside this process, served as if it had arrived on
   * `listenerName`: returns the client's end of an in-process stream pair
   * (what the platform's own services use instead of a TCP socket).
   */
  connectInProcess(listenerName: string): Duplex {
    if (!this.bound.some((b) => b.name === listenerName)) throw new Error(`no listener named ${listenerName}`);
    if (this.closing) throw new Error('the Kafka server is shutting down');
    const [clientEnd, brokerEnd] = InProcessStream.pair();
    const c = new Connection(brokerEnd, listenerName, this.broker, this.router, this.maxRequestBytes, (closed) => this.connections.delete(closed));
    this.connections.add(c);
    return clientEnd;
  }

  /** Stops accepting, lets connections finish what they owe for up to graceMs, then closes them. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    const closing = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    for (const c of this.connections) c.end();
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.connections) c.destroy();
    await Promise.all(closing);
  }
}
