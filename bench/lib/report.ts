// The headline table (Tributary / Kafka per figure) and the markdown report.
import type { ConsumeResult, LatencyResult, ProducerPerfResult } from './java-tools.js';
import type { ProfileSummary } from './profile.js';

export interface ColdStartRun { firstAckMs: number; connectMs: number; attempts: number }

export interface SystemResults {
  coldStart: { runs: ColdStartRun[]; medianMs: number };
  memory: { idleRssMiB: number; idleHwmMiB: number; underProduceA: { peakRssMiB: number; hwmMiB: number; samples: number } | null };
  produceA?: ProducerPerfResult;
  produceB?: ProducerPerfResult;
  consumeC?: ConsumeResult;
  /** ConsumerPerformance (group-based); null with a reason when it could not run. */
  consumeGroup?: ConsumeResult | { skipped: string };
  latencyD?: LatencyResult;
  notes: Record<string, number | string>;
}

export interface Ratio {
  figure: string;
  unit: string;
  kafka: number | null;
  tributary: number | null;
  /** tributary / kafka */
  ratio: number | null;
  better: 'higher' | 'lower';
  target: number | null;
  met: boolean | null;
}

export interface BenchReport {
  date: string;
  host: string;
  /** The Tributary commit measured (absent in reports written before it was recorded). */
  commit?: string;
  mode: 'quick' | 'full';
  machine: Record<string, string | number>;
  load: { before: number[]; after: number[]; duringNote: string };
  settings: Record<string, unknown>;
  results: Partial<Record<'kafka' | 'tributary', SystemResults>>;
  ratios: Ratio[];
  profiles: Record<string, ProfileSummary & { svg: string | null }>;
  durationSeconds: number;
}

function ratio(figure: string, unit: string, better: 'higher' | 'lower', target: number | null, k: number | undefined, t: number | undefined): Ratio {
  const kafka = k === undefined || !Number.isFinite(k) ? null : k;
  const tributary = t === undefined || !Number.isFinite(t) ? null : t;
  const r = kafka !== null && tributary !== null && kafka !== 0 ? tributary / kafka : null;
  const met = r === null || target === null ? null : better === 'higher' ? r >= target : r <= target;
  return { figure, unit, kafka, tributary, ratio: r, better, target, met };
}

export function computeRatios(k: SystemResults | undefined, t: SystemResults | undefined): Ratio[] {
  const cg = (s: SystemResults | undefined): number | undefined => {
    const c = s?.consumeGroup;
    return c !== undefined && 'mbPerSec' in c ? c.mbPerSec : undefined;
  };
  return [
    ratio('(a) produce 1 KiB, acks=all, 8 partitions', 'MB/s', 'higher', 1.2, k?.produceA?.mbPerSec, t?.produceA?.mbPerSec),
    ratio('(a) produce: p99 send latency (ProducerPerformance)', 'ms', 'lower', null, k?.produceA?.p99Ms, t?.produceA?.p99Ms),
    ratio('(b) produce 100 B, acks=1, linger 5 ms, 64 KiB batches', 'MB/s', 'higher', 1.2, k?.produceB?.mbPerSec, t?.produceB?.mbPerSec),
    ratio('(c) consume what (a) wrote (assign, no group)', 'MB/s', 'higher', 1.0, k?.consumeC?.mbPerSec, t?.consumeC?.mbPerSec),
    ratio('(c) consume, ConsumerPerformance (group)', 'MB/s', 'higher', 1.0, cg(k), cg(t)),
    ratio('(d) end-to-end latency p50', 'ms', 'lower', null, k?.latencyD?.e2e.p50Ms, t?.latencyD?.e2e.p50Ms),
    ratio('(d) end-to-end latency p99', 'ms', 'lower', 0.5, k?.latencyD?.e2e.p99Ms, t?.latencyD?.e2e.p99Ms),
    ratio('(d) end-to-end latency p99.9', 'ms', 'lower', null, k?.latencyD?.e2e.p999Ms, t?.latencyD?.e2e.p999Ms),
    ratio('(d) produce ack latency p99', 'ms', 'lower', null, k?.latencyD?.ack.p99Ms, t?.latencyD?.ack.p99Ms),
    ratio('(e) cold start to first acknowledged produce (median)', 'ms', 'lower', 0.1, k?.coldStart.medianMs, t?.coldStart.medianMs),
    ratio('(f) resident memory, idle', 'MiB', 'lower', 0.2, k?.memory.idleRssMiB, t?.memory.idleRssMiB),
    ratio('(f) resident memory, peak under (a)', 'MiB', 'lower', null, k?.memory.underProduceA?.peakRssMiB, t?.memory.underProduceA?.peakRssMiB),
  ];
}

const fmt = (v: number | null, digits = 1): string => (v === null ? 'n/a' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));
const fmtRatio = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)}×`);
const targetText = (r: Ratio): string => (r.target === null ? '' : `${r.better === 'higher' ? '≥' : '≤'} ${r.target}×`);
const metText = (r: Ratio): string => (r.met === null ? '' : r.met ? 'yes' : 'NO');

/** The console table: ratio first, as it is the headline. */
export function consoleTable(ratios: Ratio[]): string {
  const rows = [['Tributary/Kafka', 'target', 'met', 'Kafka', 'Tributary', 'unit', 'figure']];
  for (const r of ratios) rows.push([fmtRatio(r.ratio), targetText(r), metText(r), fmt(r.kafka), fmt(r.tributary), r.unit, r.figure]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row, ri) => {
    const line = row.map((c, i) => (i < 6 ? c.padStart(widths[i]!) : c)).join('  ');
    return ri === 0 ? `${line}\n${'-'.repeat(line.length)}` : line;
  }).join('\n');
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdownReport(r: BenchReport, extra: { optimisations: string; commands: string }): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# Tributary vs Apache Kafka ${m.kafkaVersion}: ${r.date} on ${r.host} (${r.mode})`);
  out.push('');
  out.push(`Generated by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` in ${r.durationSeconds.toFixed(0)} s${r.commit ? ` at commit ${r.commit}` : ''}. `
    + 'Both systems ran one after the other on this machine, each on a fresh data directory, driven by the same load generators.');
  out.push('');
  out.push(`**Machine:** ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, kernel ${m.kernel}, Node ${m.node}, ${m.java}.`);
  out.push(`**Load averages** (1/5/15 min) before: ${r.load.before.map((x) => x.toFixed(2)).join(' / ')}, after: ${r.load.after.map((x) => x.toFixed(2)).join(' / ')}. ${r.load.duringNote}`);
  out.push('');
  out.push('## Headline: Tributary / Kafka');
  out.push('');
  out.push(mdTable(['figure', 'Kafka', 'Tributary', 'unit', 'Tributary/Kafka', 'target', 'met'],
    r.ratios.map((x) => [x.figure, fmt(x.kafka), fmt(x.tributary), x.unit, `**${fmtRatio(x.ratio)}**`, targetText(x), metText(x)])));
  out.push('');
  out.push('Higher is better for throughput, lower for latency, start time and memory.');
  out.push('');
  out.push('## Raw figures');
  out.push('');
  const rows: string[][] = [];
  for (const sys of ['kafka', 'tributary'] as const) {
    const s = r.results[sys];
    if (s === undefined) continue;
    const pp = (x: ProducerPerfResult | undefined): string => (x === undefined ? 'n/a'
      : `${x.records} rec, ${x.recordsPerSec.toFixed(0)} rec/s, ${x.mbPerSec.toFixed(1)} MB/s; latency avg ${x.avgLatencyMs.toFixed(1)}, p50 ${x.p50Ms}, p99 ${x.p99Ms}, p99.9 ${x.p999Ms}, max ${x.maxLatencyMs.toFixed(0)} ms`);
    const cc = (x: ConsumeResult | { skipped: string } | undefined): string => (x === undefined ? 'n/a' : 'skipped' in x ? `not run: ${x.skipped}`
      : `${x.records} rec in ${x.seconds.toFixed(2)} s, ${x.recordsPerSec.toFixed(0)} rec/s, ${x.mbPerSec.toFixed(1)} MB/s${x.complete ? '' : ' (INCOMPLETE)'}`);
    const ll = (x: LatencyResult | undefined): string => (x === undefined ? 'n/a'
      : `target ${x.rate.toFixed(0)} rec/s (achieved ${x.achievedRate.toFixed(0)}), ${x.measuredReceived}/${x.measured} measured records received, ack errors ${x.ackErrors}; `
        + `e2e p50 ${x.e2e.p50Ms.toFixed(2)}, p99 ${x.e2e.p99Ms.toFixed(2)}, p99.9 ${x.e2e.p999Ms.toFixed(2)}, max ${x.e2e.maxMs.toFixed(1)} ms; `
        + `ack p50 ${x.ack.p50Ms.toFixed(2)}, p99 ${x.ack.p99Ms.toFixed(2)}, p99.9 ${x.ack.p999Ms.toFixed(2)} ms`);
    rows.push([sys, '(a) produce', pp(s.produceA)]);
    rows.push([sys, '(b) produce', pp(s.produceB)]);
    rows.push([sys, '(c) consume (BenchClient, assign)', cc(s.consumeC)]);
    rows.push([sys, '(c) consume (ConsumerPerformance)', cc(s.consumeGroup)]);
    rows.push([sys, '(d) latency', ll(s.latencyD)]);
    rows.push([sys, '(e) cold start', `${s.coldStart.runs.map((c) => `${c.firstAckMs.toFixed(0)} ms (connect ${c.connectMs.toFixed(0)} ms)`).join('; ')}; median ${s.coldStart.medianMs.toFixed(0)} ms`]);
    const u = s.memory.underProduceA;
    rows.push([sys, '(f) memory', `idle RSS ${s.memory.idleRssMiB.toFixed(1)} MiB (HWM ${s.memory.idleHwmMiB.toFixed(1)}); under (a): peak sampled RSS ${u?.peakRssMiB.toFixed(1) ?? 'n/a'} MiB, HWM ${u?.hwmMiB.toFixed(1) ?? 'n/a'} MiB`]);
    const notes = Object.entries(s.notes).map(([k, v]) => `${k}: ${typeof v === 'number' ? v.toFixed(0) : v}`).join('; ');
    if (notes !== '') rows.push([sys, 'notes', notes]);
  }
  out.push(mdTable(['system', 'workload', 'result'], rows));
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(extra.commands);
  out.push('');
  out.push('```json');
  out.push(JSON.stringify(r.settings, null, 2));
  out.push('```');
  out.push('');
  const profNames = Object.keys(r.profiles);
  if (profNames.length > 0) {
    out.push('## Where Tributary spends its time (node --cpu-prof)');
    out.push('');
    for (const name of profNames) {
      const p = r.profiles[name]!;
      out.push(`### ${name}`);
      out.push('');
      out.push(`Profile of ${(p.durationMs / 1000).toFixed(1)} s: busy ${(p.busyMs / 1000).toFixed(1)} s, idle ${(p.idleMs / 1000).toFixed(1)} s, GC ${(p.gcMs / 1000).toFixed(2)} s. Percentages are of busy time; locations are in the compiled JS (dist/src, with the line structure of src/, or dist/bundle/tributary.js, the start-up bundle that joins them). The profile covers the whole process: start-up, the workload and the clean shutdown (time under \`close\`).`);
      out.push('');
      if (p.svg !== null) out.push(`![flame graph: ${name}](${p.svg})`);
      out.push('');
      out.push('Top self time:');
      out.push('');
      out.push(mdTable(['self ms', 'self %', 'total %', 'function', 'location'],
        p.topSelf.slice(0, 15).map((f) => [f.selfMs.toFixed(0), f.selfPct.toFixed(1), f.totalPct.toFixed(1), `\`${f.name}\``, f.location])));
      out.push('');
      out.push('Top inclusive time (our code and Node internals):');
      out.push('');
      out.push(mdTable(['total ms', 'total %', 'function', 'location'],
        p.topTotal.slice(0, 15).map((f) => [f.totalMs.toFixed(0), f.totalPct.toFixed(1), `\`${f.name}\``, f.location])));
      out.push('');
    }
  }
  if (extra.optimisations !== '') {
    out.push(extra.optimisations);
    out.push('');
  }
  out.push('## Caveats');
  out.push('');
  out.push('- One run per figure on a small shared machine: treat differences under ~15% as noise, and re-run on a quiet machine before quoting a figure.');
  out.push('- Load generators run on the same 2 cores as the broker under test, so client CPU competes with the broker in every workload (equally for both systems).');
  out.push('- Kafka runs on its own defaults (1 GiB heap, flush left to the OS). Tributary also leaves flushing to the OS by default: acks=all means "in the page cache" for both.');
  return `${out.join('\n')}\n`;
}
