// `npm run reliability`: the full reliability harness (see reliability/README.md).
// Runs each part with its full figures, prints progress, and writes
// reliability/results/<date>.json and .md. Exits 1 if anything failed.
//
//   npm run reliability                      # everything
//   npm run reliability -- --only fuzz,crash # some parts: fuzz, live, crash, resources, disk
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCrashLoop, type CrashLoopResult } from '../test/reliability/harness/crash-loop.js';
import { runDecoderFuzz, type DecoderFuzzStats } from '../test/reliability/harness/decoder-fuzz.js';
import { runDiskFull, type DiskFullResult } from '../test/reliability/harness/disk-full.js';
import { errorLines, rssOfPid, runLiveFuzz, type LiveFuzzStats } from '../test/reliability/harness/live-fuzz.js';
import {
  fdLimits, idleConnections, manyConnections, manyPartitions, oversizedFrames, slowClients,
  type ConnectionsResult, type IdleResult, type OversizedResult, type PartitionsResult, type SlowClientsResult,
} from '../test/reliability/harness/resources.js';
import { allSeeds, goldenSeeds } from '../test/reliability/harness/seeds.js';
import { startBrokerProcess } from '../test/helpers/broker-process.js';
import { repoRoot } from '../test/helpers/repo-root.js';
import { WireClient } from '../test/helpers/wire-client.js';
import { ApiKey } from '../src/protocol/generated/index.js';

const PARTS = ['fuzz', 'live', 'crash', 'resources', 'disk'] as const;
type Part = (typeof PARTS)[number];

const FIGURES = {
  decoderInputs: 1_000_000,
  liveInputs: 50_000,
  crashCycles: 20,
  connections: 5000,
  slowClients: 200,
  partitions: 10_000,
  diskMiB: 16,
};

interface Report {
  startedAt: string;
  machine: { host: string; cpus: number; memoryGiB: number; node: string; fdLimit: { soft: string; hard: string } };
  figures: typeof FIGURES;
  /** fast-check / kill-timing seeds of this run, to repeat it (failures also carry the offending bytes). */
  seeds: Record<string, number>;
  decoderFuzz?: DecoderFuzzStats;
  liveFuzz?: LiveFuzzStats;
  crashLoops?: CrashLoopResult[];
  resources?: { connections: ConnectionsResult; slowClients: SlowClientsResult; idle: IdleResult; oversized: OversizedResult; partitions: PartitionsResult };
  diskFull?: (DiskFullResult | { error: string })[];
  failures: string[];
  elapsedMs: number;
}

function parseOnly(argv: string[]): Set<Part> {
  const i = argv.indexOf('--only');
  if (i < 0) return new Set(PARTS);
  const wanted = (argv[i + 1] ?? '').split(',').filter(Boolean);
  for (const w of wanted) if (!(PARTS as readonly string[]).includes(w)) throw new Error(`unknown part ${w}; parts: ${PARTS.join(', ')}`);
  return new Set(wanted as Part[]);
}

function say(line: string): void {
  process.stdout.write(`[reliability ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function fuzzLive(report: Report): Promise<void> {
  const b = await startBrokerProcess();
  const child = b.process!;
  try {
    report.liveFuzz = await runLiveFuzz({
      host: b.host, port: b.port,
      alive: () => child.exitCode === null && child.signalCode === null,
      rssBytes: () => rssOfPid(child.pid!),
      errors: () => errorLines(b.output()),
    }, allSeeds(2), {
      numInputs: FIGURES.liveInputs, seed: (report.seeds['liveFuzz'] = Date.now() % 1_000_000), burstSize: 250,
      // Mutated CreateTopics legitimately create up to 10,000 partitions each (~26 KiB apiece):
      // the limit catches runaway growth; tight claims are checked by the npm test.
      rssGrowthLimitBytes: 2 * 1024 ** 3,
    });
  } finally {
    await b.kill();
  }
  report.failures.push(...report.liveFuzz.failures.map((f) => `live fuzz: ${f}`));
}

async function resources(report: Report): Promise<void> {
  const idleMs = 1000;
  const maxRequestBytes = 2 * 1024 * 1024;
  // The default connections.max.idle.ms (10 min) here: thousands of connections take longer
  // than a short idle timeout to open; the idle check gets a broker of its own.
  const b = await startBrokerProcess({ args: ['--override', `socket.request.max.bytes=${maxRequestBytes}`] });
  try {
    const c = await WireClient.connect(b.host, b.port);
    await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'pressure', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    c.close();
    say(`resources: ${FIGURES.connections} connections`);
    const connections = await manyConnections(b, FIGURES.connections);
    say(`resources: ${FIGURES.slowClients} slow clients`);
    const slow = await slowClients(b, FIGURES.slowClients, 20, 'pressure');
    say('resources: idle connections, oversized frames');
    const idleBroker = await startBrokerProcess({ args: ['--override', `connections.max.idle.ms=${idleMs}`] });
    const idle = await idleConnections(idleBroker, idleMs).finally(() => idleBroker.stop());
    const oversized = await oversizedFrames(b, maxRequestBytes, 'pressure');
    say(`resources: ${FIGURES.partitions} partitions`);
    const partitions = await manyPartitions((dataDir) => startBrokerProcess(dataDir === undefined ? { cleanup: false, timeoutMs: 120_000 } : { dataDir, timeoutMs: 120_000 }), FIGURES.partitions, 200);
    report.resources = { connections, slowClients: slow, idle, oversized, partitions };
    for (const [name, r] of Object.entries(report.resources)) report.failures.push(...r.failures.map((f) => `resources/${name}: ${f}`));
    report.failures.push(...errorLines(b.output()).map((e) => `resources: broker logged ${e}`));
  } finally {
    await b.stop();
  }
}

function table(rows: [string, string | number][]): string {
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function markdown(r: Report): string {
  const out: string[] = [];
  out.push(`# Reliability run ${r.startedAt}`, '');
  out.push(`Machine: ${r.machine.host}, ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, open files soft/hard ${r.machine.fdLimit.soft}/${r.machine.fdLimit.hard}. Elapsed ${(r.elapsedMs / 1000).toFixed(0)} s.`, '');
  out.push(`**Failures: ${r.failures.length}**`, '');
  for (const f of r.failures) out.push(`- ${f.replace(/\n/g, ' ').slice(0, 500)}`);
  if (r.decoderFuzz) {
    const d = r.decoderFuzz;
    out.push('', '## Protocol fuzzing, in process', '', table([
      ['inputs (seeds + mutations)', d.inputs], ['header rejected', d.headerRejected], ['api/version unknown', d.unknownVersion],
      ['body rejected (ProtocolDecodeError)', d.bodyRejected], ['decoded and round-tripped', d.decoded],
      ['record sets validated / past the CRC', `${d.recordSetsValidated} / ${d.recordSetsAccepted}`],
      ['failing inputs / distinct failures', `${d.failingInputs} / ${d.failures.length}`], ['elapsed', `${(d.elapsedMs / 1000).toFixed(1)} s`],
    ]));
  }
  if (r.liveFuzz) {
    const l = r.liveFuzz;
    out.push('', '## Protocol fuzzing, live broker over TCP', '', table([
      ['frames sent', l.inputs], ['answered', l.answered], ['connection closed', l.closed], ['slow (> 3 s, answered later)', l.slow],
      ['held by design (long polls, acks=0)', JSON.stringify(l.held)], ['bursts / health checks passed', `${l.bursts} / ${l.healthChecks}`],
      ['RSS start / max', `${((l.rssStartBytes ?? 0) / 2 ** 20).toFixed(0)} / ${((l.rssMaxBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`],
      ['failures', l.failures.length], ['elapsed', `${(l.elapsedMs / 1000).toFixed(1)} s`],
    ]));
  }
  if (r.crashLoops) {
    out.push('', '## Crash loops (librdkafka producer, SIGKILL, restart on the same data directory)', '',
      '| producer | flush policy | cycles | produced | acknowledged | in log | duplicates | batches CRC-checked | commits / checks | restart ms (median, max) | failures |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of r.crashLoops) {
      const sorted = [...c.restartMs].sort((a, b) => a - b);
      out.push(`| ${c.options.idempotence ? 'idempotent' : 'plain (max.in.flight 1)'} | ${c.options.flushEveryBatch ? 'log.flush.interval.messages=1' : 'default (OS)'} | ${c.cycles} | ${c.produced} | ${c.acked} | ${c.recordsInLog} | ${c.duplicates} | ${c.batchesChecked} | ${c.commitsAcked} / ${c.commitChecks} | ${sorted[Math.floor(sorted.length / 2)] ?? '-'}, ${sorted.at(-1) ?? '-'} | ${c.failures.length} |`);
    }
  }
  if (r.resources) {
    const { connections: c, slowClients: s, idle: i, oversized: o, partitions: p } = r.resources;
    out.push('', '## Resource pressure', '', table([
      ['concurrent connections answered', `${c.answered} / ${c.target} (connect retries ${c.connectRetries}, failures ${c.connectFailures})`],
      ['broker RSS before / with all open', `${c.rssBeforeMiB.toFixed(0)} / ${c.rssWithAllOpenMiB.toFixed(0)} MiB; ${c.brokerFdsWithAllOpen} fds`],
      ['slow clients (1 byte / ' + s.byteIntervalMs + ' ms, ' + s.bytesEach + ' bytes) answered', `${s.slowAnswered} / ${s.slowClients}`],
      ['normal client beside them: requests, max latency', `${s.normalRequests}, ${s.normalMaxLatencyMs} ms`],
      ['connections.max.idle.ms=' + i.idleMs + ': half frame / silent closed after', `${i.halfFrameClosedAfterMs} / ${i.silentClosedAfterMs} ms; trickling one alive after ${i.tricklingAliveAfterMs} ms`],
      ['frame over socket.request.max.bytes / negative size', `${o.overLimitClosed ? 'closed' : 'NOT closed'} / ${o.negativeClosed ? 'closed' : 'NOT closed'}`],
      ['1.5 MiB batch (over message.max.bytes)', o.batchOverMaxMessageBytes],
      [`${p.partitions} partitions: create / metadata`, `${p.createMs} ms / ${p.metadataMs} ms (${(p.metadataBytes / 1024).toFixed(0)} KiB)`],
      [`produce to ${p.producedPartitions} of them (acks=all)`, `${p.produceMs} ms`],
      ['clean restart with them', `${p.restartMs} ms`],
      ['RSS before / after create / after restart', `${p.rssBeforeMiB.toFixed(0)} / ${p.rssAfterCreateMiB.toFixed(0)} / ${p.rssAfterRestartMiB.toFixed(0)} MiB; ${p.brokerFds} fds`],
    ]));
  }
  for (const d of r.diskFull ?? []) {
    if ('error' in d) {
      out.push('', '## Full disk', '', `Not run: ${d.error}`);
      continue;
    }
    out.push('', `## Full disk: ${d.mode}`, '', table([
      ['acknowledged before full', `${d.acknowledgedBatches} batches, ${(d.acknowledgedBytes / 2 ** 20).toFixed(1)} MiB`],
      ['produces while full answered', JSON.stringify(d.errorsWhileFull)], ['connections lost while full', d.closedWhileFull],
      ['OffsetCommit while full', d.offsetCommitWhileFull], ['CreateTopics while full', d.createTopicWhileFull],
      ['SIGTERM while full: exit code; restart', `${d.stopWhileFullExitCode}; ${d.restartWhileFullMs} ms`],
      ['produced after space returned', d.producedAfterSpaceReturned], ['restart after SIGKILL', `${d.restartAfterKillMs} ms`],
    ]));
  }
  out.push('');
  return out.join('\n');
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const started = Date.now();
  const report: Report = {
    startedAt: new Date().toISOString(),
    machine: { host: hostname(), cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, fdLimit: fdLimits() },
    figures: FIGURES, seeds: {}, failures: [], elapsedMs: 0,
  };
  if (only.has('fuzz')) {
    say(`decoder fuzz: ${FIGURES.decoderInputs} inputs`);
    const seeds = allSeeds(3);
    say(`${goldenSeeds().length} captured requests, ${seeds.length} seeds in all`);
    report.seeds['decoderFuzz'] = Date.now() % 1_000_000;
    report.decoderFuzz = runDecoderFuzz(seeds, { numRuns: FIGURES.decoderInputs, seed: report.seeds['decoderFuzz'] });
    report.failures.push(...report.decoderFuzz.failures.map((f) => `decoder fuzz: ${f.signature} [${f.seedId}] ${f.frameHex.slice(0, 300)}`));
  }
  if (only.has('live')) {
    say(`live fuzz: ${FIGURES.liveInputs} frames`);
    await fuzzLive(report);
  }
  if (only.has('crash')) {
    report.crashLoops = [];
    for (const idempotence of [true, false]) {
      for (const flushEveryBatch of [true, false]) {
        say(`crash loop: ${idempotence ? 'idempotent' : 'plain'}, ${flushEveryBatch ? 'fsync every batch' : 'OS flush'}, ${FIGURES.crashCycles} cycles`);
        const r = await runCrashLoop({ cycles: FIGURES.crashCycles, partitions: 6, idempotence, flushEveryBatch, minUpMs: 200, maxUpMs: 3000, rate: 4000, seed: Date.now() % 1_000_000 });
        report.crashLoops.push(r);
        report.failures.push(...r.failures.map((f) => `crash loop: ${f}`));
      }
    }
  }
  if (only.has('resources')) await resources(report);
  if (only.has('disk')) {
    report.diskFull = [];
    for (const injected of [false, true]) {
      say(`full disk: ${injected ? 'every write failing with an injected ENOSPC' : `${FIGURES.diskMiB} MiB tmpfs`}`);
      try {
        const r = await runDiskFull(FIGURES.diskMiB, injected);
        report.diskFull.push(r);
        report.failures.push(...r.failures.map((f) => `disk full (${r.mode}): ${f}`));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        report.diskFull.push({ error });
        report.failures.push(`disk full: ${error}`);
      }
    }
  }
  report.elapsedMs = Date.now() - started;
  const dir = join(repoRoot(), 'reliability', 'results');
  mkdirSync(dir, { recursive: true });
  // A partial run (--only) gets its own name, so it never replaces the day's full report.
  const parts = only.size === PARTS.length ? '' : `-${[...only].join('-')}`;
  const base = join(dir, `${report.startedAt.slice(0, 10)}-${report.machine.host}${parts}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown(report));
  say(`${report.failures.length} failures; report in ${base}.md and .json`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

await main();
