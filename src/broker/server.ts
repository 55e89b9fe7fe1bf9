// The Kafka listeners: one TCP (or TLS) server per configured listener,
// in-process connections for the platform's own services, the connection
// limits (connection-quotas.ts) and the set of live connections so that
// shutdown can drain them.

import { createServer, type Server, type Socket } from 'node:net';
import { adoptSocket } from './socket-reads.js';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createLogger } from '../observability/logger.js';
import type { ListenerSecurity } from '../security/listener-security.js';
import { ANONYMOUS, INTERNAL_PRINCIPAL, userPrincipal, type KafkaPrincipal } from '../security/principal.js';
import { subjectToRfc2253 } from '../security/ssl-principal-mapper.js';
import { SaslAuthenticator } from '../security/sasl/authenticator.js';
import type { Broker } from './broker.js';
import { Connection, type RequestLimits } from './connection.js';
import { ConnectionQuotas, type ConnectionLimits } from './connection-quotas.js';
import { InProcessStream } from './in-process.js';
import type { RequestRouter } from './router.js';

const log = createLogger('server');

/** A TLS handshake that has not finished in this long is dropped (a client that connects and says nothing). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
  /** Absent: PLAINTEXT. */
  security?: ListenerSecurity;
}

export interface BoundListener extends ListenerSpec {
  server: Server;
}

export interface KafkaServerOptions extends RequestLimits {
  broker: Broker;
  router: RequestRouter;
  /** connections.max.idle.ms: a connection with no bytes in or out for this long is closed (0: never). */
  idleTimeoutMs: number;
  /**
   * max.connections and max.connections.per.ip(.overrides), read at every
   * accept: they are dynamic broker configs, and a change applies to the next connection.
   */
  connectionLimits: () => ConnectionLimits;
}

export class KafkaServer {
  private readonly connections = new Set<Connection>();
  /** TLS sockets still in their handshake: not connections yet, but shutdown must not wait for them. */
  private readonly handshaking = new Set<Socket>();
  private readonly bound: BoundListener[] = [];
  private closing = false;
  private readonly broker: Broker;
  private readonly router: RequestRouter;
  private readonly requestLimits: RequestLimits;
  private readonly idleTimeoutMs: number;
  private readonly quotas: ConnectionQuotas;

  constructor(options: KafkaServerOptions) {
    this.broker = options.broker;
    this.router = options.router;
    this.requestLimits = {
      maxRequestBytes: options.maxRequestBytes,
      maxInFlightRequests: options.maxInFlightRequests,
      ...(options.requestMemory !== undefined ? { requestMemory: options.requestMemory } : {}),
    };
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.quotas = new ConnectionQuotas(options.connectionLimits);
  }

  /** The dynamic connection limits changed: connections waiting for a slot may fit now. */
  connectionLimitsChanged(): void {
    this.quotas.limitsChanged();
  }

  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  async listen(spec: ListenerSpec): Promise<BoundListener> {
    const server = spec.security?.tls != null
      ? this.tlsServer(spec, spec.security)
      // Paused, so that an admitted socket can be adopted (socket-reads.ts) before anything is read from it.
      : createServer({ pauseOnConnect: true }, (socket) => this.quotas.accept(socket, (admitted, release, wasRead) => {
        let target: Connection | null = null;
        const adopted = wasRead ? null : adoptSocket(admitted, () => target);
        target = this.accept(adopted ?? admitted, spec, ANONYMOUS, release, adopted !== null);
      }));
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

  /** Serves a socket that the connection limits admitted; `release` gives its slot back. `adopted`: it reads through the connection (socket-reads.ts). */
  private accept(socket: Socket, spec: ListenerSpec, principal: KafkaPrincipal, release: () => void, adopted: boolean): Connection {
    const saslSettings = spec.security?.sasl ?? null;
    let describe = (): string => spec.name;
    const sasl = saslSettings === null ? null : new SaslAuthenticator(saslSettings, () => describe(), `/${socket.remoteAddress ?? ''}`);
    const onClose = (closed: Connection): void => {
      this.connections.delete(closed);
      release();
    };
    const c = new Connection(socket, spec.name, this.broker, this.router, this.requestLimits, onClose, principal, sasl, adopted);
    describe = () => c.describe();
    this.connections.add(c);
    // As Kafka's Selector does: idle means no socket activity at all, so a client trickling a
    // request in a byte at a time stays, while one that went quiet (even mid-frame) is dropped.
    if (this.idleTimeoutMs > 0) {
      socket.setTimeout(this.idleTimeoutMs, () => {
        log.debug('closing idle connection (connections.max.idle.ms)', { connection: c.describe(), idleMs: this.idleTimeoutMs });
        c.destroy();
      });
    }
    return c;
  }

  private tlsServer(spec: ListenerSpec, security: ListenerSecurity): Server {
    const tls = security.tls!;
    const server = createTlsServer({
      ...tls.context,
      requestCert: tls.clientAuth !== 'none',
      // "requested" accepts a client without a certificate; one that sends an untrusted certificate is refused below.
      rejectUnauthorized: tls.clientAuth === 'required',
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    });
    server.on('connection', (raw: Socket) => {
      this.handshaking.add(raw);
      raw.once('close', () => this.handshaking.delete(raw));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const principal = tlsPrincipal(socket, security);
      if (principal === null) {
        socket.destroy();
        return;
      }
      // Counted once the handshake is done (Kafka counts at accept): the handshake itself is bounded
      // by its timeout, and holding a socket mid-handshake would need the TLS layer taken apart.
      this.quotas.accept(socket, (admitted, release) => void this.accept(admitted, spec, principal, release, false));
    });
    // Garbage instead of a ClientHello, an untrusted client certificate, a timeout: that socket is gone, the listener goes on.
    server.on('tlsClientError', (err, socket) => {
      log.info('TLS handshake failed', { listener: spec.name, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, error: err.message.trim() });
      socket.destroy();
    });
    return server;
  }

  /**
   * A connection from inside this process, served as if it had arrived on
   * `listenerName`: returns the client's end of an in-process stream pair
   * (what the platform's own services use instead of a TCP socket). Its
   * principal is the internal one (User:__tributary), without SASL: nothing
   * outside the process can open such a connection.
   */
  connectInProcess(listenerName: string): Duplex {
    if (!this.bound.some((b) => b.name === listenerName)) throw new Error(`no listener named ${listenerName}`);
    if (this.closing) throw new Error('the Kafka server is shutting down');
    const [clientEnd, brokerEnd] = InProcessStream.pair();
    // Not counted against max.connections: the platform's own services must not be locked out by clients.
    const c = new Connection(brokerEnd, listenerName, this.broker, this.router, this.requestLimits, (closed) => this.connections.delete(closed), INTERNAL_PRINCIPAL);
    this.connections.add(c);
    return clientEnd;
  }

  /** Stops accepting, lets connections finish what they owe for up to graceMs, then closes them. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    const closing = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    // Before connections close and free their slots: nobody waiting is admitted any more.
    this.quotas.close();
    for (const s of this.handshaking) s.destroy();
    for (const c of this.connections) c.end();
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.connections) c.destroy();
    await Promise.all(closing);
  }
}

/**
 * The principal of a TLS connection (Kafka's DefaultKafkaPrincipalBuilder): the
 * client certificate's subject through ssl.principal.mapping.rules, or
 * User:ANONYMOUS without one. SASL_SSL connections take their SASL identity later.
 * Null refuses the connection: an untrusted certificate, or no mapping rule applies.
 */
function tlsPrincipal(socket: TLSSocket, security: ListenerSecurity): KafkaPrincipal | null {
  if (security.tls!.clientAuth === 'none') return ANONYMOUS;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return ANONYMOUS;
  const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
  if (!socket.authorized) {
    log.info('refusing a client certificate that is not trusted', { listener: security.listenerName, remote, error: String(socket.authorizationError) });
    return null;
  }
  const dn = subjectToRfc2253(cert.subject);
  try {
    return userPrincipal(security.principalMapper.map(dn));
  } catch (err) {
    log.info('refusing a client certificate', { listener: security.listenerName, remote, subject: dn, error: (err as Error).message });
    return null;
  }
}
