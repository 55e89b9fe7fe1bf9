// Several full runs in one table: per figure, the median Tributary/Kafka ratio,
// its range, and in how many runs the target was met. On a 2-core machine a
// single run's ratio moves with either system's run-to-run spread (Kafka's
// (b) and (d) figures vary by 1.5-4x between identical runs), so targets are
// judged on the median of several runs of one build.
//
//   node --import tsx bench/summary.ts RESULT.json... [--out FILE.md]
//
// The inputs are `npm run bench` JSON reports (bench/results/).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { computeRatios, type BenchReport, type Ratio } from './lib/report.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const files = args.filter((a, i) => a !== '--out' && (outAt < 0 || i !== outAt + 1));
if (files.length === 0) {
  console.error('usage: bench/summary.ts RESULT.json... [--out FILE.md]');
  process.exit(2);
}

const runs = files.map((f) => {
  const report = JSON.parse(readFileSync(f, 'utf8')) as BenchReport;
  // Recomputed from the raw results, so that reports written before a change to the table still line up.
  return { name: basename(f, '.json'), report, ratios: computeRatios(report.results.kafka, report.results.tributary) };
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const f2 = (x: number): string => `${x.toFixed(2)}×`;
const rows: string[][] = [];
for (const [i, first] of runs[0]!.ratios.entries()) {
  const per = runs.map((r) => r.ratios[i]).filter((x): x is Ratio => x !== undefined && x.ratio !== null);
  const ratios = per.map((r) => r.ratio!);
  if (ratios.length === 0) {
    rows.push([first.figure, 'n/a', '', '', '', '']);
    continue;
  }
  const m = median(ratios);
  const target = first.target === null ? '' : `${first.better === 'higher' ? '≥' : '≤'} ${first.target}×`;
  const metMedian = first.target === null ? '' : (first.better === 'higher' ? m >= first.target : m <= first.target) ? 'yes' : 'NO';
  const metRuns = first.target === null ? '' : `${per.filter((r) => r.met === true).length} of ${per.length}`;
  rows.push([
    first.figure, `**${f2(m)}**`, `${f2(Math.min(...ratios))} - ${f2(Math.max(...ratios))}`, target, metMedian, metRuns,
    `${median(per.map((r) => r.kafka!)).toFixed(1)} / ${median(per.map((r) => r.tributary!)).toFixed(1)} ${first.unit}`,
  ]);
}

const table = [
  '| figure | median Tributary/Kafka | range | target | met (median) | runs meeting it | median Kafka / Tributary |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const list = runs.map((r) => `- \`${r.name}\`: ${r.report.date}, ${r.report.mode}${r.report.commit ? `, commit ${r.report.commit}` : ''}, load averages before ${r.report.load.before.map((x) => x.toFixed(2)).join(' / ')}`).join('\n');
const md = `# Tributary vs Apache Kafka: ${runs.length} runs\n\n${table}\n\nRuns (each one \`npm run bench\`, Kafka then Tributary):\n\n${list}\n`;
if (out !== undefined) writeFileSync(out, md);
console.log(md);
