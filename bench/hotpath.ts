// Broker CPU per request on the produce and fetch paths, for before/after
// comparisons of hot-path changes (bench/OPTIMISATIONS.md). Starts Tributary
// from dist/ as a child process and drives it over loopback with pre-encoded
// requests (so the client costs almost nothing), then reads the broker's own
// CPU time from /proc: CPU per request is far steadier on a busy machine than
// throughput.
//
//   node --import tsx bench/hotpath.ts [--label NAME] [--rounds 5] [--requests 3000] [--tree DIR] [--phases produce,fetch,tail]
//
// --tree runs the broker from another copy of the repo (bin/, dist/, node_modules/),
// to compare two builds back to back while the working tree keeps changing.
//
// produce: Produce v9, acks=-1, 8 partitions x one 16-record batch of 1 KiB values, 8 in flight.
// fetch:   Fetch v12 (no session), 8 partitions from offset 0, 1 MiB per partition, 4 in flight
//          (the same stored bytes every time: the read, framing and socket path, not the disk).
// tail:    one Fetch (min_bytes 1, max_wait 500 ms) parked on the 8 partitions, then one produce
//          to one partition: the time from the produce's send to the fetch response (wake-up path).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { API_BY_KEY, ApiKey, type ListOffsetsRequestInput } from '../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../test/helpers/record-batch.js';
import { WireClient, encodeRequestFrame } from '../test/helpers/wire-client.js';
import { TributarySystem } from './lib/systems.js';
import { createTopics, firstAcknowledgedProduce } from './lib/wire.js';

const repo = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const label = opt('label', 'run');
const rounds = Number(opt('rounds', '5'));
const requests = Number(opt('requests', '3000'));
const phases = opt('phases', 'produce,fetch,tail').split(',');
const PARTITIONS = 8;
const TOPIC = 'hot';

/** Broker CPU time (user + system) in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Sends frames with at most `depth` awaiting responses; resolves when all are answered. */
function pipeline(sock: Socket, frames: Buffer[], count: number, depth: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let bytes = 0;
    // Only the size prefixes are parsed: skip = body bytes of the current response still to come.
    let skip = 0;
    let head: Buffer = Buffer.alloc(0);
    const send = (): void => {
      while (sent < count && sent - answered < depth) sock.write(frames[sent++ % frames.length]!);
    };
    const onData = (chunk: Buffer): void => {
      let pos = 0;
      while (pos < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - pos);
          skip -= n;
          pos += n;
          if (skip === 0) answered++;
          continue;
        }
        const need = 4 - head.length;
        head = Buffer.concat([head, chunk.subarray(pos, pos + need)]);
        pos += Math.min(need, chunk.length - pos);
        if (head.length === 4) {
          skip = head.readInt32BE(0);
          bytes += 4 + skip;
          head = Buffer.alloc(0);
          if (skip === 0) answered++;
        }
      }
      if (answered === count) {
        sock.off('data', onData);
        resolve(bytes);
      } else send();
    };
    sock.on('data', onData);
    send();
  });
}

function frame(apiKey: number, version: number, body: object): Buffer {
  const api = API_BY_KEY.get(apiKey)!;
  return encodeRequestFrame(apiKey, version, 1, 'hotpath', (w) => api.request.encode(w, version, body as never));
}

async function main(): Promise<void> {
  const sys = new TributarySystem(opt('tree', repo));
  await sys.prepare();
  mkdirSync(join(repo, 'bench', '.build'), { recursive: true });
  const b = await sys.start({ logFile: join(repo, 'bench', '.build', `hotpath-${label}.log`) });
  const out: Record<string, number[]> = { produceCpuUsPerReq: [], produceMBps: [], fetchCpuUsPerReq: [], fetchMBps: [], tailWakeUs: [] };
  try {
    await firstAcknowledgedProduce(b.host, b.port, 'warm');
    await createTopics(b.host, b.port, [{ name: TOPIC, partitions: PARTITIONS }]);
    const sock = connect({ host: b.host, port: b.port });
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('connect', r));

    const batch = buildSimpleBatch(16, { valueSize: 1024, baseTimestamp: Date.now() });
    const produce = frame(ApiKey.Produce, 9, {
      transactionalId: null, acks: -1, timeoutMs: 30_000,
      topicData: [{ name: TOPIC, partitionData: Array.from({ length: PARTITIONS }, (_, p) => ({ index: p, records: batch })) }],
    });
    const fetch = frame(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 64 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
        partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 * 1024,
      })) }],
      forgottenTopicsData: [], rackId: '',
    });
    // Warm up both paths (JIT) before measuring.
    await pipeline(sock, [produce], 500, 8);
    await pipeline(sock, [fetch], 200, 4);

    for (let r = 0; r < rounds; r++) {
      if (phases.includes('produce')) {
        const c0 = cpuMs(b.pid);
        const t0 = performance.now();
        await pipeline(sock, [produce], requests, 8);
        const ms = performance.now() - t0;
        out['produceCpuUsPerReq']!.push(((cpuMs(b.pid) - c0) * 1000) / requests);
        out['produceMBps']!.push((requests * produce.length) / 1e6 / (ms / 1000));
      }
      if (phases.includes('fetch')) {
        const c0 = cpuMs(b.pid);
        const t0 = performance.now();
        const fetches = Math.max(1, Math.floor(requests / 4));
        const bytes = await pipeline(sock, [fetch], fetches, 4);
        const ms = performance.now() - t0;
        out['fetchCpuUsPerReq']!.push(((cpuMs(b.pid) - c0) * 1000) / fetches);
        out['fetchMBps']!.push(bytes / 1e6 / (ms / 1000));
      }
    }

    // Tail wake-up: a parked fetch at the log end, then one produce to one partition.
    const small = buildSimpleBatch(1, { valueSize: 100, baseTimestamp: Date.now() });
    const one = frame(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: small }] }] });
    const fetchSock = connect({ host: b.host, port: b.port });
    fetchSock.setNoDelay(true);
    await new Promise((r) => fetchSock.once('connect', r));
    for (let i = 0; i < (phases.includes('tail') ? 200 : 0); i++) {
      // Where each partition ends now: a ListOffsets would do; a produce response tells us partition 0's end.
      const ends = await logEnds(b.host, b.port);
      const parked = frame(ApiKey.Fetch, 12, {
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: ends.map((end, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: end, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 * 1024 })) }],
        forgottenTopicsData: [], rackId: '',
      });
      const answered = pipeline(fetchSock, [parked], 1, 1);
      await new Promise((r) => setTimeout(r, 5));
      const t0 = performance.now();
      await pipeline(sock, [one], 1, 1);
      await answered;
      out['tailWakeUs']!.push((performance.now() - t0) * 1000);
    }
    fetchSock.destroy();
    sock.destroy();
  } finally {
    await b.stop();
  }
  const med = (xs: number[]): number => [...xs].sort((a, c) => a - c)[xs.length >> 1]!;
  const summary = Object.fromEntries(Object.entries(out).filter(([, v]) => v.length > 0).map(([k, v]) => [k, { median: Number(med(v).toFixed(1)), min: Number(Math.min(...v).toFixed(1)), runs: v.map((x) => Number(x.toFixed(1))) }]));
  const file = join(repo, 'bench', '.build', `hotpath-${label}.json`);
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  for (const [k, v] of Object.entries(summary)) console.log(`${label}  ${k.padEnd(20)} median ${String(v.median).padStart(8)}  min ${String(v.min).padStart(8)}`);
}

/** Log end offsets of the topic's partitions (ListOffsets latest). */
async function logEnds(host: string, port: number): Promise<number[]> {
  const c = await WireClient.connect(host, port);
  try {
    const body: ListOffsetsRequestInput = {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1 })) }],
    };
    const r = await c.request(ApiKey.ListOffsets, 7, body);
    const parts = r.topics[0]!.partitions;
    return Array.from({ length: PARTITIONS }, (_, p) => parts.find((x) => x.partitionIndex === p)!.offset);
  } finally {
    c.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`hotpath failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
