// One client connection: size-prefixed frames in, responses out in request
// order (clients pipeline requests and match responses by position as well as
// by correlation id).

import type { Duplex } from 'node:stream';
import { API_BY_KEY, ApiKey, ApiVersionsResponseMessage, ErrorCode } from '../protocol/generated/index.js';
import { decodeRequestHeader, encodeResponseHeader, type RequestHeader } from '../protocol/headers.js';
import { MIN_POOLED_BYTES, acquireReadBuffer, recycleResponseChunks, releaseReadBuffer } from '../protocol/read-buffers.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { createLogger } from '../observability/logger.js';
import { CLOSE_CONNECTION, NO_RESPONSE, RespondThenClose, type ConnectionInfo, type HandlerResult } from './api-handler.js';
import type { Broker } from './broker.js';
import type { RequestRouter } from './router.js';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal.js';
import type { SaslAuthenticator } from '../security/sasl/authenticator.js';

const log = createLogger('connection');

/** Stop reading while this many response bytes wait for the client to take them. */
const MAX_BUFFERED_RESPONSE_BYTES = 16 * 1024 * 1024;

/** What one connection may ask of the broker at a time. */
export interface RequestLimits {
  /** socket.request.max.bytes: the largest frame (a larger one closes the connection). */
  maxRequestBytes: number;
  /**
   * queued.max.requests, per connection: with this many requests awaiting their
   * responses the connection is not read (nor are frames already read handled)
   * until one is answered. Kafka bounds the queue between its network and
   * handler threads with it; requests here are handled as they arrive, so the
   * connection is where a client's requests pile up.
   */
  maxInFlightRequests: number;
}

interface Slot {
  done: boolean;
  /** The encoded response (size prefix first), or null when none is sent. */
  frame: Buffer[] | null;
  /** Set when the connection ends at this slot (CLOSE_CONNECTION): why, for the log. */
  closeReason?: string;
}

let nextConnectionId = 1;

/** What a connection reads requests from and answers on: a TCP socket, or one end of an in-process stream pair. */
export type ConnectionStream = Duplex & {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  setNoDelay?: (noDelay?: boolean) => unknown;
};

export class Connection implements ConnectionInfo {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  closed = false;

  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly slots: Slot[] = [];
  private paused = false;
  private draining = false;
  /** Set while frames are handled, so that a response completing meanwhile does not recurse into more. */
  private handlingFrames = false;
  private readonly maxRequestBytes: number;
  private readonly maxInFlightRequests: number;
  /** The largest frame accepted now: sasl.server.max.receive.size until a SASL client authenticates. */
  private frameLimit: number;

  constructor(
    private readonly socket: ConnectionStream,
    readonly listenerName: string,
    private readonly broker: Broker,
    private readonly router: RequestRouter,
    limits: RequestLimits,
    private readonly onClose: (c: Connection) => void,
    /** Who the client is: from its TLS certificate, later from SASL; User:ANONYMOUS otherwise. */
    public principal: KafkaPrincipal = ANONYMOUS,
    /** Set on SASL listeners: requests wait for authentication, and sessions may expire. */
    readonly sasl: SaslAuthenticator | null = null,
  ) {
    this.maxRequestBytes = limits.maxRequestBytes;
    this.maxInFlightRequests = limits.maxInFlightRequests;
    this.frameLimit = this.maxRequestBytes;
    if (sasl !== null) {
      this.frameLimit = Math.min(this.maxRequestBytes, sasl.settings.maxReceiveBytes);
      sasl.onAuthenticated = (p) => {
        this.principal = p;
        this.frameLimit = this.maxRequestBytes;
      };
    }
    this.remoteAddress = socket.remoteAddress ?? '?';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.updateReading());
    socket.on('error', (err) => log.debug('socket error', { connection: this.describe(), error: err }));
    socket.on('close', () => {
      this.closed = true;
      this.onClose(this);
    });
  }

  describe(): string {
    return `${this.id} ${this.remoteAddress}:${this.remotePort} (${this.listenerName})`;
  }

  /** Closes the connection, logging why: the reply to malformed input. */
  private abort(reason: string, fields?: Record<string, unknown>): void {
    if (this.closed) return;
    log.warn(`closing connection: ${reason}`, { connection: this.describe(), ...fields });
    this.closed = true;
    this.socket.destroy();
  }

  /** Stops reading and ends the connection once the responses already owed are written. */
  end(): void {
    this.draining = true;
    this.socket.pause();
    if (this.slots.length === 0) this.socket.end();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.handleFrames();
  }

  /** Handles the complete frames read so far, as many as queued.max.requests allows. */
  private handleFrames(): void {
    if (this.handlingFrames) return;
    this.handlingFrames = true;
    try {
      while (!this.closed && !this.draining && this.slots.length < this.maxInFlightRequests && this.buffered >= 4) {
        const size = this.peekSize();
        if (size < 0 || size > this.frameLimit) {
          this.abort(this.frameLimit === this.maxRequestBytes
            ? `request size ${size} is outside 0..socket.request.max.bytes (${this.maxRequestBytes})`
            : `frame of ${size} bytes before authentication exceeds sasl.server.max.receive.size (${this.frameLimit})`);
          return;
        }
        if (this.buffered < 4 + size) break;
        // A Produce frame that spans socket reads is copied into a pooled buffer, handed back once
        // its response is complete (see handleFrame); other frames get one of their own, since their
        // handlers may keep views of the request (JoinGroup metadata, SyncGroup assignments...).
        const pooled = this.chunks[0]!.length < 4 + size && size >= MIN_POOLED_BYTES && this.sasl?.rawTokens !== true
          && this.peekApiKey() === ApiKey.Produce;
        const whole = this.take(4 + size, pooled);
        this.handleFrame(whole.subarray(4), pooled ? whole : null);
      }
    } finally {
      this.handlingFrames = false;
    }
    this.updateReading();
  }

  /** The first n bytes of the input (n must be buffered), without taking them; copies only when they span chunks. */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    return first.length >= n ? first : Buffer.concat(this.chunks, n);
  }

  private peekSize(): number {
    return this.peek(4).readInt32BE(0);
  }

  /** The api key of the frame at the front of the input (its size is known to be there). */
  private peekApiKey(): number {
    return this.peek(6).readInt16BE(4);
  }

  /** Removes n bytes from the front of the input; copies only when they span chunks (into a pooled buffer if asked). */
  private take(n: number, pooled = false): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = pooled ? acquireReadBuffer(n) : Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const want = n - filled;
        if (c.length <= want) {
          c.copy(out, filled);
          filled += c.length;
          this.chunks.shift();
        } else {
          c.copy(out, filled, 0, want);
          filled += want;
          this.chunks[0] = c.subarray(want);
        }
      }
    }
    this.buffered -= n;
    return out;
  }

  /**
   * Decodes and dispatches one request. `pooled` is the frame's pooled buffer, if it has one: it goes
   * back to the pool when the handler's response is complete. The rule that makes that safe: the
   * Produce handler and the storage under it keep no view of a request's bytes once it has been
   * answered (the log writes them with pwrite; producer state keeps numbers). The test suite runs
   * with TRIBUTARY_POISON_POOLED_BUFFERS=1, which overwrites returned buffers, to catch a view kept.
   */
  private handleFrame(frame: Buffer, pooled: Buffer | null = null): void {
    if (this.sasl !== null && this.sasl.rawTokens) {
      this.handleRawSaslToken(frame, this.sasl);
      return;
    }
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(r);
    } catch (err) {
      this.abort('malformed request header', { error: err });
      return;
    }
    if (this.sasl !== null) {
      const refusal = this.sasl.admit(header.apiKey, Date.now());
      if (refusal !== null) {
        this.abort(refusal, { clientId: header.clientId });
        return;
      }
    }
    const api = API_BY_KEY.get(header.apiKey);
    const handler = this.router.handler(header.apiKey);
    if (api === undefined || handler === undefined) {
      this.abort(`unsupported api key ${header.apiKey}`, { clientId: header.clientId });
      return;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer with v0 and the versions we support so the client can pick one.
        this.respondUnsupportedApiVersions(header);
        return;
      }
      this.abort(`unsupported version ${header.apiVersion} of ${api.name}`, { clientId: header.clientId });
      return;
    }
    let request: unknown;
    try {
      request = api.request.decode(r, header.apiVersion);
    } catch (err) {
      this.abort(`malformed ${api.name} v${header.apiVersion} request`, { clientId: header.clientId, error: err });
      return;
    }
    const slot: Slot = { done: false, frame: null };
    this.slots.push(slot);
    let result: HandlerResult<unknown> | Promise<HandlerResult<unknown>>;
    try {
      result = handler.handle(request, { header, connection: this, broker: this.broker });
    } catch (err) {
      this.failHandler(api.name, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => {
          this.complete(slot, header, value);
          if (pooled !== null) releaseReadBuffer(pooled);
        },
        // A failed handler may still hold its request: the buffer is left to the garbage collector.
        (err: unknown) => this.failHandler(api.name, err),
      );
    } else {
      this.complete(slot, header, result);
      if (pooled !== null) releaseReadBuffer(pooled);
    }
  }

  /** After SaslHandshake v0 (pre KIP-152 clients): a bare token in, a size-prefixed token out, in order with responses. */
  private handleRawSaslToken(token: Buffer, sasl: SaslAuthenticator): void {
    const slot: Slot = { done: false, frame: null };
    this.slots.push(slot);
    sasl.rawToken(token).then(
      (challenge) => {
        if (this.closed) return;
        if (challenge === null) {
          slot.closeReason = 'SASL authentication failed';
        } else {
          const size = Buffer.allocUnsafe(4);
          size.writeInt32BE(challenge.length, 0);
          slot.frame = [Buffer.concat([size, challenge])];
        }
        slot.done = true;
        this.flushSlots();
      },
      (err: unknown) => this.failHandler('SASL', err),
    );
  }

  private failHandler(apiName: string, err: unknown): void {
    log.error(`${apiName} handler failed`, { connection: this.describe(), error: err, stack: err instanceof Error ? err.stack : undefined });
    this.abort(`internal error in ${apiName}`);
  }

  private respondUnsupportedApiVersions(header: RequestHeader): void {
    const slot: Slot = { done: false, frame: null };
    this.slots.push(slot);
    // As Apache Kafka does, only ApiVersions' own range: enough to pick a version and ask again.
    const body = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.router.advertisedVersions().filter((v) => v.apiKey === ApiKey.ApiVersions),
    };
    slot.frame = encodeFrame(ApiKey.ApiVersions, 0, header.correlationId, (w) => ApiVersionsResponseMessage.encode(w, 0, body));
    slot.done = true;
    this.flushSlots();
  }

  private complete(slot: Slot, header: RequestHeader, value: HandlerResult<unknown>): void {
    if (this.closed) return;
    if (this.sasl !== null && value instanceof RespondThenClose) {
      slot.closeReason = value.reason;
      value = value.response as HandlerResult<unknown>;
    }
    if (value === CLOSE_CONNECTION) {
      slot.closeReason = `${API_BY_KEY.get(header.apiKey)?.name ?? header.apiKey} asked to close the connection`;
    } else if (value !== NO_RESPONSE) {
      const api = API_BY_KEY.get(header.apiKey)!;
      try {
        slot.frame = encodeFrame(header.apiKey, header.apiVersion, header.correlationId, (w) => api.response.encode(w, header.apiVersion, value));
      } catch (err) {
        this.failHandler(api.name, err);
        return;
      }
    }
    slot.done = true;
    this.flushSlots();
  }

  private flushSlots(): void {
    if (this.slots.length === 0 || !this.slots[0]!.done) return;
    this.socket.cork();
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const slot = this.slots.shift()!;
      if (slot.frame !== null) this.writeFrame(slot.frame);
      if (slot.closeReason !== undefined) {
        // Everything owed before this request is written; what came after it is dropped.
        log.warn(`closing connection: ${slot.closeReason}`, { connection: this.describe() });
        this.closed = true;
        this.slots.length = 0;
        this.socket.uncork();
        this.socket.pause();
        this.socket.end();
        // A peer that never closes its side does not keep the socket forever.
        setTimeout(() => this.socket.destroy(), 10_000).unref();
        return;
      }
    }
    this.socket.uncork();
    if (this.draining) {
      if (this.slots.length === 0) this.socket.end();
      return;
    }
    // Answered requests make room: frames read while the connection was at its limit come next.
    this.handleFrames();
  }

  /** Writes a response; read buffers it carries go back to their pool once the socket has them. */
  private writeFrame(frame: Buffer[]): void {
    const last = frame.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(frame[i]!);
    // A one-chunk frame is all scratch bytes: nothing borrowed, no callback to pay for.
    if (last === 0) this.socket.write(frame[0]!);
    else this.socket.write(frame[last]!, () => recycleResponseChunks(frame));
  }

  /**
   * Reads from the socket only while the client has fewer than queued.max.requests
   * requests awaiting responses and takes its responses (which unblock both).
   */
  private updateReading(): void {
    if (this.closed || this.draining) return;
    const atLimit = this.slots.length >= this.maxInFlightRequests;
    if (!this.paused) {
      if (atLimit || this.socket.writableLength >= MAX_BUFFERED_RESPONSE_BYTES) {
        this.paused = true;
        this.socket.pause();
      }
    } else if (!atLimit && this.socket.writableLength < MAX_BUFFERED_RESPONSE_BYTES / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }
}

/** A whole response frame: size prefix, header, body; large record sets stay uncopied. */
export function encodeFrame(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void): Buffer[] {
  const w = new Writer(512);
  w.int32(0); // size, patched below
  encodeResponseHeader(w, apiKey, apiVersion, correlationId);
  body(w);
  const size = w.length - 4;
  const chunks = w.toChunks();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}
