// The crash loop: confluent-kafka-python (librdkafka, compat/python/crash_loop.py)
// produces with acks=all to several partitions while the broker process is
// SIGKILLed at random moments and restarted on the same data directory and
// port, N times; meanwhile offsets are committed for a consumer group. Then:
// - every acknowledged record is in the log at the offset its delivery report gave;
// - every batch's CRC32C is valid;
// - per partition the records are in the order they were produced, and with
//   idempotence on there is no duplicate (without it duplicates are counted: a
//   retry of a batch whose acknowledgement died with the broker);
// - after each restart the group's committed offsets are the last acknowledged
//   commit (or the one in flight when the broker died).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKey, ErrorCode } from '../../../src/protocol/generated/index.js';
import { LOG_OVERHEAD, computeBatchCrc, decodeRecords, readBatchHeader } from '../../../src/protocol/records/batch.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { WireClient } from '../../helpers/wire-client.js';
import { seededRandom } from './seeds.js';

export interface CrashLoopOptions {
  cycles: number;
  partitions: number;
  idempotence: boolean;
  /** log.flush.interval.messages=1 (fsync every append) rather than Kafka's default (the OS flushes). */
  flushEveryBatch: boolean;
  /** The broker runs this long (uniformly random within) before each SIGKILL. */
  minUpMs: number;
  maxUpMs: number;
  /** Records per second the producer aims for. */
  rate: number;
  seed: number;
  log?: (line: string) => void;
  /** Called on the data directory before the final verification (to check that the checks can fail). */
  tamper?: (dataDir: string, topic: string) => void;
}

export interface CrashLoopResult {
  options: Omit<CrashLoopOptions, 'log' | 'tamper'>;
  cycles: number;
  produced: number;
  acked: number;
  /** Delivery reports with an error (the client gave up on those records: not acknowledged). */
  deliveryErrors: number;
  recordsInLog: number;
  batchesChecked: number;
  duplicates: number;
  commitsAcked: number;
  commitChecks: number;
  restartMs: number[];
  failures: string[];
  elapsedMs: number;
}

const GROUP = 'crash-loop-group';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function withClient<T>(b: BrokerProcess, fn: (c: WireClient) => Promise<T>): Promise<T> {
  const c = await WireClient.connect(b.host, b.port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** The producer child and the acknowledgements it reported so far. */
class Driver {
  /** partition -> seq -> offset */
  readonly acks = new Map<number, Map<number, number>>();
  deliveryErrors = 0;
  summary: Record<string, number> | null = null;
  private pending = '';
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => this.onData(c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => { this.stderr = (this.stderr + c.toString('utf8')).slice(-8000); });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get acked(): number {
    let n = 0;
    for (const m of this.acks.values()) n += m.size;
    return n;
  }

  /** Acknowledged records of a partition so far: a plausible offset to commit. */
  ackedOffset(p: number): number {
    let max = -1;
    for (const o of this.acks.get(p)?.values() ?? []) max = Math.max(max, o);
    return max + 1;
  }

  tail(): string {
    return this.stderr;
  }

  private onData(text: string): void {
    this.pending += text;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const parts = line.split(' ');
      if (parts[0] === 'ack') {
        const [p, offset, seq] = parts.slice(1).map(Number) as [number, number, number];
        let m = this.acks.get(p);
        if (m === undefined) this.acks.set(p, (m = new Map()));
        m.set(seq, offset);
      } else if (parts[0] === 'err') {
        this.deliveryErrors++;
      } else if (line.startsWith('{')) {
        this.summary = JSON.parse(line) as Record<string, number>;
      }
    }
  }
}

interface CommitState {
  /** partition -> the last committed offset the broker acknowledged */
  acked: Map<number, number>;
  /** partition -> an offset sent but not (yet) acknowledged when the broker died */
  inFlight: Map<number, number>;
  count: number;
}

/** Commits the driver's acknowledged offsets for the group until stopped, one commit at a time. */
async function commitLoop(b: BrokerProcess, topic: string, partitions: number, driver: Driver, state: CommitState, stopped: () => boolean): Promise<void> {
  let c: WireClient | null = null;
  while (!stopped()) {
    const offsets = Array.from({ length: partitions }, (_, p) => driver.ackedOffset(p));
    for (let p = 0; p < partitions; p++) state.inFlight.set(p, offsets[p]!);
    try {
      c ??= await WireClient.connect(b.host, b.port, 1000);
      const res = await c.request(ApiKey.OffsetCommit, 8, {
        groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: topic, partitions: offsets.map((o, p) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, committedMetadata: '' })) }],
      }) as { topics: { partitions: { partitionIndex: number; errorCode: number }[] }[] };
      for (const r of res.topics[0]!.partitions) {
        if (r.errorCode === ErrorCode.NONE) {
          state.acked.set(r.partitionIndex, offsets[r.partitionIndex]!);
          state.inFlight.delete(r.partitionIndex);
        }
      }
      state.count++;
    } catch {
      // The broker died under the request: what was in flight may or may not have been written.
      c?.close();
      c = null;
      await sleep(50);
    }
    await sleep(100);
  }
  c?.close();
}

/** After a restart: the committed offsets are the last acknowledged ones, or the one in flight. */
async function checkCommits(b: BrokerProcess, topic: string, partitions: number, state: CommitState): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await withClient(b, (c) => c.request(ApiKey.OffsetFetch, 7, {
      groupId: GROUP, topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, p) => p) }], requireStable: false,
    })) as { errorCode: number; topics: { partitions: { partitionIndex: number; committedOffset: number; errorCode: number }[] }[] };
    // The group coordinator replays __consumer_offsets in the background after a start.
    if (res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && Date.now() < deadline) {
      await sleep(100);
      continue;
    }
    if (res.errorCode !== ErrorCode.NONE) return [`OffsetFetch after restart: error ${ErrorCode[res.errorCode] ?? res.errorCode}`];
    const failures: string[] = [];
    for (const r of res.topics[0]?.partitions ?? []) {
      const acked = state.acked.get(r.partitionIndex) ?? -1;
      const inFlight = state.inFlight.get(r.partitionIndex);
      if (r.committedOffset !== acked && r.committedOffset !== inFlight) {
        failures.push(`partition ${r.partitionIndex}: committed offset ${r.committedOffset} after restart, last acknowledged commit ${acked}${inFlight === undefined ? '' : `, in flight ${inFlight}`}`);
      }
      // The value read back is now the one the broker holds.
      state.acked.set(r.partitionIndex, r.committedOffset);
      state.inFlight.delete(r.partitionIndex);
    }
    return failures;
  }
}

interface LoggedRecord {
  offset: number;
  seq: number;
}

/** Reads a partition from offset 0 to its high watermark, checking every batch's CRC. */
async function readPartition(c: WireClient, topic: string, p: number, failures: string[]): Promise<{ records: LoggedRecord[]; batches: number }> {
  const records: LoggedRecord[] = [];
  let batches = 0;
  let offset = 0;
  for (;;) {
    const res = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 8 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: p, fetchOffset: offset, partitionMaxBytes: 8 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
    });
    const part = res.responses[0]!.partitions[0]!;
    if (part.errorCode !== ErrorCode.NONE) {
      failures.push(`fetch ${topic}-${p} at ${offset}: error ${ErrorCode[part.errorCode] ?? part.errorCode}`);
      break;
    }
    const buf = part.records ?? Buffer.alloc(0);
    let pos = 0;
    let parsed = 0;
    while (buf.length - pos >= 61) {
      const h = readBatchHeader(buf, pos);
      const size = h.batchLength + LOG_OVERHEAD;
      if (pos + size > buf.length) break;
      batches++;
      if (computeBatchCrc(buf, pos, size) !== h.crc) {
        // Its records are not to be trusted (nor, perhaps, decodable): they count as missing.
        failures.push(`${topic}-${p}: batch at offset ${h.baseOffset} has a bad CRC`);
      } else {
        try {
          for (const r of decodeRecords(buf.subarray(pos, pos + size))) {
            const [vp, vs] = (r.value?.toString('utf8') ?? '').split(':').map(Number);
            if (vp !== p || !Number.isInteger(vs)) failures.push(`${topic}-${p}: offset ${r.offset} holds a record of another partition or shape: ${r.value?.toString('utf8')}`);
            records.push({ offset: r.offset, seq: vs! });
          }
        } catch (err) {
          failures.push(`${topic}-${p}: batch at offset ${h.baseOffset} does not decode: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      pos += size;
      parsed++;
    }
    if (offset >= Number(part.highWatermark)) break;
    if (parsed === 0) {
      failures.push(`${topic}-${p}: no complete batch at offset ${offset}, below the high watermark ${part.highWatermark}`);
      break;
    }
  }
  return { records, batches };
}

export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopResult> {
  const log = opts.log ?? (() => {});
  const random = seededRandom(opts.seed);
  const started = Date.now();
  const { log: _log, tamper: _tamper, ...options } = opts;
  const result: CrashLoopResult = {
    options, cycles: 0, produced: 0, acked: 0, deliveryErrors: 0, recordsInLog: 0, batchesChecked: 0, duplicates: 0,
    commitsAcked: 0, commitChecks: 0, restartMs: [], failures: [], elapsedMs: 0,
  };
  const topic = `crash-loop-${opts.idempotence ? 'idem' : 'plain'}-${opts.flushEveryBatch ? 'fsync' : 'os'}`;
  const overrides = ['--override', 'group.initial.rebalance.delay.ms=0', ...(opts.flushEveryBatch ? ['--override', 'log.flush.interval.messages=1'] : [])];
  let broker = await startBrokerProcess({ cleanup: false, args: overrides });
  const dataDir = broker.dataDir;
  const port = broker.port;
  let driver: Driver | null = null;
  try {
    await withClient(broker, async (c) => {
      const res = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: topic, numPartitions: opts.partitions, replicationFactor: 1 }], timeoutMs: 10_000 });
      if (res.topics[0]!.errorCode !== ErrorCode.NONE) throw new Error(`create ${topic}: ${res.topics[0]!.errorMessage}`);
    });
    const python = join(repoRoot(), 'compat', 'python', '.venv', 'bin', 'python');
    driver = new Driver(spawn(python, [join(repoRoot(), 'compat', 'python', 'crash_loop.py'),
      '--bootstrap-server', broker.bootstrap, '--topic', topic, '--partitions', String(opts.partitions),
      '--idempotence', opts.idempotence ? '1' : '0', '--rate', String(opts.rate)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const commits: CommitState = { acked: new Map(), inFlight: new Map(), count: 0 };

    for (let cycle = 1; cycle <= opts.cycles; cycle++) {
      let stop = false;
      const committing = commitLoop(broker, topic, opts.partitions, driver, commits, () => stop);
      const upMs = opts.minUpMs + Math.floor(random() * (opts.maxUpMs - opts.minUpMs));
      await sleep(upMs);
      await broker.kill();
      stop = true;
      await committing;
      result.cycles = cycle;
      const t0 = Date.now();
      broker = await startBrokerProcess({ dataDir, args: [...overrides, '--kafka-port', String(port)] });
      result.restartMs.push(Date.now() - t0);
      const commitFailures = await checkCommits(broker, topic, opts.partitions, commits);
      result.commitChecks++;
      result.failures.push(...commitFailures.map((f) => `cycle ${cycle}: ${f}`));
      log(`cycle ${cycle}: killed after ${upMs} ms, ${driver.acked} acknowledged so far, restarted in ${result.restartMs.at(-1)} ms`);
      if (driver.child.exitCode !== null) {
        result.failures.push(`the producer exited early (code ${driver.child.exitCode}): ${driver.tail()}`);
        break;
      }
    }
    result.commitsAcked = commits.count;

    // Let the producer catch up with the broker up, then stop it: it flushes what is queued.
    await sleep(1000);
    driver.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([driver.exited, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), 150_000); })]);
    clearTimeout(timer);
    if (code === 'timeout') {
      driver.child.kill('SIGKILL');
      result.failures.push('the producer did not finish flushing within 150 s');
    } else if (code !== 0) {
      result.failures.push(`the producer exited with ${code}: ${driver.tail()}`);
    }
    result.produced = driver.summary?.['produced'] ?? 0;
    result.acked = driver.acked;
    result.deliveryErrors = driver.deliveryErrors;
    if ((driver.summary?.['unflushed'] ?? 0) > 0) result.failures.push(`${driver.summary!['unflushed']} records were still unacknowledged at the end`);

    // Verify against a fresh start of the broker, as a reader after the last crash would see it.
    await broker.stop();
    opts.tamper?.(dataDir, topic);
    broker = await startBrokerProcess({ dataDir, args: [...overrides, '--kafka-port', String(port)] });
    const acks = driver.acks;
    await withClient(broker, async (c) => {
      for (let p = 0; p < opts.partitions; p++) {
        const { records, batches } = await readPartition(c, topic, p, result.failures);
        result.batchesChecked += batches;
        result.recordsInLog += records.length;
        const bySeq = new Map<number, number[]>();
        for (const r of records) {
          const list = bySeq.get(r.seq);
          if (list === undefined) bySeq.set(r.seq, [r.offset]);
          else list.push(r.offset);
        }
        // Order: the first copy of each record comes after the first copy of the one produced before it.
        let lastSeq = -1;
        for (const r of records) {
          if (bySeq.get(r.seq)![0] !== r.offset) continue;
          if (r.seq <= lastSeq) result.failures.push(`${topic}-${p}: record ${r.seq} at offset ${r.offset} comes after record ${lastSeq}`);
          lastSeq = Math.max(lastSeq, r.seq);
        }
        for (const [seq, offsets] of bySeq) {
          if (offsets.length === 1) continue;
          result.duplicates += offsets.length - 1;
          if (opts.idempotence) result.failures.push(`${topic}-${p}: record ${seq} is in the log ${offsets.length} times (offsets ${offsets.join(', ')}) although idempotence was on`);
        }
        const bySeqOffset = new Map(records.map((r) => [r.offset, r.seq]));
        for (const [seq, offset] of acks.get(p) ?? []) {
          const found = bySeqOffset.get(offset);
          if (found !== seq) {
            result.failures.push(`${topic}-${p}: record ${seq} was acknowledged at offset ${offset}, which holds ${found === undefined ? 'nothing' : `record ${found}`}`);
          }
        }
      }
    });
    if (result.acked === 0) result.failures.push('no record was acknowledged at all');
  } finally {
    if (driver !== null && driver.child.exitCode === null) driver.child.kill('SIGKILL');
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // One line per kind of failure is enough for the report; the count says how many.
  if (result.failures.length > 50) result.failures = [...result.failures.slice(0, 50), `... and ${result.failures.length - 50} more`];
  result.elapsedMs = Date.now() - started;
  return result;
}
