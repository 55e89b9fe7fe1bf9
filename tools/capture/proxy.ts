// A TCP proxy that records Kafka request/response frames exchanged by a real client
// and a real broker, for golden-bytes tests of the codec.
//
//   node --import tsx tools/capture/proxy.ts --listen 19094 --upstream 127.0.0.1:19092 --client java
//
// Every complete request frame (without its 4-byte size prefix) is written to
// <out>/<ApiName>-v<version>.bin, the first one of each api/version seen in this run,
// and its response (matched by correlation id) to <ApiName>-v<version>.response.bin.
// Bytes pass through unchanged. The broker must advertise the proxy's address, or the
// client connects to the broker directly after its first metadata request.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CapturedExchange {
  api: string;
  apiKey: number;
  version: number;
  requestFile: string;
  responseFile: string | null;
  requestBytes: number;
  responseBytes: number | null;
}

export interface CaptureProxy {
  port: number;
  /** What this proxy wrote, in the order requests arrived. */
  captured: CapturedExchange[];
  /** Every api/version seen, captured or not, with a count. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

export interface CaptureProxyOptions {
  listenPort: number;
  listenHost?: string;
  upstreamHost: string;
  /** A function when the upstream starts after the proxy (it must advertise the proxy's port). */
  upstreamPort: number | (() => number);
  outDir: string;
  /** Largest frame worth keeping as a fixture; larger ones are passed through unrecorded. */
  maxFrameBytes?: number;
  log?: (line: string) => void;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function findUp(start: string, name: string): string {
  let dir = start;
  for (;;) {
    try {
      readdirSync(join(dir, name));
      return join(dir, name);
    } catch { /* keep walking */ }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no ${name} above ${start}`);
    dir = up;
  }
}

/** The repository root: the nearest directory above this file with a package.json. */
export function repoRoot(): string {
  let dir = HERE;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${HERE}`);
    dir = up;
  }
}

/** api key -> name ("Produce", "Fetch", ...) from the shared Kafka message specs. */
export function loadApiNames(): Map<number, string> {
  const names = new Map<number, string>();
  let dir: string;
  try {
    dir = findUp(HERE, join('shared', 'kafka-protocol', 'messages'));
  } catch {
    return names;
  }
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('Request.json')) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    const key = /"apiKey":\s*(\d+)/.exec(text);
    const name = /"name":\s*"(\w+)Request"/.exec(text);
    if (key && name) names.set(Number(key[1]), name[1]!);
  }
  return names;
}

/** Splits a byte stream into size-prefixed Kafka frames (payload without the prefix). */
class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (size < 0 || size > 256 * 1024 * 1024) throw new Error(`implausible frame size ${size}`);
      if (this.buf.length < 4 + size) break;
      frames.push(Buffer.from(this.buf.subarray(4, 4 + size)));
      this.buf = this.buf.subarray(4 + size);
    }
    return frames;
  }
}

export function startCaptureProxy(opts: CaptureProxyOptions): Promise<CaptureProxy> {
  const names = loadApiNames();
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const maxFrame = opts.maxFrameBytes ?? 64 * 1024;
  mkdirSync(opts.outDir, { recursive: true });
  const written = new Set<string>();
  const captured: CapturedExchange[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstreamPort = typeof opts.upstreamPort === 'function' ? opts.upstreamPort() : opts.upstreamPort;
    const upstream = createConnection({ host: opts.upstreamHost, port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const fromClient = new FrameSplitter();
    const fromBroker = new FrameSplitter();
    // correlation id -> the exchange whose response we want (null: not recorded)
    const pending = new Map<number, CapturedExchange | null>();

    const frames = (splitter: FrameSplitter, chunk: Buffer, side: string): Buffer[] => {
      try {
        return splitter.push(chunk);
      } catch (e) {
        log(`${side}: ${(e as Error).message}; closing the connection`);
        closeBoth();
        return [];
      }
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      for (const frame of frames(fromClient, chunk, 'client')) {
        if (frame.length < 8) continue;
        const apiKey = frame.readInt16BE(0);
        const version = frame.readInt16BE(2);
        const correlationId = frame.readInt32BE(4);
        const api = names.get(apiKey) ?? `Api${apiKey}`;
        const id = `${api}-v${version}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (written.has(id) || frame.length > maxFrame) {
          pending.set(correlationId, null);
          continue;
        }
        written.add(id);
        const requestFile = join(opts.outDir, `${id}.bin`);
        writeFileSync(requestFile, frame);
        const exchange: CapturedExchange = {
          api, apiKey, version, requestFile, responseFile: null, requestBytes: frame.length, responseBytes: null,
        };
        captured.push(exchange);
        pending.set(correlationId, exchange);
        log(`captured ${id} request (${frame.length} bytes)`);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      for (const frame of frames(fromBroker, chunk, 'broker')) {
        if (frame.length < 4) continue;
        const correlationId = frame.readInt32BE(0);
        const exchange = pending.get(correlationId);
        pending.delete(correlationId);
        if (!exchange) continue;
        if (frame.length > maxFrame) {
          log(`response to ${exchange.api}-v${exchange.version} is ${frame.length} bytes: not recorded`);
          continue;
        }
        const responseFile = join(opts.outDir, `${exchange.api}-v${exchange.version}.response.bin`);
        writeFileSync(responseFile, frame);
        exchange.responseFile = responseFile;
        exchange.responseBytes = frame.length;
      }
    });
    function closeBoth(): void {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    }
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', (e) => { log(`upstream: ${e.message}`); closeBoth(); });
  });

  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(opts.listenPort, opts.listenHost ?? '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.listenPort;
      res({
        port, captured, seen,
        close: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    if (!k.startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${k}`);
    out[k.slice(2)] = argv[i + 1]!;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const upstream = args['upstream'] ?? '127.0.0.1:19092';
  const [host, port] = upstream.split(':');
  const client = args['client'];
  if (!client || !args['listen']) {
    console.error('usage: proxy.ts --listen PORT --client NAME [--upstream HOST:PORT] [--out DIR]');
    process.exit(2);
  }
  const outDir = resolve(args['out'] ?? join(repoRoot(), 'test', 'fixtures', 'golden', client));
  const proxy = await startCaptureProxy({
    listenPort: Number(args['listen']), upstreamHost: host!, upstreamPort: Number(port), outDir,
  });
  console.error(`capturing ${client} on 127.0.0.1:${proxy.port} -> ${upstream} into ${outDir}; Ctrl-C to stop`);
  const stop = (): void => { void proxy.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
