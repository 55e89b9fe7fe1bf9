// `npm run bench [-- --quick] [options]`: Tributary side by side with Apache
// Kafka 4.1.1 on this machine. See bench/README.md for what is measured and how.
//
// Options:
//   --quick                 fewer records, one cold start, no profiles (under 4 minutes)
//   --systems kafka,tributary   which systems to run (default both, Kafka first: (d)'s rate comes from Kafka's (a))
//   --latency-rate N        records/s for (d) instead of 50% of Kafka's (a)
//   --profile / --no-profile    CPU-profile Tributary under (a) and (d) (default: on for full, off for quick)
//   --profile-only          only the profiles (needs --latency-rate, or runs (a) on Kafka first)
//   --no-build              do not run `tsc -p tsconfig.json` and tools/bundle.mjs first
//   --records-a N, --records-b N, --latency-seconds S, --cold-starts N   override the sizes
//   --out NAME              results file stem (default <date>-<host>[-quick])
//   --note TEXT             what else ran on the machine during the run (goes into the report)
//   --tree DIR              run Tributary from another copy of the build (bin/, dist/, node_modules/; see bench/snapshot.sh)
//   --render FILE.json      only rewrite FILE.md from FILE.json (after editing bench/OPTIMISATIONS.md)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../src/protocol/generated/index.js';
import { WireClient } from '../test/helpers/wire-client.js';
import { JavaTools, filesIn } from './lib/java-tools.js';
import { readMemory, runToEnd, sampleMemory, sleep } from './lib/proc.js';
import { flameGraphSvg, summarizeProfile } from './lib/profile.js';
import { computeRatios, consoleTable, markdownReport, type BenchReport, type SystemResults } from './lib/report.js';
import { KAFKA_BROKER_HEAP, KAFKA_JVM_PERFORMANCE_OPTS, KafkaSystem, TributarySystem, type BrokerHandle, type SystemName } from './lib/systems.js';
import { createTopics, firstAcknowledgedProduce } from './lib/wire.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(repo, 'bench', '.build');
const resultsDir = join(repo, 'bench', 'results');

interface Options {
  quick: boolean;
  systems: SystemName[];
  latencyRate: number | null;
  profile: boolean;
  profileOnly: boolean;
  build: boolean;
  recordsA: number;
  recordsB: number;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  coldStarts: number;
  idleSettleMs: number;
  out: string | null;
  tree: string | null;
  /** What else ran on the machine during the run, for the report (default: a neutral line). */
  note: string | null;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    quick,
    systems: ['kafka', 'tributary'],
    latencyRate: null,
    profile: !quick,
    profileOnly: false,
    build: true,
    recordsA: quick ? 300_000 : 1_500_000,
    recordsB: quick ? 2_000_000 : 10_000_000,
    latencySeconds: quick ? 10 : 30,
    latencyWarmupSeconds: quick ? 2 : 5,
    coldStarts: quick ? 1 : 3,
    idleSettleMs: quick ? 3000 : 5000,
    out: null,
    tree: null,
    note: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} needs a positive number`);
      return n;
    };
    switch (a) {
      case '--quick': break;
      case '--systems': o.systems = value().split(',').map((s) => {
        if (s !== 'kafka' && s !== 'tributary') throw new Error(`unknown system ${s}`);
        return s;
      }); break;
      case '--latency-rate': o.latencyRate = num(); break;
      case '--profile': o.profile = true; break;
      case '--no-profile': o.profile = false; break;
      case '--profile-only': o.profileOnly = true; o.profile = true; break;
      case '--no-build': o.build = false; break;
      case '--note': o.note = value(); break;
      case '--records-a': o.recordsA = Math.floor(num()); break;
      case '--records-b': o.recordsB = Math.floor(num()); break;
      case '--latency-seconds': o.latencySeconds = num(); break;
      case '--cold-starts': o.coldStarts = Math.floor(num()); break;
      case '--out': o.out = value(); break;
      case '--tree': o.tree = value(); break;
      default: throw new Error(`unknown option ${a} (see the top of bench/run.ts)`);
    }
  }
  return o;
}

const say = (s: string): void => void process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

function javaVersion(): string {
  try {
    const out = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n')[0] ?? 'java';
  } catch (err) {
    const e = err as { stderr?: string };
    return (e.stderr ?? '').trim().split('\n').slice(0, 2).join(' ') || 'java (version unknown)';
  }
}

function machine(): Record<string, string | number> {
  let javaLine = '';
  try {
    // `java -version` writes to stderr.
    javaLine = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' }).trim().split('\n').slice(0, 2).join(', ');
  } catch {
    javaLine = javaVersion();
  }
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${type()} ${release()}`,
    node: process.version,
    java: javaLine,
    kafkaVersion: '4.1.1',
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** True when the broker advertises the classic consumer group APIs ConsumerPerformance needs. */
async function supportsGroups(b: BrokerHandle): Promise<boolean> {
  const c = await WireClient.connect(b.host, b.port);
  try {
    const r = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    const keys = new Set(r.apiKeys.map((k) => k.apiKey));
    return [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.LeaveGroup]
      .every((k) => keys.has(k));
  } finally {
    c.close();
  }
}

type System = KafkaSystem | TributarySystem;

async function startAndProbe(sys: System, logFile: string, cpuProfileDir?: string): Promise<{ broker: BrokerHandle; firstAckMs: number; connectMs: number; attempts: number }> {
  const broker = await sys.start({ logFile, ...(cpuProfileDir !== undefined ? { cpuProfileDir } : {}) });
  try {
    const probe = await firstAcknowledgedProduce(broker.host, broker.port, 'bench-cold-start');
    return { broker, firstAckMs: probe.ackAt - broker.spawnedAt, connectMs: probe.connectedAt - broker.spawnedAt, attempts: probe.attempts };
  } catch (err) {
    await broker.stop();
    throw new Error(`${sys.name} did not start: ${(err as Error).message}\n${broker.proc.output().slice(-3000)}`);
  }
}

const TOPIC_A = 'bench-a-1k';
const TOPIC_B = 'bench-b-100b';
const TOPIC_D = 'bench-d-latency';
const PARTITIONS = 8;
const PRODUCE_A_PROPS = { acks: 'all' };
const PRODUCE_B_PROPS = { acks: '1', 'linger.ms': '5', 'batch.size': '65536' };

function emptyResults(): SystemResults {
  return { coldStart: { runs: [], medianMs: 0 }, memory: { idleRssMiB: NaN, idleHwmMiB: NaN, underProduceA: null }, notes: {} };
}

/** Fills `results` as it goes (so (d)'s rate can come from this same run's (a)). */
async function runSystem(sys: System, tools: JavaTools, o: Options, latencyRate: () => number, logDir: string, results: SystemResults): Promise<void> {
  let broker: BrokerHandle | null = null;
  try {
    for (let i = 0; i < o.coldStarts; i++) {
      say(`${sys.name}: cold start ${i + 1}/${o.coldStarts}`);
      const s = await startAndProbe(sys, join(logDir, `${sys.name}-${i + 1}.log`));
      results.coldStart.runs.push({ firstAckMs: s.firstAckMs, connectMs: s.connectMs, attempts: s.attempts });
      for (const [k, v] of Object.entries(s.broker.notes)) results.notes[`${k} (run ${i + 1})`] = v;
      say(`${sys.name}:   first acknowledged produce ${s.firstAckMs.toFixed(0)} ms after spawn (connected at ${s.connectMs.toFixed(0)} ms)`);
      if (i < o.coldStarts - 1) await s.broker.stop();
      else broker = s.broker;
    }
    results.coldStart.medianMs = median(results.coldStart.runs.map((r) => r.firstAckMs));
    const b = broker!;

    await sleep(o.idleSettleMs);
    const idle = readMemory(b.pid);
    results.memory.idleRssMiB = idle?.rssMiB ?? NaN;
    results.memory.idleHwmMiB = idle?.hwmMiB ?? NaN;
    say(`${sys.name}: idle RSS ${results.memory.idleRssMiB.toFixed(1)} MiB`);

    await createTopics(b.host, b.port, [TOPIC_A, TOPIC_B, TOPIC_D].map((name) => ({ name, partitions: PARTITIONS })));

    say(`${sys.name}: (a) ProducerPerformance ${o.recordsA} x 1024 B, acks=all`);
    const sampler = sampleMemory(b.pid);
    results.produceA = await tools.producerPerf(b.bootstrap, TOPIC_A, o.recordsA, 1024, PRODUCE_A_PROPS);
    results.memory.underProduceA = sampler.stop();
    say(`${sys.name}:   ${results.produceA.recordsPerSec.toFixed(0)} rec/s, ${results.produceA.mbPerSec.toFixed(1)} MB/s, p99 ${results.produceA.p99Ms} ms; peak RSS ${results.memory.underProduceA.peakRssMiB.toFixed(0)} MiB`);

    say(`${sys.name}: (c) consume ${o.recordsA} records of (a), assigned partitions`);
    results.consumeC = await tools.consume(b.bootstrap, TOPIC_A, o.recordsA);
    say(`${sys.name}:   ${results.consumeC.recordsPerSec.toFixed(0)} rec/s, ${results.consumeC.mbPerSec.toFixed(1)} MB/s${results.consumeC.complete ? '' : ' INCOMPLETE'}`);

    if (await supportsGroups(b)) {
      say(`${sys.name}: (c) ConsumerPerformance (consumer group)`);
      try {
        results.consumeGroup = await tools.consumerPerf(b.bootstrap, TOPIC_A, o.recordsA);
        say(`${sys.name}:   ${results.consumeGroup.mbPerSec.toFixed(1)} MB/s`);
      } catch (err) {
        results.consumeGroup = { skipped: `failed: ${(err as Error).message.split('\n')[0]}` };
        say(`${sys.name}:   ConsumerPerformance failed`);
      }
    } else {
      results.consumeGroup = { skipped: 'the broker does not advertise the consumer group APIs' };
    }

    say(`${sys.name}: (b) ProducerPerformance ${o.recordsB} x 100 B, acks=1, linger.ms=5, batch.size=65536`);
    results.produceB = await tools.producerPerf(b.bootstrap, TOPIC_B, o.recordsB, 100, PRODUCE_B_PROPS);
    say(`${sys.name}:   ${results.produceB.recordsPerSec.toFixed(0)} rec/s, ${results.produceB.mbPerSec.toFixed(1)} MB/s`);

    const rate = latencyRate();
    say(`${sys.name}: (d) end-to-end latency at ${rate.toFixed(0)} rec/s for ${o.latencySeconds} s (+${o.latencyWarmupSeconds} s warm-up)`);
    results.latencyD = await tools.latency(b.bootstrap, TOPIC_D, rate, o.latencySeconds, o.latencyWarmupSeconds, 1024);
    const l = results.latencyD;
    say(`${sys.name}:   e2e p50 ${l.e2e.p50Ms.toFixed(2)} / p99 ${l.e2e.p99Ms.toFixed(2)} / p99.9 ${l.e2e.p999Ms.toFixed(2)} ms; achieved ${l.achievedRate.toFixed(0)} rec/s; received ${l.measuredReceived}/${l.measured}`);
  } finally {
    if (broker !== null) {
      say(`${sys.name}: stopping`);
      const code = await broker.stop();
      results.notes['exit'] = String(code);
    }
  }
}

/** The commit of the Tributary tree measured, with "+changes" when it has uncommitted ones ("" outside git). */
function gitCommit(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return '';
  }
}

/** Runs (a) or (d) against Tributary started with --cpu-prof; returns the profile's path. */
async function profileTributary(sys: TributarySystem, tools: JavaTools, o: Options, which: 'a' | 'd', rate: number, logDir: string, stamp: string): Promise<string> {
  const dir = join(buildDir, 'profiles', `${stamp}-${which}`);
  const { broker } = await startAndProbe(sys, join(logDir, `tributary-profile-${which}.log`), dir);
  try {
    await createTopics(broker.host, broker.port, [{ name: which === 'a' ? TOPIC_A : TOPIC_D, partitions: PARTITIONS }]);
    if (which === 'a') {
      say(`tributary (profiled): (a) ${o.recordsA} x 1024 B`);
      const r = await tools.producerPerf(broker.bootstrap, TOPIC_A, o.recordsA, 1024, PRODUCE_A_PROPS);
      say(`tributary (profiled):   ${r.mbPerSec.toFixed(1)} MB/s`);
    } else {
      say(`tributary (profiled): (d) ${rate.toFixed(0)} rec/s`);
      const r = await tools.latency(broker.bootstrap, TOPIC_D, rate, o.latencySeconds, o.latencyWarmupSeconds, 1024);
      say(`tributary (profiled):   p99 ${r.e2e.p99Ms.toFixed(2)} ms`);
    }
  } finally {
    await broker.stop();
  }
  const files = filesIn(dir, '.cpuprofile');
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir} (did the broker exit cleanly?)`);
  return files[files.length - 1]!;
}

const METHOD = 'Each system: N cold starts (fresh data dir each), idle memory after a settle time, then on the last instance (a), (c), '
  + 'ConsumerPerformance when groups are advertised, (b), (d); then stop. Kafka runs first, so (d) can run at 50% of Kafka\'s (a) rate on both.';

function writeMarkdown(report: BenchReport, mdFile: string): void {
  const optimisationsFile = join(repo, 'bench', 'OPTIMISATIONS.md');
  const optimisations = existsSync(optimisationsFile) ? readFileSync(optimisationsFile, 'utf8') : '';
  writeFileSync(mdFile, markdownReport(report, { optimisations, commands: METHOD }));
}

async function main(): Promise<void> {
  const renderAt = process.argv.indexOf('--render');
  if (renderAt >= 0) {
    const file = process.argv[renderAt + 1];
    if (file === undefined || !file.endsWith('.json')) throw new Error('--render needs a results .json file');
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    writeMarkdown(report, file.replace(/\.json$/, '.md'));
    process.stdout.write(`${consoleTable(report.ratios)}\n`);
    return;
  }
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const now = new Date();
  const date = now.toISOString().slice(0, 10);
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const stem = o.out ?? `${date}-${host}${o.quick ? '-quick' : ''}`;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const logDir = join(buildDir, 'logs', stamp);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const loadBefore = loadavg();
  say(`bench (${o.quick ? 'quick' : 'full'}): load averages ${loadBefore.map((x) => x.toFixed(2)).join(' ')}; logs in ${relative(repo, logDir)}`);

  if (o.build && o.tree === null && o.systems.includes('tributary')) {
    say('building Tributary (tsc -p tsconfig.json, then tools/bundle.mjs)');
    try {
      await runToEnd(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repo });
    } catch (err) {
      // tsc still emits; another engineer's in-progress file should not stop a benchmark.
      say(`tsc reported errors (dist/ was still written): ${(err as Error).message.split('\n').slice(1, 4).join(' | ')}`);
    }
    // bin/tributary.js runs the bundle only when it is newer than dist/src: without this, the old modules.
    await runToEnd(process.execPath, [join(repo, 'tools', 'bundle.mjs')], { cwd: repo });
  }

  const kafka = new KafkaSystem(repo);
  const tributary = new TributarySystem(o.tree ?? repo);
  const tools = new JavaTools(repo, buildDir);
  await tools.prepare();
  if (o.systems.includes('kafka')) await kafka.prepare();
  if (o.systems.includes('tributary')) await tributary.prepare();

  const report: BenchReport = {
    date: now.toISOString(),
    host,
    commit: gitCommit(o.tree ?? repo),
    mode: o.quick ? 'quick' : 'full',
    machine: machine(),
    load: { before: loadBefore, after: [], duringNote: '' },
    settings: {
      topics: { partitions: PARTITIONS, replicationFactor: 1 },
      a: { records: o.recordsA, recordSize: 1024, producerProps: PRODUCE_A_PROPS, tool: 'org.apache.kafka.tools.ProducerPerformance --throughput -1' },
      b: { records: o.recordsB, recordSize: 100, producerProps: PRODUCE_B_PROPS, tool: 'org.apache.kafka.tools.ProducerPerformance --throughput -1' },
      c: { records: o.recordsA, tool: 'dev.tributary.bench.BenchClient consume (assign + seekToBeginning; max.partition.fetch.bytes=1 MiB, receive.buffer.bytes=2 MiB as ConsumerPerformance)', alsoRun: 'org.apache.kafka.tools.ConsumerPerformance when the broker advertises the group APIs' },
      d: { seconds: o.latencySeconds, warmupSeconds: o.latencyWarmupSeconds, recordSize: 1024, acks: 'all', rate: '50% of Kafka (a) records/s', tool: 'dev.tributary.bench.BenchClient latency (open loop, producer defaults + acks=all, consumer assigned from the end)' },
      e: { coldStarts: o.coldStarts, probe: 'bench/lib/wire.ts firstAcknowledgedProduce: connect retried every 5 ms from spawn, CreateTopics, Produce acks=-1 retried until acknowledged' },
      f: { idleSettleMs: o.idleSettleMs, source: '/proc/<pid>/status VmRSS (sampled every 250 ms under (a)) and VmHWM' },
      kafkaBroker: { jvm: [...KAFKA_BROKER_HEAP, ...KAFKA_JVM_PERFORMANCE_OPTS].join(' '), properties: 'compat/kafka-server/start.sh (KRaft broker+controller, node 1)', excludedFromColdStart: 'kafka-storage format (timed separately in notes)' },
      tools: { jvm: ['-Xmx512M', ...KAFKA_JVM_PERFORMANCE_OPTS].join(' '), classpath: 'compat/java (kafka-clients + kafka-tools 4.1.1)' },
      tributary: { command: 'node bin/tributary.js start --data-dir <fresh tmp> --kafka-port <free> --http-port 0', defaults: 'flush left to the OS (flush.messages/flush.ms unset), as Kafka', build: o.tree ?? 'this working tree (dist/)' },
    },
    results: {},
    ratios: [],
    profiles: {},
    durationSeconds: 0,
  };

  const latencyRate = (): number => {
    if (o.latencyRate !== null) return o.latencyRate;
    const kafkaA = report.results.kafka?.produceA?.recordsPerSec;
    if (kafkaA !== undefined) return Math.round(kafkaA * 0.5);
    const own = report.results.tributary?.produceA?.recordsPerSec;
    if (own !== undefined) {
      report.settings['dNote'] = 'Kafka not run: (d) at 50% of Tributary\'s own (a)';
      return Math.round(own * 0.5);
    }
    throw new Error('no rate for (d): run Kafka too or pass --latency-rate');
  };

  if (!o.profileOnly) {
    for (const name of o.systems) {
      const results = emptyResults();
      report.results[name] = results;
      await runSystem(name === 'kafka' ? kafka : tributary, tools, o, latencyRate, logDir, results);
    }
  }

  if (o.profile && o.systems.includes('tributary')) {
    if (report.results.kafka === undefined && o.latencyRate === null && o.profileOnly) {
      throw new Error('--profile-only needs --latency-rate (the rate (d) runs at)');
    }
    for (const which of ['a', 'd'] as const) {
      const file = await profileTributary(tributary, tools, o, which, latencyRate(), logDir, stamp);
      const summary = summarizeProfile(file, repo);
      const svgName = `${stem}-profile-${which}.svg`;
      writeFileSync(join(resultsDir, svgName), flameGraphSvg(file, repo, `Tributary under (${which})`));
      report.profiles[which === 'a' ? '(a) produce 1 KiB acks=all' : '(d) fixed-rate latency'] = { ...summary, file: relative(repo, file), svg: svgName };
      say(`profile (${which}): ${relative(repo, file)}; top self: ${summary.topSelf.slice(0, 5).map((f) => `${f.name} ${f.selfPct.toFixed(1)}%`).join(', ')}`);
    }
  }

  report.load.after = loadavg();
  report.load.duringNote = o.note ?? 'The load averages include the benchmark itself: the broker and the load generators share the machine.';
  report.ratios = computeRatios(report.results.kafka, report.results.tributary);
  report.durationSeconds = (performance.now() - started) / 1000;

  writeFileSync(join(resultsDir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeMarkdown(report, join(resultsDir, `${stem}.md`));
  process.stdout.write(`\n${consoleTable(report.ratios)}\n\n`);
  say(`wrote ${relative(repo, join(resultsDir, `${stem}.json`))} and .md in ${report.durationSeconds.toFixed(0)} s; load averages now ${report.load.after.map((x) => x.toFixed(2)).join(' ')}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
