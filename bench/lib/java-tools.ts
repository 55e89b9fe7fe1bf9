// The load generators, identical for both systems: Kafka's own
// ProducerPerformance and ConsumerPerformance (kafka-tools 4.1.1, on
// compat/java's classpath) and bench/java's BenchClient (assign-based
// consumer and fixed-rate end-to-end latency), each in its own JVM with the
// options Kafka's perf-test scripts use (-Xmx512M and kafka-run-class.sh's G1 flags).
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from './proc.js';
import { KAFKA_JVM_PERFORMANCE_OPTS, mavenClasspath } from './systems.js';

const TOOL_HEAP = ['-Xmx512M'];

export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export interface ConsumeResult {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  complete: boolean;
}

export interface LatencySummary { count: number; meanMs: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number }

export interface LatencyResult {
  rate: number;
  achievedRate: number;
  sent: number;
  received: number;
  measured: number;
  measuredReceived: number;
  ackErrors: number;
  e2e: LatencySummary;
  ack: LatencySummary;
}

export class JavaTools {
  private cp = '';

  constructor(private readonly repo: string, private readonly buildDir: string) {}

  /** Builds compat/java's classpath when missing and compiles BenchClient when its source is newer. */
  async prepare(): Promise<void> {
    const deps = await mavenClasspath(join(this.repo, 'compat', 'java'));
    const src = join(this.repo, 'bench', 'java', 'dev', 'tributary', 'bench', 'BenchClient.java');
    const classes = join(this.buildDir, 'classes');
    const out = join(classes, 'dev', 'tributary', 'bench', 'BenchClient.class');
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
      mkdirSync(classes, { recursive: true });
      await runToEnd('javac', ['-d', classes, '-cp', deps, src]);
    }
    this.cp = `${classes}:${deps}`;
  }

  private run(main: string, args: string[], timeoutMs: number): Promise<string> {
    return runToEnd('java', [...TOOL_HEAP, ...KAFKA_JVM_PERFORMANCE_OPTS, '-cp', this.cp, main, ...args], { timeoutMs });
  }

  /** kafka-producer-perf-test: the final summary line. */
  async producerPerf(bootstrap: string, topic: string, records: number, recordSize: number, props: Record<string, string>): Promise<ProducerPerfResult> {
    const producerProps = Object.entries({ 'bootstrap.servers': bootstrap, ...props }).map(([k, v]) => `${k}=${v}`);
    const out = await this.run('org.apache.kafka.tools.ProducerPerformance', [
      '--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1',
      '--producer-props', ...producerProps,
    ], 15 * 60_000);
    return parseProducerPerf(out);
  }

  /** kafka-consumer-perf-test (needs the consumer group protocol: it subscribes). */
  async consumerPerf(bootstrap: string, topic: string, messages: number): Promise<ConsumeResult> {
    const out = await this.run('org.apache.kafka.tools.ConsumerPerformance', [
      '--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(messages), '--timeout', '30000', '--hide-header',
    ], 10 * 60_000);
    return parseConsumerPerf(out);
  }

  async consume(bootstrap: string, topic: string, messages: number): Promise<ConsumeResult> {
    const out = await this.run('dev.tributary.bench.BenchClient', ['consume', '--bootstrap', bootstrap, '--topic', topic, '--messages', String(messages)], 10 * 60_000);
    return lastJson(out) as ConsumeResult;
  }

  async latency(bootstrap: string, topic: string, rate: number, seconds: number, warmupSeconds: number, recordSize: number): Promise<LatencyResult> {
    const out = await this.run('dev.tributary.bench.BenchClient', [
      'latency', '--bootstrap', bootstrap, '--topic', topic, '--rate', String(rate), '--seconds', String(seconds),
      '--warmup-seconds', String(warmupSeconds), '--record-size', String(recordSize), '--acks', 'all',
    ], (seconds + warmupSeconds + 120) * 1000);
    return lastJson(out) as LatencyResult;
  }
}

function lastJson(out: string): unknown {
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON result in the tool's output:\n${out.slice(-2000)}`);
  return JSON.parse(line);
}

/** "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th." */
export function parseProducerPerf(out: string): ProducerPerfResult {
  const re = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/g;
  let m: RegExpExecArray | null;
  let last: RegExpExecArray | null = null;
  while ((m = re.exec(out)) !== null) last = m;
  if (last === null) throw new Error(`no ProducerPerformance summary in:\n${out.slice(-2000)}`);
  const n = last.slice(1).map(Number);
  return { records: n[0]!, recordsPerSec: n[1]!, mbPerSec: n[2]!, avgLatencyMs: n[3]!, maxLatencyMs: n[4]!, p50Ms: n[5]!, p95Ms: n[6]!, p99Ms: n[7]!, p999Ms: n[8]! };
}

/** --hide-header CSV: start, end, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec */
export function parseConsumerPerf(out: string): ConsumeResult {
  const line = out.trim().split('\n').reverse().find((l) => l.split(',').length >= 10);
  if (line === undefined) throw new Error(`no ConsumerPerformance result in:\n${out.slice(-2000)}`);
  const f = line.split(',').map((s) => s.trim());
  const mb = Number(f[2]);
  const records = Number(f[4]);
  const fetchMs = Number(f[7]);
  const seconds = fetchMs / 1000;
  return { records, bytes: mb * 1024 * 1024, seconds, recordsPerSec: Number(f[9]), mbPerSec: Number(f[8]), complete: true };
}

/** Files of a directory, newest last (to find the .cpuprofile a run wrote). */
export function filesIn(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}
