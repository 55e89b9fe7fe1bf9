// A TCP proxy in front of a broker that can lose a response on purpose: the
// request reaches the broker (and takes effect), then the connection is cut
// before its response gets back. It reads frame headers only (api key and
// correlation id), forwarding the bytes unchanged.
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Correlation ids whose responses are to be lost. */
  doomed: Set<number>;
}

class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  /** Appends bytes; returns the complete frames (size prefix included). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) break;
      out.push(this.buf.subarray(0, 4 + size));
      this.buf = this.buf.subarray(4 + size);
    }
    return out;
  }
}

export class FaultProxy {
  /** API keys of the requests seen, in order. */
  readonly requests: number[] = [];
  target: { host: string; port: number } | null = null;
  private readonly pairs = new Set<Pair>();
  private armed = new Map<number, number>();
  /** "apiKey/clientId" of requests swallowed: never forwarded, never answered. */
  private readonly blackholes = new Set<string>();
  private dropped: (() => void)[] = [];

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = createServer((socket) => proxy!.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    proxy = new FaultProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
    return proxy;
  }

  /** The next `count` requests with this api key reach the broker; their responses never come back. Resolves when one was lost. */
  loseResponseOf(apiKey: number, count = 1): Promise<void> {
    this.armed.set(apiKey, (this.armed.get(apiKey) ?? 0) + count);
    return new Promise((resolve) => this.dropped.push(resolve));
  }

  /** Requests with this api key from this client id vanish until restore() (a stalled client, as the broker sees it). */
  blackhole(apiKey: number, clientId: string): void {
    this.blackholes.add(`${apiKey}/${clientId}`);
  }

  restore(): void {
    this.blackholes.clear();
  }

  /** Cuts every connection now. */
  cutAll(): void {
    for (const p of this.pairs) this.cut(p);
  }

  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.target === null) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target);
    const pair: Pair = { client, upstream, doomed: new Set() };
    this.pairs.add(pair);
    const requests = new FrameSplitter();
    const responses = new FrameSplitter();
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const apiKey = frame.readInt16BE(4);
        this.requests.push(apiKey);
        // Request header v1/v2: size, api key, version, correlation id, then the client id (int16 length + bytes).
        const idLength = frame.readInt16BE(12);
        const clientId = idLength < 0 ? '' : frame.toString('utf8', 14, 14 + idLength);
        if (this.blackholes.has(`${apiKey}/${clientId}`)) continue;
        const n = this.armed.get(apiKey) ?? 0;
        if (n > 0) {
          this.armed.set(apiKey, n - 1);
          pair.doomed.add(frame.readInt32BE(8));
        }
        upstream.write(frame);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        if (pair.doomed.has(frame.readInt32BE(4))) {
          this.cut(pair);
          this.dropped.shift()?.();
          return;
        }
        client.write(frame);
      }
    });
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => this.cut(pair));
    }
  }

  private cut(p: Pair): void {
    if (!this.pairs.delete(p)) return;
    p.client.destroy();
    p.upstream.destroy();
  }
}
