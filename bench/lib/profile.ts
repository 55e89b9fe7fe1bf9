// Reads a V8 .cpuprofile (node --cpu-prof): the functions with the most self
// time and the most inclusive time, and a flame graph as a self-contained SVG.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  file: string;
  durationMs: number;
  /** Time not idle: what the process spent working (JS, GC, native, "(program)"). */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  /** Percentages are of busy time. */
  topSelf: FunctionTime[];
  topTotal: FunctionTime[];
}

const PSEUDO = new Set(['(root)', '(idle)', '(program)', '(garbage collector)']);

function location(cf: CallFrame, repo: string): string {
  if (cf.url === '') return '';
  let u = cf.url.replace(/^file:\/\//, '');
  if (u.startsWith('/')) u = relative(repo, u);
  return `${u}:${cf.lineNumber + 1}`;
}

function keyOf(cf: CallFrame, repo: string): string {
  return `${cf.functionName || '(anonymous)'}\u0000${location(cf, repo)}`;
}

/** Per-node sample time: each sample gets the time until the next one (V8's timeDeltas). */
function nodeTimes(p: CpuProfile): Map<number, number> {
  const t = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const id = p.samples[i]!;
    t.set(id, (t.get(id) ?? 0) + Math.max(dt, 0));
  }
  return t;
}

export function summarizeProfile(file: string, repo: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = nodeTimes(p);
  const durationMs = (p.endTime - p.startTime) / 1000;
  let idleMs = 0;
  let gcMs = 0;
  const selfByKey = new Map<string, number>();
  const totalByKey = new Map<string, number>();
  // Inclusive time: each key counted once per stack, so recursion does not double it.
  const walk = (id: number, onStack: Map<string, number>): number => {
    const n = byId.get(id)!;
    const key = keyOf(n.callFrame, repo);
    const s = self.get(id) ?? 0;
    if (n.callFrame.functionName === '(idle)') idleMs += s;
    if (n.callFrame.functionName === '(garbage collector)') gcMs += s;
    selfByKey.set(key, (selfByKey.get(key) ?? 0) + s);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let inclusive = s;
    for (const c of n.children ?? []) inclusive += walk(c, onStack);
    const depth = onStack.get(key)! - 1;
    if (depth === 0) {
      totalByKey.set(key, (totalByKey.get(key) ?? 0) + inclusive);
      onStack.delete(key);
    } else {
      onStack.set(key, depth);
    }
    return inclusive;
  };
  walk(p.nodes[0]!.id, new Map());
  const busyMs = Math.max(durationMs - idleMs, 1e-9);
  const entries = (m: Map<string, number>): [string, number][] =>
    [...m.entries()].filter(([k]) => !PSEUDO.has(k.split('\u0000')[0]!) || k.startsWith('(garbage') || k.startsWith('(program'));
  const toRow = (k: string): FunctionTime => {
    const [name, loc] = k.split('\u0000') as [string, string];
    const s = selfByKey.get(k) ?? 0;
    const t = totalByKey.get(k) ?? 0;
    return { name, location: loc, selfMs: s, selfPct: (100 * s) / busyMs, totalMs: t, totalPct: (100 * t) / busyMs };
  };
  const topSelf = entries(selfByKey).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k]) => toRow(k));
  const topTotal = entries(totalByKey).filter(([k]) => !k.startsWith('(')).sort((a, b) => b[1] - a[1]).slice(0, top).map(([k]) => toRow(k));
  return { file, durationMs, busyMs, idleMs, gcMs, topSelf, topTotal };
}

// ------------------------------------------------------------------ flame graph

interface Frame { name: string; loc: string; value: number; children: Map<string, Frame> }

function category(name: string, loc: string): string {
  if (name === '(garbage collector)') return '#e05d5d';
  if (name === '(program)') return '#b0b0b0';
  if (loc.includes('node_modules')) return '#c39bd3';
  if (loc.startsWith('dist/') || loc.startsWith('src/')) return '#f0a44b';
  if (loc.startsWith('node:') || loc === '') return '#7fb3d5';
  return '#a9cce3';
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A flame graph (callers below callees, widths by time) of the busy part of a profile; idle time is left out. */
export function flameGraphSvg(file: string, repo: string, title: string, width = 1400): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = nodeTimes(p);
  const root: Frame = { name: 'all (busy)', loc: '', value: 0, children: new Map() };
  const build = (id: number, into: Frame): number => {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') return 0;
    const name = n.callFrame.functionName || '(anonymous)';
    const loc = location(n.callFrame, repo);
    const key = `${name}\u0000${loc}`;
    let f = into.children.get(key);
    if (f === undefined) {
      f = { name, loc, value: 0, children: new Map() };
      into.children.set(key, f);
    }
    let v = self.get(id) ?? 0;
    for (const c of n.children ?? []) v += build(c, f);
    f.value += v;
    return v;
  };
  const rootNode = p.nodes[0]!;
  for (const c of rootNode.children ?? []) root.value += build(c, root);
  const rowH = 16;
  let maxDepth = 0;
  const rects: string[] = [];
  const minWidth = 0.5;
  const scale = (width - 20) / Math.max(root.value, 1e-9);
  const place = (f: Frame, x: number, depth: number): void => {
    const w = f.value * scale;
    if (w < minWidth) return;
    maxDepth = Math.max(maxDepth, depth);
    rects.push(`${x.toFixed(1)}|${depth}|${w.toFixed(1)}|${escapeXml(f.name)}|${escapeXml(f.loc)}|${f.value.toFixed(1)}|${category(f.name, f.loc)}`);
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(c, cx, depth + 1);
      cx += c.value * scale;
    }
  };
  place(root, 10, 0);
  const height = (maxDepth + 1) * rowH + 60;
  const body = rects.map((r) => {
    const [x, depth, w, name, loc, ms, color] = r.split('|');
    const y = height - 20 - (Number(depth) + 1) * rowH;
    const pct = ((100 * Number(ms)) / Math.max(root.value, 1e-9)).toFixed(1);
    const label = Number(w) > 40 ? name!.slice(0, Math.floor(Number(w) / 7)) : '';
    return `<g><title>${name} ${loc} — ${ms} ms (${pct}%)</title><rect x="${x}" y="${y}" width="${w}" height="${rowH - 1}" fill="${color}" rx="2"/>`
      + (label !== '' ? `<text x="${Number(x) + 3}" y="${y + 12}">${label}</text>` : '') + '</g>';
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="20" font-size="14">${escapeXml(title)} — busy ${root.value.toFixed(0)} ms of ${((p.endTime - p.startTime) / 1000).toFixed(0)} ms (idle left out). Orange: Tributary, blue: Node internals, purple: dependencies, red: GC. Hover for details.</text>
${body}
</svg>
`;
}
