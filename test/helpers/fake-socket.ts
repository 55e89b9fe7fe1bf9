// A socket stand-in for driving a broker Connection directly: it records what
// is written and holds the write callbacks until the test runs them.
import { EventEmitter } from 'node:events';

export class FakeSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  readonly callbacks: (() => void)[] = [];
  remoteAddress = '127.0.0.1';
  remotePort = 5555;
  writableLength = 0;
  setNoDelay(): this { return this; }
  cork(): void {}
  uncork(): void {}
  /** Whether the connection asked it to stop reading. */
  paused = false;
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }
  end(): this { return this; }
  destroy(): this { return this; }
  write(chunk: Buffer, cb?: () => void): boolean {
    this.written.push(chunk);
    if (cb !== undefined) this.callbacks.push(cb);
    return true;
  }
}
