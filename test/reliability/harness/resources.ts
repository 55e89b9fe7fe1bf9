// Resource pressure on a broker process: many concurrent connections, slow
// clients trickling requests a byte at a time, idle and half-sent frames
// (connections.max.idle.ms), oversized frames and batches, and many partitions
// (create, metadata, produce, restart). Each returns its figures for the report
// and a list of failures (empty when the broker held up).
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { ApiKey, ApiVersionsRequestMessage, ErrorCode, MetadataRequestMessage, type ListOffsetsResponse } from '../../../src/protocol/generated/index.js';
import type { BrokerProcess } from '../../helpers/broker-process.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { buildSimpleBatch } from '../../helpers/record-batch.js';
import { WireClient, encodeRequestFrame } from '../../helpers/wire-client.js';
import { brokerServes, errorLines, rssOfPid } from './live-fuzz.js';

const MiB = 1024 * 1024;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** The soft and hard limits on open files of this process (the broker child inherits them). */
export function fdLimits(): { soft: string; hard: string } {
  const sh = (flag: string): string => {
    try {
      return execFileSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return { soft: sh('-Sn'), hard: sh('-Hn') };
}

function apiVersionsFrame(correlationId: number): Buffer {
  return encodeRequestFrame(ApiKey.ApiVersions, 3, correlationId, 'conn-pressure', (w) =>
    ApiVersionsRequestMessage.encode(w, 3, { clientSoftwareName: 'reliability', clientSoftwareVersion: '1' }));
}

/** Opens a socket and resolves once connected. */
function open(b: BrokerProcess): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: b.host, port: b.port });
    s.once('connect', () => { s.removeAllListeners('error'); s.on('error', () => {}); resolve(s); });
    s.once('error', reject);
  });
}

/** Resolves with the first response frame's size, or null if the socket closes or the time runs out. */
function firstAnswer(s: Socket, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const done = (v: number | null): void => { clearTimeout(timer); s.off('data', onData); s.off('close', onClose); resolve(v); };
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) done(buf.readInt32BE(0));
    };
    const onClose = (): void => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    s.on('data', onData);
    s.once('close', onClose);
  });
}

export interface ConnectionsResult {
  target: number;
  open: number;
  answered: number;
  connectFailures: number;
  connectRetries: number;
  elapsedMs: number;
  rssBeforeMiB: number;
  rssWithAllOpenMiB: number;
  brokerFdsWithAllOpen: number;
  fdLimit: { soft: string; hard: string };
  failures: string[];
}

/** n connections open at once, each answered an ApiVersions; then the broker still serves. */
export async function manyConnections(b: BrokerProcess, n: number): Promise<ConnectionsResult> {
  const pid = b.process!.pid!;
  const started = Date.now();
  const result: ConnectionsResult = {
    target: n, open: 0, answered: 0, connectFailures: 0, connectRetries: 0, elapsedMs: 0, rssBeforeMiB: (rssOfPid(pid) ?? 0) / MiB,
    rssWithAllOpenMiB: 0, brokerFdsWithAllOpen: 0, fdLimit: fdLimits(), failures: [],
  };
  const sockets: Socket[] = [];
  try {
    // Connect in waves so the listen backlog is not the thing measured.
    for (let i = 0; i < n; i += 250) {
      // A refused or reset connect (the listen backlog overflowing) is retried, as clients do.
      const wave = await Promise.allSettled(Array.from({ length: Math.min(250, n - i) }, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await open(b);
          } catch (err) {
            if (attempt === 3) throw err;
            result.connectRetries++;
            await sleep(100 * attempt);
          }
        }
      }));
      for (const w of wave) {
        if (w.status === 'fulfilled') sockets.push(w.value);
        else {
          result.connectFailures++;
          if (result.connectFailures === 1) result.failures.push(`connect failed: ${(w.reason as Error).message}`);
        }
      }
    }
    result.open = sockets.length;
    const answers = await Promise.all(sockets.map((s, i) => {
      const a = firstAnswer(s, 30_000);
      s.write(apiVersionsFrame(i));
      return a;
    }));
    result.answered = answers.filter((a) => a !== null).length;
    result.rssWithAllOpenMiB = (rssOfPid(pid) ?? 0) / MiB;
    result.brokerFdsWithAllOpen = openFds(pid);
    if (result.answered !== n) result.failures.push(`${n - result.answered} of ${n} connections got no ApiVersions answer`);
    const health = await brokerServes(b.host, b.port);
    if (health !== null) result.failures.push(`with ${sockets.length} connections open: ${health}`);
  } finally {
    for (const s of sockets) s.destroy();
  }
  result.elapsedMs = Date.now() - started;
  return result;
}

export interface SlowClientsResult {
  slowClients: number;
  bytesEach: number;
  byteIntervalMs: number;
  slowAnswered: number;
  normalRequests: number;
  normalMaxLatencyMs: number;
  elapsedMs: number;
  failures: string[];
}

/**
 * n clients each send a Metadata request one byte every byteIntervalMs while a
 * normal client keeps producing and reading metadata: its latency must stay
 * low, and every slow client gets its answer in the end.
 */
export async function slowClients(b: BrokerProcess, n: number, byteIntervalMs: number, topic: string): Promise<SlowClientsResult> {
  const started = Date.now();
  const w = encodeRequestFrame(ApiKey.Metadata, 12, 1, 'slow-client', (wr) =>
    MetadataRequestMessage.encode(wr, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
  const result: SlowClientsResult = {
    slowClients: n, bytesEach: w.length, byteIntervalMs, slowAnswered: 0, normalRequests: 0, normalMaxLatencyMs: 0, elapsedMs: 0, failures: [],
  };
  const sockets = await Promise.all(Array.from({ length: n }, () => open(b)));
  let trickling = true;
  const slow = Promise.all(sockets.map(async (s) => {
    const answer = firstAnswer(s, w.length * byteIntervalMs + 30_000);
    for (let i = 0; i < w.length; i++) {
      s.write(w.subarray(i, i + 1));
      await sleep(byteIntervalMs);
    }
    return answer;
  })).finally(() => { trickling = false; });
  const normal = (async () => {
    const c = await WireClient.connect(b.host, b.port);
    try {
      const batch = buildSimpleBatch(10);
      while (trickling) {
        const t0 = Date.now();
        const p = await c.request(ApiKey.Produce, 9, { acks: -1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
        if (p.responses[0]!.partitionResponses[0]!.errorCode !== ErrorCode.NONE) result.failures.push(`produce beside the slow clients: error ${p.responses[0]!.partitionResponses[0]!.errorCode}`);
        await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
        result.normalMaxLatencyMs = Math.max(result.normalMaxLatencyMs, Date.now() - t0);
        result.normalRequests += 2;
        await sleep(20);
      }
    } finally {
      c.close();
    }
  })();
  const answers = await slow;
  await normal;
  for (const s of sockets) s.destroy();
  result.slowAnswered = answers.filter((a) => a !== null).length;
  if (result.slowAnswered !== n) result.failures.push(`${n - result.slowAnswered} slow clients got no answer`);
  if (result.normalMaxLatencyMs > 2000) result.failures.push(`a normal client waited ${result.normalMaxLatencyMs} ms beside the slow ones`);
  result.elapsedMs = Date.now() - started;
  return result;
}

export interface IdleResult {
  idleMs: number;
  halfFrameClosedAfterMs: number | null;
  silentClosedAfterMs: number | null;
  tricklingAliveAfterMs: number;
  failures: string[];
}

/**
 * With connections.max.idle.ms = idleMs: a connection that sent half a frame and
 * went quiet is closed, and so is a silent one; one that keeps trickling bytes is not.
 */
export async function idleConnections(b: BrokerProcess, idleMs: number): Promise<IdleResult> {
  const result: IdleResult = { idleMs, halfFrameClosedAfterMs: null, silentClosedAfterMs: null, tricklingAliveAfterMs: 0, failures: [] };
  const closedAfter = (s: Socket, t0: number, limit: number): Promise<number | null> => new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), limit);
    s.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
  const frame = apiVersionsFrame(1);
  const half = await open(b);
  const silent = await open(b);
  const trickle = await open(b);
  const t0 = Date.now();
  half.write(frame.subarray(0, 10));
  const halfClosed = closedAfter(half, t0, idleMs * 4);
  const silentClosed = closedAfter(silent, t0, idleMs * 4);
  let trickleClosed = false;
  trickle.once('close', () => { trickleClosed = true; });
  // A byte every idleMs/3 for 3 idle periods: always active, never complete until the end.
  const steps = Math.min(frame.length - 1, 9);
  for (let i = 0; i < steps; i++) {
    trickle.write(frame.subarray(i, i + 1));
    await sleep(Math.floor(idleMs / 3));
  }
  const answer = firstAnswer(trickle, 5000);
  trickle.write(frame.subarray(steps));
  result.tricklingAliveAfterMs = Date.now() - t0;
  result.halfFrameClosedAfterMs = await halfClosed;
  result.silentClosedAfterMs = await silentClosed;
  if (trickleClosed || (await answer) === null) result.failures.push('the broker closed a connection that kept sending, or did not answer it');
  if (result.halfFrameClosedAfterMs === null) result.failures.push(`a half-sent frame kept its connection open past ${idleMs * 4} ms`);
  if (result.silentClosedAfterMs === null) result.failures.push(`a silent connection stayed open past ${idleMs * 4} ms`);
  for (const s of [half, silent, trickle]) s.destroy();
  return result;
}

export interface OversizedResult {
  maxRequestBytes: number;
  overLimitClosed: boolean;
  negativeClosed: boolean;
  /** Error code of a 1.5 MiB batch (over message.max.bytes, under socket.request.max.bytes). */
  batchOverMaxMessageBytes: string;
  failures: string[];
}

/**
 * Frames over socket.request.max.bytes (and negative sizes) close the
 * connection at once; a batch within the frame limit but over
 * message.max.bytes (1 MiB by default) gets MESSAGE_TOO_LARGE. The broker
 * must run with socket.request.max.bytes >= 2 MiB.
 */
export async function oversizedFrames(b: BrokerProcess, maxRequestBytes: number, topic: string): Promise<OversizedResult> {
  const result: OversizedResult = { maxRequestBytes, overLimitClosed: false, negativeClosed: false, batchOverMaxMessageBytes: '', failures: [] };
  const closes = async (prefix: number): Promise<boolean> => {
    const s = await open(b);
    const head = Buffer.alloc(8);
    head.writeInt32BE(prefix, 0);
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      s.once('close', () => { clearTimeout(timer); resolve(true); });
    });
    s.write(head);
    const r = await closed;
    s.destroy();
    return r;
  };
  result.overLimitClosed = await closes(maxRequestBytes + 1);
  result.negativeClosed = await closes(-1);
  if (!result.overLimitClosed) result.failures.push('a frame one byte over socket.request.max.bytes did not close the connection');
  if (!result.negativeClosed) result.failures.push('a negative frame size did not close the connection');
  const c = await WireClient.connect(b.host, b.port);
  try {
    const big = buildRecordBatch([{ key: null, value: Buffer.alloc(1536 * 1024, 0x61) }], Date.now());
    const p = await c.request(ApiKey.Produce, 9, { acks: 1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: 0, records: big }] }] });
    const code = p.responses[0]!.partitionResponses[0]!.errorCode;
    result.batchOverMaxMessageBytes = ErrorCode[code] ?? String(code);
    if (code !== ErrorCode.MESSAGE_TOO_LARGE) result.failures.push(`a batch over message.max.bytes got ${result.batchOverMaxMessageBytes}`);
  } catch (err) {
    result.failures.push(`a 1.5 MiB produce: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    c.close();
  }
  const health = await brokerServes(b.host, b.port);
  if (health !== null) result.failures.push(health);
  return result;
}

export interface PartitionsResult {
  partitions: number;
  createMs: number;
  metadataMs: number;
  metadataBytes: number;
  producedPartitions: number;
  produceMs: number;
  restartMs: number;
  rssBeforeMiB: number;
  rssAfterCreateMiB: number;
  rssAfterRestartMiB: number;
  brokerFds: number;
  failures: string[];
}

/**
 * One topic of n partitions (one CreateTopics request, at Kafka's per-request
 * cap of 10,000), its metadata, a produce to `produceTo` of them, then a clean
 * restart: how long it takes, and everything is still there.
 */
export async function manyPartitions(
  start: (dataDir?: string) => Promise<BrokerProcess>, n: number, produceTo: number,
): Promise<PartitionsResult> {
  let b = await start();
  const dataDir = b.dataDir;
  const result: PartitionsResult = {
    partitions: n, createMs: 0, metadataMs: 0, metadataBytes: 0, producedPartitions: 0, produceMs: 0, restartMs: 0,
    rssBeforeMiB: (rssOfPid(b.process!.pid!) ?? 0) / MiB, rssAfterCreateMiB: 0, rssAfterRestartMiB: 0, brokerFds: 0, failures: [],
  };
  const topic = 'many-partitions';
  try {
    const c = await WireClient.connect(b.host, b.port);
    let t0 = Date.now();
    const created = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: topic, numPartitions: n, replicationFactor: 1 }], timeoutMs: 120_000 });
    result.createMs = Date.now() - t0;
    if (created.topics[0]!.errorCode !== ErrorCode.NONE) result.failures.push(`CreateTopics of ${n} partitions: ${created.topics[0]!.errorMessage}`);
    result.rssAfterCreateMiB = (rssOfPid(b.process!.pid!) ?? 0) / MiB;
    result.brokerFds = openFds(b.process!.pid!);
    t0 = Date.now();
    const meta = await c.request(ApiKey.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    result.metadataMs = Date.now() - t0;
    result.metadataBytes = c.received.at(-1)!.frame.length;
    if (meta.topics[0]!.partitions.length !== n) result.failures.push(`Metadata lists ${meta.topics[0]!.partitions.length} of ${n} partitions`);
    const step = Math.max(1, Math.floor(n / produceTo));
    const targets = Array.from({ length: produceTo }, (_, i) => i * step);
    t0 = Date.now();
    const batch = buildSimpleBatch(5);
    const produced = await c.request(ApiKey.Produce, 9, {
      acks: -1, timeoutMs: 30_000, transactionalId: null,
      topicData: [{ name: topic, partitionData: targets.map((index) => ({ index, records: batch })) }],
    });
    result.produceMs = Date.now() - t0;
    result.producedPartitions = produced.responses[0]!.partitionResponses.filter((r) => r.errorCode === ErrorCode.NONE).length;
    if (result.producedPartitions !== produceTo) result.failures.push(`produce succeeded on ${result.producedPartitions} of ${produceTo} partitions`);
    c.close();
    await b.stop();
    t0 = Date.now();
    b = await start(dataDir);
    result.restartMs = Date.now() - t0;
    result.rssAfterRestartMiB = (rssOfPid(b.process!.pid!) ?? 0) / MiB;
    const c2 = await WireClient.connect(b.host, b.port);
    try {
      const offsets = await c2.request(ApiKey.ListOffsets, 7, {
        replicaId: -1, isolationLevel: 0,
        topics: [{ name: topic, partitions: targets.map((partitionIndex) => ({ partitionIndex, timestamp: -1, currentLeaderEpoch: -1 })) }],
      }) as ListOffsetsResponse;
      const wrong = offsets.topics[0]!.partitions.filter((p) => p.errorCode !== ErrorCode.NONE || p.offset !== 5);
      if (wrong.length > 0) result.failures.push(`after the restart ${wrong.length} produced partitions do not end at offset 5`);
    } finally {
      c2.close();
    }
    const errors = errorLines(b.output());
    if (errors.length > 0) result.failures.push(...errors.slice(0, 3));
  } finally {
    await b.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}
