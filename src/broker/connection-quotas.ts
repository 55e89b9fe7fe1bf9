// max.connections, max.connections.per.ip and max.connections.per.ip.overrides,
// applied to sockets as the listeners accept them, the way Kafka's
// ConnectionQuotas does:
// - max.connections counts the connections of all listeners. At the limit
//   Kafka's acceptor stops accepting and waits for a slot, so a new client's
//   TCP connect succeeds (the kernel's backlog) but nothing answers it until
//   another connection closes. Here such a socket is held, unread beyond a
//   small buffer, in a FIFO of at most MAX_WAITING_CONNECTIONS, and becomes a
//   connection when a slot frees; one whose client gives up leaves the FIFO.
// - max.connections.per.ip (with its overrides) is checked once a socket has
//   its slot, as in Kafka: one connection too many from an address is closed
//   at once. Host names in the overrides are resolved (every address) when
//   the setting takes effect, as Kafka resolves them then.
// The limits are read on every accept, so a dynamic change applies to the
// next connection. In-process connections (the platform's own services) do
// not go through here and are never counted.

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import type { BrokerConfig } from '../config/broker-config.js';
import { createLogger } from '../observability/logger.js';

const log = createLogger('server');

export interface ConnectionLimits {
  /** max.connections */
  maxConnections: number;
  /** max.connections.per.ip */
  maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides: host name or IP -> limit. */
  perIpOverrides: ReadonlyMap<string, number>;
}

export function connectionLimitsFrom(config: BrokerConfig): ConnectionLimits {
  return {
    maxConnections: config.int('max.connections'),
    maxConnectionsPerIp: config.int('max.connections.per.ip'),
    perIpOverrides: config.maxConnectionsPerIpOverrides,
  };
}

/** Sockets held while max.connections is reached; one more is closed at once (the backlog would be full). */
export const MAX_WAITING_CONNECTIONS = 1024;
/**
 * What a held socket's client may send before it is admitted. Reading it lets
 * a client's close be noticed; past this much the socket is no longer read.
 */
const MAX_WAITING_BYTES = 64 * 1024;

/**
 * Starts serving an admitted socket; `release` gives its slot back once the connection is gone.
 * `wasRead` says whether the socket was read while it waited (what it sent is put back first).
 */
export type AdmitSocket = (socket: Socket, release: () => void, wasRead: boolean) => void;

interface Held {
  socket: Socket;
  chunks: Buffer[];
  start: AdmitSocket;
  detach(): void;
}

interface ResolvedOverrides {
  /** The overrides these were resolved from, as text: resolved again only when they change. */
  key: string;
  byIp: Map<string, number>;
  /** Set while host names are being resolved; per-IP checks wait for it. */
  resolving: Promise<void> | null;
}

/**
 * The canonical text of an IP address, so that overrides and peers compare
 * equal however they are written: IPv4-mapped IPv6 (an IPv4 client of a
 * dual-stack listener) as IPv4, IPv6 compressed and in lower case. Null for
 * anything that is not an IP address (a host name).
 */
export function canonicalIp(address: string): string | null {
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return null;
  if (a.includes('%')) return a; // a zone id: URL cannot canonicalise it
  const canonical = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped === null) return canonical;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** New connections wait for the overrides' names to resolve; a resolver that hangs must not hold them longer. */
const RESOLVE_TIMEOUT_MS = 5000;

async function resolveAll(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([dnsLookup(host, { all: true }), timeout])).map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

function overridesKey(overrides: ReadonlyMap<string, number>): string {
  return JSON.stringify([...overrides]);
}

export class ConnectionQuotas {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly held: Held[] = [];
  private overrides: ResolvedOverrides;
  private admitting = false;
  private warnedQueueFull = false;
  private closed = false;

  constructor(
    private readonly limits: () => ConnectionLimits,
    private readonly resolveHost: (host: string) => Promise<string[]> = resolveAll,
  ) {
    // Resolve host names before the first client arrives.
    this.overrides = this.resolve(limits().perIpOverrides);
  }

  /** Connections counted against max.connections now. */
  get connectionCount(): number {
    return this.total;
  }

  /** Sockets waiting for a slot. */
  get waitingCount(): number {
    return this.held.length;
  }

  /** A socket just accepted: started at once, held until a slot frees, or closed. */
  accept(socket: Socket, start: AdmitSocket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const { maxConnections } = this.currentLimits();
    // Those already waiting go first.
    if (this.held.length === 0 && this.total < maxConnections) {
      this.admit(socket, null, start);
      return;
    }
    if (this.held.length >= MAX_WAITING_CONNECTIONS) {
      if (!this.warnedQueueFull) {
        log.warn('max.connections reached and the queue of waiting connections is full; closing new connections', { maxConnections, waiting: this.held.length });
        this.warnedQueueFull = true;
      }
      socket.destroy();
      return;
    }
    this.hold(socket, start);
  }

  /** The limits may have changed (dynamic broker configs): admits whoever fits now. */
  limitsChanged(): void {
    this.admitHeld();
  }

  /** Stops admitting and closes the sockets still waiting (shutdown). */
  close(): void {
    this.closed = true;
    for (const h of this.held.splice(0)) {
      h.detach();
      h.socket.destroy();
    }
  }

  private currentLimits(): ConnectionLimits {
    const limits = this.limits();
    // Any dynamic broker config change makes a new map; only a different setting is resolved again.
    if (overridesKey(limits.perIpOverrides) !== this.overrides.key) this.overrides = this.resolve(limits.perIpOverrides);
    return limits;
  }

  private resolve(source: ReadonlyMap<string, number>): ResolvedOverrides {
    const byIp = new Map<string, number>();
    const literals = new Set<string>();
    const hosts: [string, number][] = [];
    for (const [host, limit] of source) {
      const ip = canonicalIp(host);
      if (ip === null) {
        hosts.push([host, limit]);
      } else {
        byIp.set(ip, limit);
        literals.add(ip);
      }
    }
    const resolved: ResolvedOverrides = { key: overridesKey(source), byIp, resolving: null };
    if (hosts.length > 0) {
      resolved.resolving = Promise.all(hosts.map(async ([host, limit]) => {
        try {
          for (const address of await this.resolveHost(host)) {
            const ip = canonicalIp(address);
            // An address written out in the overrides is more specific than a name that resolves to it.
            if (ip !== null && !literals.has(ip)) byIp.set(ip, limit);
          }
        } catch (err) {
          log.warn('cannot resolve a host of max.connections.per.ip.overrides; its override does not apply', { host, error: (err as Error).message });
        }
      })).then(() => {
        resolved.resolving = null;
      });
    }
    return resolved;
  }

  /** Keeps a socket until a slot frees, reading (a little) so that a client that gives up is noticed. */
  private hold(socket: Socket, start: AdmitSocket): void {
    let bytes = 0;
    const h: Held = {
      socket, chunks: [], start,
      detach: () => {
        socket.pause();
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', ignore);
      },
    };
    const onData = (chunk: Buffer): void => {
      h.chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= MAX_WAITING_BYTES) socket.pause();
    };
    const onClose = (): void => {
      const i = this.held.indexOf(h);
      if (i >= 0) this.held.splice(i, 1);
      h.detach();
    };
    // 'close' follows; the error itself says nothing the broker acts on.
    const ignore = (): void => {};
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', ignore);
    // A listener's sockets arrive paused (pauseOnConnect), and a 'data' listener does not resume those.
    socket.resume();
    this.held.push(h);
    log.debug('max.connections reached; the connection waits for a slot', { remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, waiting: this.held.length });
  }

  private admitHeld(): void {
    // A refusal below frees the slot again while this loop runs; the loop takes care of it.
    if (this.admitting || this.closed) return;
    this.admitting = true;
    try {
      while (this.held.length > 0 && this.total < this.currentLimits().maxConnections) {
        const h = this.held.shift()!;
        h.detach();
        this.admit(h.socket, h, h.start);
      }
      if (this.held.length < MAX_WAITING_CONNECTIONS) this.warnedQueueFull = false;
    } finally {
      this.admitting = false;
    }
  }

  /** The socket has a broker-wide slot; the per-IP limit decides whether it is served. */
  private admit(socket: Socket, held: Held | null, start: AdmitSocket): void {
    this.total++;
    const resolving = this.overrides.resolving;
    if (resolving === null) {
      this.checkIpAndStart(socket, held, start);
      return;
    }
    // Host names of the overrides are still being resolved (just after a change): the check waits.
    const ignore = (): void => {};
    socket.on('error', ignore);
    void resolving.then(() => {
      socket.off('error', ignore);
      this.checkIpAndStart(socket, held, start);
    });
  }

  private checkIpAndStart(socket: Socket, held: Held | null, start: AdmitSocket): void {
    const ip = canonicalIp(socket.remoteAddress ?? '') ?? socket.remoteAddress ?? '?';
    const count = this.perIp.get(ip) ?? 0;
    const limits = this.currentLimits();
    const max = this.overrides.byIp.get(ip) ?? limits.maxConnectionsPerIp;
    if (socket.destroyed || this.closed || count >= max) {
      if (!socket.destroyed && !this.closed) log.info(`Rejected connection from ${ip}, address already has the configured maximum of ${max} connections.`);
      socket.destroy();
      this.total--;
      this.admitHeld();
      return;
    }
    this.perIp.set(ip, count + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
      this.admitHeld();
    };
    // What a held client sent while it waited is read first.
    if (held !== null && held.chunks.length > 0) socket.unshift(Buffer.concat(held.chunks));
    start(socket, release, held !== null);
    // A held socket was paused; the connection reads it from here on.
    if (held !== null) socket.resume();
  }
}
