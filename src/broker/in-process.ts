// A pair of connected in-process streams: what one end writes, the other
// reads. It lets the platform's own services speak the Kafka protocol to the
// broker in the same process without a TCP socket (ARCHITECTURE.md, principle
// 6: services are clients, in-process when embedded). Like a socket, it copies
// what is written: the broker recycles its response buffers once they are
// written, and a reader may still hold views into them.

import { Duplex } from 'node:stream';

/** One end of an in-process pair; socket-like enough for a broker Connection (remoteAddress, remotePort). */
export class InProcessStream extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort = 0;
  private peer: InProcessStream | null = null;
  /** A write waiting for the peer's reader to want more (backpressure). */
  private blockedWrite: (() => void) | null = null;

  constructor(remoteAddress: string) {
    // Not half-open, like a net.Socket: once the peer has ended, this end ends too.
    super({ allowHalfOpen: false });
    this.remoteAddress = remoteAddress;
  }

  static pair(): [InProcessStream, InProcessStream] {
    const a = new InProcessStream('in-process');
    const b = new InProcessStream('in-process');
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === null || peer.destroyed) {
      callback(new Error('the other end of the in-process stream is closed'));
      return;
    }
    if (peer.push(Buffer.from(chunk))) callback();
    else peer.blockedWrite = () => callback();
  }

  override _read(): void {
    const resume = this.blockedWrite;
    this.blockedWrite = null;
    resume?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    if (peer !== null && !peer.destroyed) peer.destroy();
    callback(error);
  }
}
