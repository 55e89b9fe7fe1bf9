// One client connection: size-prefixed frames in, responses out in request
// order (clients pipeline requests and match responses by position as well as
// by correlation id).

import type { Duplex } from 'node:stream';
import type { ReadTarget } from './socket-reads.js';
import { UNLIMITED_REQUEST_MEMORY, type RequestMemory } from './request-memory.js';
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
/**
 * An adopted socket reads the rest of a frame straight into the frame's own buffer when at least this
 * much of it is missing (one copy fewer); shorter remainders go through the scratch buffer, which also
 * picks up the frames pipelined after them in the same read.
 */
const DIRECT_READ_MIN_BYTES = 16 * 1024;
/**
 * A frame up to this size gets its whole buffer as soon as its size is known; a larger one gets room that
 * doubles as its bytes arrive, so memory follows what a client has sent, not the size it announces
 * (a 4-byte prefix could otherwise claim socket.request.max.bytes per connection).
 */
const EAGER_FRAME_BYTES = 1024 * 1024;

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
  /** queued.max.request.bytes, shared by every connection of the broker (none when absent). */
  requestMemory?: RequestMemory;
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

export class Connection implements ConnectionInfo, ReadTarget {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  closed = false;

  /** The next frame's size and api key (6 bytes) while they arrive in pieces. */
  private readonly prefix = Buffer.alloc(6);
  private prefixFilled = 0;
  /**
   * The frame being read: its size, room for it (all of it, or for a frame over EAGER_FRAME_BYTES room
   * that doubles as its bytes arrive), how much has arrived, and whether its buffer is to be pooled.
   */
  private partial: Buffer | null = null;
  private partialSize = 0;
  private partialFilled = 0;
  private partialPooled = false;
  /** queued.max.request.bytes: this connection holds the frame being read and those in `ready` (queuedBytes). */
  private readonly memory: RequestMemory;
  /** Input after a frame the budget had no room for: read again once it has (the socket is paused meanwhile). */
  private stash: Buffer | null = null;
  /** Whole frames read and not yet handled (queued.max.requests holds them back). */
  private readonly ready: { frame: Buffer; pooled: boolean }[] = [];
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
    /** Set when the socket reads through this connection's ReadTarget (socket-reads.ts) rather than emitting 'data'. */
    adopted = false,
  ) {
    this.maxRequestBytes = limits.maxRequestBytes;
    this.maxInFlightRequests = limits.maxInFlightRequests;
    this.memory = limits.requestMemory ?? UNLIMITED_REQUEST_MEMORY;
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
    // An adopted socket (socket-reads.ts) delivers its reads to nextReadBuffer/bytesRead instead.
    if (!adopted) socket.on('data', (chunk: Buffer) => this.receive(chunk, false));
    socket.on('drain', () => this.updateReading());
    socket.on('error', (err) => log.debug('socket error', { connection: this.describe(), error: err }));
    socket.on('close', () => {
      this.closed = true;
      this.memory.release(this.queuedBytes());
      this.onClose(this);
    });
    // Accepted sockets arrive paused (pauseOnConnect), so that they can be adopted first.
    socket.resume();
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

  /** ReadTarget: a large frame's remainder is read straight into the frame's buffer; anything else into the shared scratch buffer. */
  nextReadBuffer(): Buffer | null {
    const p = this.partial;
    return p !== null && p.length - this.partialFilled >= DIRECT_READ_MIN_BYTES ? p.subarray(this.partialFilled) : null;
  }

  /** ReadTarget: `nread` bytes arrived at the front of `into`, valid only during this call. */
  bytesRead(into: Buffer, nread: number): void {
    if (this.closed) return;
    const p = this.partial;
    if (p !== null && into.buffer === p.buffer && into.byteOffset === p.byteOffset + this.partialFilled) {
      this.partialFilled += nread;
      if (this.partialFilled === p.length) this.partialFull();
      this.handleFrames();
      return;
    }
    this.receive(into.subarray(0, nread), true);
  }

  /**
   * Splits input into frames. A `transient` view is reused for the next read, so every frame is copied
   * out of it; otherwise (a 'data' chunk, which is ours to keep) a frame that lies whole in the chunk is
   * used in place. A Produce frame of MIN_POOLED_BYTES or more that must be copied goes into a pooled buffer.
   */
  private receive(input: Buffer, transient: boolean): void {
    if (this.stash !== null) {
      // Waiting for the budget: whatever still arrives queues behind the stash.
      this.stash = Buffer.concat([this.stash, input]);
      return;
    }
    let pos = 0;
    while (pos < input.length && !this.closed) {
      if (this.partial === null) {
        const frameStart = pos;
        // A frame's size and api key (its first two bytes) decide where it goes; usually all six
        // bytes are in this read, otherwise they are gathered in `prefix` first.
        let size: number;
        let apiKey: number;
        let body = 0;
        if (this.prefixFilled === 0 && input.length - pos >= 6) {
          size = input.readInt32BE(pos);
          if (!this.sizeAllowed(size)) return;
          if (!this.memory.tryReserve(size)) {
            this.waitForBudget(input.subarray(frameStart));
            break;
          }
          apiKey = input.readInt16BE(pos + 4);
          pos += 4;
          if (!transient && input.length - pos >= size) {
            this.ready.push({ frame: input.subarray(pos, pos + size), pooled: false });
            pos += size;
            continue;
          }
        } else {
          pos += this.fillPrefix(input, pos, 4);
          if (this.prefixFilled < 4) break;
          size = this.prefix.readInt32BE(0);
          if (!this.sizeAllowed(size)) return;
          body = Math.min(size, 2);
          pos += this.fillPrefix(input, pos, 4 + body);
          if (this.prefixFilled < 4 + body) break;
          const gathered = this.prefixFilled;
          this.prefixFilled = 0;
          if (!this.memory.tryReserve(size)) {
            this.waitForBudget(Buffer.concat([this.prefix.subarray(0, gathered), input.subarray(pos)]));
            break;
          }
          apiKey = body === 2 ? this.prefix.readInt16BE(4) : -1;
        }
        // Only a Produce frame borrows from the pool: its buffer goes back once the request is answered
        // (see handleFrame), while other handlers may keep views of their request (JoinGroup metadata,
        // SyncGroup assignments...).
        this.partialPooled = size >= MIN_POOLED_BYTES && apiKey === ApiKey.Produce && this.sasl?.rawTokens !== true;
        this.partialSize = size;
        this.partial = this.frameBuffer(Math.min(size, EAGER_FRAME_BYTES));
        this.prefix.copy(this.partial, 0, 4, 4 + body);
        this.partialFilled = body;
        if (size === body) {
          this.partialFull();
          continue;
        }
      }
      const p = this.partial!;
      const n = Math.min(p.length - this.partialFilled, input.length - pos);
      input.copy(p, this.partialFilled, pos, pos + n);
      this.partialFilled += n;
      pos += n;
      if (this.partialFilled === p.length) this.partialFull();
    }
    this.handleFrames();
  }

  /** A buffer for (part of) the frame being read: pooled when it is the whole of a frame that borrows. */
  private frameBuffer(capacity: number): Buffer {
    return this.partialPooled && capacity === this.partialSize ? acquireReadBuffer(capacity) : Buffer.allocUnsafe(capacity);
  }

  /** The room for the frame being read is full: either the frame is whole, or it gets twice the room. */
  private partialFull(): void {
    const p = this.partial!;
    if (p.length === this.partialSize) {
      this.frameComplete();
      return;
    }
    const grown = this.frameBuffer(Math.min(this.partialSize, p.length * 2));
    p.copy(grown, 0, 0, this.partialFilled);
    this.partial = grown;
  }

  /** Copies input into `prefix` until it holds `upTo` bytes; returns how many were taken. */
  private fillPrefix(input: Buffer, pos: number, upTo: number): number {
    const n = Math.max(0, Math.min(upTo - this.prefixFilled, input.length - pos));
    input.copy(this.prefix, this.prefixFilled, pos, pos + n);
    this.prefixFilled += n;
    return n;
  }

  /**
   * queued.max.request.bytes had no room for the next frame: keeps `rest` (the input from that frame on,
   * copied: a read's view is not ours) and waits for room, with the socket paused (updateReading).
   */
  private waitForBudget(rest: Buffer): void {
    this.stash = Buffer.from(rest);
    this.memory.waitForRoom(() => this.budgetFreed());
  }

  /** What this connection holds of queued.max.request.bytes: the frames read and not yet handled, and the one being read. */
  private queuedBytes(): number {
    let n = this.partial === null ? 0 : this.partialSize;
    for (const r of this.ready) n += r.frame.length;
    return n;
  }

  private budgetFreed(): void {
    const stash = this.stash;
    this.stash = null;
    if (this.closed || stash === null) return;
    this.receive(stash, false);
  }

  private sizeAllowed(size: number): boolean {
    if (size >= 0 && size <= this.frameLimit) return true;
    this.abort(this.frameLimit === this.maxRequestBytes
      ? `request size ${size} is outside 0..socket.request.max.bytes (${this.maxRequestBytes})`
      : `frame of ${size} bytes before authentication exceeds sasl.server.max.receive.size (${this.frameLimit})`);
    return false;
  }

  private frameComplete(): void {
    this.ready.push({ frame: this.partial!, pooled: this.partialPooled });
    this.partial = null;
  }

  /** Handles the whole frames read so far, as many as queued.max.requests allows. */
  private handleFrames(): void {
    if (this.handlingFrames) return;
    this.handlingFrames = true;
    try {
      while (!this.closed && !this.draining && this.slots.length < this.maxInFlightRequests && this.ready.length > 0) {
        const { frame, pooled } = this.ready.shift()!;
        // Handed to its handler: no longer queued (Kafka frees a request's receive buffer then too).
        this.memory.release(frame.length);
        this.handleFrame(frame, pooled ? frame : null);
      }
    } finally {
      this.handlingFrames = false;
    }
    this.updateReading();
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
    const atLimit = this.slots.length >= this.maxInFlightRequests || this.stash !== null;
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
