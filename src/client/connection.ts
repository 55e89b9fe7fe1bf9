// One connection to one broker: size-prefixed frames, correlation ids,
// pipelined requests (responses come back in request order, and are matched by
// correlation id as well), ApiVersions negotiation on open, a timeout per
// request, and the rule that a lost connection fails everything in flight
// with a retriable error. The transport is any Duplex: a TCP socket, or an
// in-process stream.

import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiKey, ErrorCode, type ApiVersionsResponse } from '../protocol/generated/index.js';
import { decodeResponseHeader, encodeRequestHeader } from '../protocol/headers.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { Apis, type ClientApi } from './apis.js';
import { KafkaClientError, clientClosed, connectionLost, responseError } from './errors.js';

export interface ConnectionOptions {
  clientId: string;
  requestTimeoutMs: number;
  /** Larger response frames end the connection (a corrupt size prefix must not allocate gigabytes). */
  maxResponseBytes?: number;
  /**
   * Opens the byte stream to a broker instead of a TCP connection: the
   * platform's services use an in-process stream when embedded.
   */
  transport?: Transport;
}

/** Opens a stream to the broker at host:port (which an in-process transport may ignore). */
export type Transport = (host: string, port: number) => Duplex | Promise<Duplex>;

export interface RequestOptions {
  /** Overrides the connection's request timeout (a Fetch adds its max wait to it). */
  timeoutMs?: number;
  /** False for a Produce with acks=0, which the broker never answers: resolves once written. */
  expectResponse?: boolean;
}

const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
/** Software name and version sent in ApiVersions v3+ (KIP-511); the name allows [a-zA-Z0-9.-]. */
const CLIENT_SOFTWARE_NAME = 'tributary-client';
const CLIENT_SOFTWARE_VERSION = '0.1.0';

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  apiName: string;
  decode(r: Reader): unknown;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class BrokerConnection {
  /** Set once the transport is gone, whatever ended it. */
  closed = false;
  /** Called once when the connection ends (the cluster forgets it). */
  onClose: (() => void) | null = null;

  private versions = new Map<number, { min: number; max: number }>();
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Where the frame being received ends (size prefix included); -1 until its size is known. */
  private frameEnd = -1;
  private closing = false;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly stream: Duplex,
    readonly address: string,
    private readonly opts: ConnectionOptions,
  ) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    // 'close' follows every error; the error itself only matters to the requests it fails.
    stream.on('error', () => {});
    this.closedPromise = new Promise((resolve) => {
      stream.on('close', () => {
        this.closed = true;
        this.failAll(connectionLost(`connection to ${this.address} ${this.closing ? 'was closed' : 'was lost'} before the response arrived`));
        this.onClose?.();
        resolve();
      });
    });
  }

  /** Opens a TCP connection (or the configured transport's stream) and negotiates API versions. */
  static async connect(host: string, port: number, opts: ConnectionOptions): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    if (opts.transport !== undefined) {
      let stream: Duplex;
      try {
        stream = await opts.transport(host, port);
      } catch (e) {
        throw new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address}: ${(e as Error).message}`, true);
      }
      return BrokerConnection.over(stream, address, opts);
    }
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const s = tcpConnect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address} within ${opts.requestTimeoutMs} ms`, true));
      }, opts.requestTimeoutMs);
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `could not connect to ${address}: ${err.message}`, true));
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        s.on('error', () => {}); // until the connection's own handler is attached
        s.setNoDelay(true);
        resolve(s);
      });
    });
    return BrokerConnection.over(socket, address, opts);
  }

  /** Uses an already open transport (TCP socket or in-process stream) and negotiates API versions. */
  static async over(stream: Duplex, address: string, opts: ConnectionOptions): Promise<BrokerConnection> {
    const c = new BrokerConnection(stream, address, opts);
    try {
      await c.negotiateVersions();
    } catch (e) {
      c.destroy();
      throw e;
    }
    return c;
  }

  /** The version to use for `api`: the highest both sides support. Throws UNSUPPORTED_VERSION if there is none. */
  versionFor(api: ClientApi<unknown, unknown>): number {
    const v = this.negotiated(api);
    if (v < 0) {
      const b = this.versions.get(api.apiKey);
      throw new KafkaClientError(
        ErrorCode.UNSUPPORTED_VERSION,
        `broker ${this.address} ${b === undefined ? 'does not support' : `supports versions ${b.min}-${b.max} of`} ${api.name}; the client needs ${api.minVersion}-${api.maxVersion}`,
        false,
      );
    }
    return v;
  }

  supports(api: ClientApi<unknown, unknown>): boolean {
    return this.negotiated(api) >= 0;
  }

  private negotiated(api: ClientApi<unknown, unknown>): number {
    const b = this.versions.get(api.apiKey);
    if (b === undefined) return -1;
    const v = Math.min(api.maxVersion, b.max);
    return v >= Math.max(api.minVersion, b.min) ? v : -1;
  }

  /** Sends one request in the negotiated version; `body` may depend on that version. */
  request<I, R>(api: ClientApi<I, R>, body: I | ((version: number) => I), opts: RequestOptions = {}): Promise<R> {
    let version: number;
    try {
      version = this.versionFor(api as ClientApi<unknown, unknown>);
    } catch (e) {
      return Promise.reject(e);
    }
    const input = typeof body === 'function' ? (body as (v: number) => I)(version) : body;
    return this.send(api, version, input, opts, (r) => api.response.decode(r, version));
  }

  private send<I, R>(api: ClientApi<I, R>, version: number, input: I, opts: RequestOptions, decode: (r: Reader) => unknown): Promise<R> {
    if (this.closed || this.closing) return Promise.reject(clientClosed(`${api.name} to ${this.address}`, 'connection'));
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId === 0x7fffffff ? 1 : this.nextCorrelationId + 1;
    let frame: Buffer;
    try {
      const w = new Writer(256);
      w.int32(0);
      encodeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: this.opts.clientId });
      api.request.encode(w, version, input);
      frame = w.toBuffer();
      frame.writeInt32BE(frame.length - 4, 0);
    } catch (e) {
      return Promise.reject(new KafkaClientError(ErrorCode.INVALID_REQUEST, `could not encode ${api.name} v${version}: ${(e as Error).message}`, false));
    }
    if (opts.expectResponse === false) {
      return new Promise((resolve, reject) => {
        this.stream.write(frame, (err) => (err ? reject(connectionLost(`${api.name} to ${this.address}: ${err.message}`)) : resolve(undefined as R)));
      });
    }
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new KafkaClientError(ErrorCode.REQUEST_TIMED_OUT, `${api.name} to ${this.address} got no response within ${timeoutMs} ms`, true));
        // Like Kafka's clients: a connection that left a request unanswered is not trusted with more.
        this.destroy();
      }, timeoutMs);
      this.pending.set(correlationId, {
        correlationId, apiKey: api.apiKey, version, apiName: api.name, decode, timer,
        resolve: resolve as (v: unknown) => void, reject,
      });
      this.stream.write(frame);
    });
  }

  /**
   * ApiVersions first, as every Kafka client does. A broker that does not know
   * our ApiVersions version answers UNSUPPORTED_VERSION in a v0 body listing
   * its own range (KIP-511); ask again in the highest version it has.
   */
  private async negotiateVersions(): Promise<void> {
    const api = Apis.ApiVersions;
    let version = api.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.send(api, version, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }, {}, (r) => {
        const errorCode = r.remaining >= 2 ? r.buf.readInt16BE(r.pos) : 0;
        return api.response.decode(r, errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version);
      }) as ApiVersionsResponse;
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const own = res.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        if (own === undefined || attempt > 0) break;
        version = Math.min(api.maxVersion, own.maxVersion);
        continue;
      }
      if (res.errorCode !== ErrorCode.NONE) throw responseError(res.errorCode, `ApiVersions to ${this.address}`);
      this.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      return;
    }
    throw new KafkaClientError(ErrorCode.UNSUPPORTED_VERSION, `broker ${this.address} supports no ApiVersions version the client knows`, false);
  }

  /** Stops sending, lets the requests in flight finish (up to the request timeout), then ends the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          const check = (): void => { if (this.pending.size === 0 || this.closed) resolve(); else timer = setTimeout(check, 5); };
          check();
        }),
        this.closedPromise,
      ]);
      clearTimeout(timer);
    }
    this.stream.end();
    // A peer that does not close its side in time is cut off.
    const cut = setTimeout(() => this.destroy(), 1000);
    await this.closedPromise;
    clearTimeout(cut);
  }

  /** Ends the connection at once; requests in flight fail with a retriable error. */
  destroy(): void {
    if (this.closed) return;
    this.stream.destroy();
  }

  /** Resolves when the connection has ended. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  private failAll(err: KafkaClientError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new KafkaClientError(err.code, `${p.apiName}: ${err.message}`, err.retriable));
    }
    this.pending.clear();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.frameEnd < 0) {
        if (this.buffered < 4) return;
        if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
        const size = this.chunks[0]!.readInt32BE(0);
        const max = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
        if (size < 4 || size > max) {
          this.protocolFailure(`response frame size ${size} is outside 4..${max}`);
          return;
        }
        this.frameEnd = 4 + size;
      }
      // Chunks are joined once the whole frame is there, not on every chunk of a large response.
      if (this.buffered < this.frameEnd) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const frame = all.subarray(4, this.frameEnd);
      const rest = all.subarray(this.frameEnd);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.frameEnd = -1;
      this.onFrame(frame);
      if (this.closed) return;
    }
  }

  private onFrame(frame: Buffer): void {
    // Every response header starts with the correlation id.
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      this.protocolFailure(`response with correlation id ${correlationId} matches no request in flight`);
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      decodeResponseHeader(r, p.apiKey, p.version);
      p.resolve(p.decode(r));
    } catch (e) {
      p.reject(new KafkaClientError(ErrorCode.CORRUPT_MESSAGE, `${p.apiName} response from ${this.address} could not be decoded: ${(e as Error).message}`, false));
    }
  }

  private protocolFailure(reason: string): void {
    this.failAll(new KafkaClientError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.address} ended: ${reason}`, true));
    this.destroy();
  }
}
