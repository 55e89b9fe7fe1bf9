// Mutated request frames sent to a running broker over TCP. For each frame the
// broker must answer or close the connection within a deadline (long-polling
// APIs may legitimately hold a request: they are counted, not failed); after
// each burst a fresh connection must still get ApiVersions and Metadata
// answered; the broker process must stay alive, log no ERROR (a handler that
// threw), and its RSS must not grow by what the frames merely claim.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { ApiKey, API_BY_KEY, ProduceRequestMessage, type ProduceRequest } from '../../../src/protocol/generated/index.js';
import { decodeRequestHeader } from '../../../src/protocol/headers.js';
import { Reader } from '../../../src/protocol/reader.js';
import { WireClient } from '../../helpers/wire-client.js';
import { fuzzCaseArb, materialize } from './mutations.js';
import { cases } from './decoder-fuzz.js';
import type { Seed } from './seeds.js';

export interface LiveTarget {
  host: string;
  port: number;
  /** False once the broker process has exited. */
  alive(): boolean;
  /** The broker's resident set in bytes, or null when it cannot be read (in-process broker). */
  rssBytes(): number | null;
  /** ERROR lines the broker logged so far. */
  errors(): string[];
}

export interface LiveFuzzOptions {
  numInputs: number;
  seed: number;
  /** Frames per burst; the broker is checked between bursts. */
  burstSize?: number;
  /** Connections a burst spreads its frames over. */
  connections?: number;
  /** How long one frame may go unanswered before it counts as slow (long polls: as held). */
  answerTimeoutMs?: number;
  /** How long a request that is no long poll may go unanswered before the broker counts as hung. */
  hungAfterMs?: number;
  /** Fail when RSS grows more than this over its value after the first burst. */
  rssGrowthLimitBytes?: number;
}

export interface LiveFuzzStats {
  inputs: number;
  answered: number;
  closed: number;
  /** Answered or closed, but only after answerTimeoutMs. */
  slow: number;
  /** Never answered, by API: long polls and acks=0 produces are fine, others are failures. */
  held: Record<string, number>;
  bursts: number;
  healthChecks: number;
  rssStartBytes: number | null;
  rssMaxBytes: number | null;
  failures: string[];
  elapsedMs: number;
}

/** Requests that may wait on the broker's side for as long as the client asked. */
const LONG_POLLS = new Set<number>([ApiKey.Fetch, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat]);

/** A Produce with acks=0 gets no response by design (Kafka's too). */
function unanswered(frame: Buffer): boolean {
  try {
    const r = new Reader(frame);
    const h = decodeRequestHeader(r);
    if (h.apiKey !== ApiKey.Produce) return false;
    return (ProduceRequestMessage.decode(r, h.apiVersion) as ProduceRequest).acks === 0;
  } catch {
    return false;
  }
}

type FrameOutcome = 'answered' | 'closed' | 'held';

/** One connection that sends frames one at a time and waits for each answer or the close. */
class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiter: ((o: FrameOutcome) => void) | null = null;
  isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        this.buffered = this.buffered.subarray(4 + this.buffered.readInt32BE(0));
        this.settle('answered');
      }
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.settle('closed');
    });
    socket.on('error', () => {});
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      s.once('connect', () => { s.removeAllListeners('error'); resolve(new RawConnection(s)); });
      s.once('error', reject);
    });
  }

  private settle(o: FrameOutcome): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(o);
  }

  send(frame: Buffer, timeoutMs: number): Promise<FrameOutcome> {
    if (this.isClosed) return Promise.resolve('closed');
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(frame.length);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle('held'), timeoutMs);
      this.waiter = (o) => { clearTimeout(timer); resolve(o); };
      this.socket.write(Buffer.concat([prefix, frame]));
    });
  }

  /** Keeps waiting for the answer (or the close) to the frame last sent. */
  waitMore(timeoutMs: number): Promise<FrameOutcome> {
    if (this.isClosed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle('held'), timeoutMs);
      this.waiter = (o) => { clearTimeout(timer); resolve(o); };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A fresh connection gets ApiVersions and Metadata answered within the deadline. */
export async function brokerServes(host: string, port: number, timeoutMs = 10_000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer to a health check within ${timeoutMs} ms`), timeoutMs); });
  const check = (async (): Promise<string | null> => {
    const c = await WireClient.connect(host, port, timeoutMs);
    try {
      const v = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'reliability', clientSoftwareVersion: '1' });
      if (v.errorCode !== 0) return `ApiVersions answered error ${v.errorCode}`;
      const m = await c.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      if (m.brokers.length !== 1) return `Metadata lists ${m.brokers.length} brokers`;
      return null;
    } finally {
      c.close();
    }
  })().catch((err: unknown) => `health check failed: ${err instanceof Error ? err.message : String(err)}`);
  try {
    return await Promise.race([check, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runLiveFuzz(target: LiveTarget, seeds: readonly Seed[], opts: LiveFuzzOptions): Promise<LiveFuzzStats> {
  const burstSize = opts.burstSize ?? 200;
  const connections = opts.connections ?? 8;
  const answerTimeoutMs = opts.answerTimeoutMs ?? 3000;
  const hungAfterMs = opts.hungAfterMs ?? 30_000;
  const rssLimit = opts.rssGrowthLimitBytes ?? 256 * 1024 * 1024;
  const stats: LiveFuzzStats = {
    inputs: 0, answered: 0, closed: 0, slow: 0, held: {}, bursts: 0, healthChecks: 0,
    rssStartBytes: null, rssMaxBytes: null, failures: [], elapsedMs: 0,
  };
  const started = Date.now();
  const errorsBefore = target.errors().length;
  let errorsSeen = 0;
  const frames = cases(seeds, fuzzCaseArb(seeds.length), { numRuns: Math.max(0, opts.numInputs - seeds.length), seed: opts.seed });
  let done = false;
  const fail = (message: string): void => {
    // One line per kind of failure: the numbers in it differ from input to input.
    const key = message.replace(/[0-9a-f]{16,}/g, '').replace(/\d+/g, 'N').slice(0, 120);
    if (!seen.has(key)) { seen.add(key); stats.failures.push(message); }
  };
  const seen = new Set<string>();
  while (!done) {
    const burst: Buffer[] = [];
    for (let i = 0; i < burstSize; i++) {
      const next = frames.next();
      if (next.done) { done = true; break; }
      burst.push(Buffer.isBuffer(next.value) ? next.value : materialize(next.value, seeds));
    }
    if (burst.length === 0) break;
    stats.bursts++;
    // Each lane sends its share of the burst on one connection, reconnecting after a close.
    const lanes = Promise.all(Array.from({ length: connections }, async (_, lane) => {
      let conn: RawConnection | null = null;
      for (let i = lane; i < burst.length; i += connections) {
        const frame = burst[i]!;
        if (conn === null || conn.isClosed) conn = await RawConnection.open(target.host, target.port);
        let outcome = await conn.send(frame, answerTimeoutMs);
        stats.inputs++;
        const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
        const mayHold = LONG_POLLS.has(apiKey) || unanswered(frame);
        // Legitimate but heavy requests (thousands of partitions) may take a while: slow, not hung.
        if (outcome === 'held' && !mayHold) {
          stats.slow++;
          outcome = await conn.waitMore(hungAfterMs - answerTimeoutMs);
        }
        if (outcome === 'held') {
          const name = API_BY_KEY.get(apiKey)?.name ?? `api ${apiKey}`;
          stats.held[name] = (stats.held[name] ?? 0) + 1;
          if (!mayHold) fail(`${name} request unanswered for ${hungAfterMs} ms: ${frame.toString('hex').slice(0, 400)}`);
          // The connection owes an answer; later frames go on a new one.
          conn.close();
          conn = null;
        } else {
          stats[outcome]++;
        }
      }
      conn?.close();
    }));
    try {
      await lanes;
    } catch (err) {
      fail(`could not connect: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!target.alive()) {
      fail('the broker process exited');
      break;
    }
    stats.healthChecks++;
    const health = await brokerServes(target.host, target.port);
    if (health !== null) fail(`after burst ${stats.bursts}: ${health}`);
    const rss = target.rssBytes();
    if (rss !== null) {
      stats.rssStartBytes ??= rss;
      stats.rssMaxBytes = Math.max(stats.rssMaxBytes ?? 0, rss);
      if (rss - stats.rssStartBytes > rssLimit) fail(`RSS grew from ${stats.rssStartBytes} to ${rss} bytes`);
    }
    for (const e of target.errors().slice(errorsBefore + errorsSeen)) fail(`broker logged: ${e.slice(0, 600)}`);
    errorsSeen = target.errors().length - errorsBefore;
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}

/** VmRSS of a process, from /proc (Linux); null when it cannot be read. */
export function rssOfPid(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The ERROR lines in a broker's output: a handler that threw, a failed append. */
export function errorLines(output: string): string[] {
  return output.split('\n').filter((l) => / ERROR \[/.test(l));
}
