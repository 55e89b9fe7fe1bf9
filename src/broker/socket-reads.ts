// Socket reads into buffers the broker chooses, instead of a new buffer per read.
//
// For every read Node allocates a fresh buffer, hands it to 'data' and leaves
// it to the garbage collector. Under a steady produce load that is the whole
// request stream (75 MB/s in bench (d)), and V8 counts it as external memory:
// it drove most of the broker's mark-compacts, each a pause on the one thread
// that serves every client (bench/OPTIMISATIONS.md, change 10). net.Socket's
// `onread` option reads into a buffer supplied per read instead; a server's
// accepted sockets do not take options, so an accepted socket that has not been
// read yet is re-created around its handle with `onread` (what net.Server does
// itself, plus the option). The views a read delivers are valid only until the
// next read, so the consumer copies what it keeps (broker/connection.ts copies
// frames out, and has a large frame's remainder read straight into its own
// buffer).

import { Socket, type SocketConstructorOpts } from 'node:net';

/** Where an adopted socket's bytes go. */
export interface ReadTarget {
  /** The buffer the next read fills, or null for the shared scratch buffer. */
  nextReadBuffer(): Buffer | null;
  /** `nread` bytes were read into the front of `into` (the last buffer handed out); a view valid only during the call. */
  bytesRead(into: Buffer, nread: number): void;
}

/**
 * One scratch buffer for every adopted socket: libuv reads into it and calls
 * back before it reads any other socket, and targets copy out what they keep,
 * so it is free again when the callback returns.
 */
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | null = null;

function scratchBuffer(): Buffer {
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return scratch;
}

/** The parts of net.Socket that adopting a handle relies on (Node's own onconnection sets them). */
interface SocketInternals {
  _handle: unknown;
  server?: unknown;
  _server?: unknown;
}

/**
 * A socket on `raw`'s connection whose reads go to the target `target()`
 * returns (looked up per read, so the caller can create the target after the
 * socket). `raw` must be paused and never read (net.Server's pauseOnConnect);
 * it is not to be used afterwards. Null when the socket cannot be adopted (it
 * is already closed, or net.Socket's internals are not what they were when
 * this was written); the caller then reads `raw` as usual.
 */
export function adoptSocket(raw: Socket, target: () => ReadTarget | null): Socket | null {
  const internals = raw as unknown as SocketInternals;
  const handle = internals._handle;
  if (raw.destroyed || handle === null || typeof handle !== 'object') return null;
  let current: Buffer | null = null;
  const options = {
    handle,
    // Reading starts when the caller resumes the socket, once its target exists.
    pauseOnCreate: true,
    readable: true,
    writable: true,
    onread: {
      buffer: () => {
        current = target()?.nextReadBuffer() ?? scratchBuffer();
        return current;
      },
      callback: (nread: number, buf: Uint8Array) => {
        const into = current !== null && buf === current ? current : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
        target()?.bytesRead(into, nread);
      },
    },
  };
  const socket = new Socket(options as SocketConstructorOpts);
  // net.Server counts its connections through these (close() waits for them to end).
  const adopted = socket as unknown as SocketInternals;
  adopted.server = internals.server;
  adopted._server = internals._server;
  internals._server = null;
  internals._handle = null;
  return socket;
}
