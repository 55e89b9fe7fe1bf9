// Regenerates test/fixtures/golden/: runs each real client through the capture proxy,
// one fresh broker per client.
//
//   node --import tsx tools/capture/capture.ts [--upstream kafka|tributary] [--out DIR] [java] [kcat] [python] [kafkajs]
//
// --out writes somewhere other than test/fixtures/golden (to try a change without touching the fixtures).
// --upstream kafka (the default): a real Apache Kafka (compat/kafka-server); files go to
//   golden/<client>/. The clients negotiate the newest versions Kafka 4.1 offers, some of
//   them newer than our spec set.
// --upstream tributary: Tributary from this checkout (`npx tsc -p tsconfig.json` first,
//   then bin/tributary.js start); files go to golden/<client>-tributary/. The clients
//   negotiate versions within what Tributary advertises, and skip what it lacks (groups).
//   The request bytes are still the clients' own; the responses are Tributary's.
//
// Needs what `bash .ci/run` installs (kcat, compat/python/.venv, compat/java built)
// plus, for kafka, compat/kafka-server resolved (its start.sh runs mvn the first time).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runKafkajs, runKafkajsWithoutGroup } from './kafkajs-client.js';
import { repoRoot, startCaptureProxy, type CapturedExchange } from './proxy.js';

type Upstream = 'kafka' | 'tributary';

const KAFKA_PORT = 19192;
const CONTROLLER_PORT = 19193;
const PROXY_PORT = 19194;
const root = repoRoot();
let goldenDir = join(root, 'test', 'fixtures', 'golden');
const kafkaData = join(root, 'compat', 'kafka-server', 'data-capture');

interface Ran { code: number | null; stdout: string; stderr: string }

function sh(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

const kafkaEnv = {
  KAFKA_PORT: String(KAFKA_PORT), CONTROLLER_PORT: String(CONTROLLER_PORT),
  ADVERTISED_PORT: String(PROXY_PORT), KAFKA_DATA_DIR: kafkaData, KAFKA_HEAP: '-Xmx512m',
};

const javaRun = join(root, 'compat', 'java', 'run.sh');
const python = join(root, 'compat', 'python', '.venv', 'bin', 'python');

interface Client {
  describe: () => Promise<string>;
  /** What the scenario does, per upstream (for the README). */
  does: Record<Upstream, string>;
  scenario: (bootstrap: string, upstream: Upstream) => Promise<void>;
}

const clients: Record<string, Client> = {
  java: {
    describe: async () => {
      const v = (await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', '--version'])).stdout.trim();
      return `Apache Kafka Java client and tools ${v}`;
    },
    does: {
      kafka: 'compat/java: TopicCommand, Scenarios, ConsoleConsumer with a group',
      tributary: 'compat/java: TopicCommand, Scenarios (assigned consumer; no group)',
    },
    scenario: async (bootstrap, upstream) => {
      const bs = ['--bootstrap-server', bootstrap];
      await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', ...bs, '--create', '--topic', 'cap-java', '--partitions', '1',
        '--replication-factor', '1']);
      await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', ...bs, '--describe', '--topic', 'cap-java']);
      await sh(javaRun, ['dev.tributary.compat.Scenarios', 'produce-consume', ...bs, '--topic', 'cap-java', '--count', '3']);
      if (upstream === 'kafka') {
        await sh(javaRun, ['org.apache.kafka.tools.consumer.ConsoleConsumer', ...bs, '--topic', 'cap-java', '--from-beginning',
          '--max-messages', '3', '--timeout-ms', '20000', '--group', 'cap-java-group']);
      }
    },
  },
  kcat: {
    describe: async () => {
      const v = (await sh('kcat', ['-V'])).stdout;
      const kc = /kcat - .*?\n.*?\nVersion ([^\s]+).*?librdkafka ([^\s]+)/s.exec(v);
      return kc ? `kcat ${kc[1]} (Debian package) with librdkafka ${kc[2]}` : `kcat: ${v.split('\n').slice(0, 3).join(' ')}`;
    },
    does: { kafka: 'metadata, produce, consume, query offsets', tributary: 'metadata, produce, consume, query offsets' },
    scenario: async (bootstrap) => {
      const b = ['-b', bootstrap];
      await sh('kcat', [...b, '-L']);
      await sh('kcat', [...b, '-P', '-t', 'cap-kcat', '-K:'], { input: 'k1:v1\nk2:v2\nk3:v3\n' });
      await sh('kcat', [...b, '-C', '-t', 'cap-kcat', '-o', 'beginning', '-e', '-f', '%k:%s\n']);
      await sh('kcat', [...b, '-Q', '-t', 'cap-kcat:0:-1']);
    },
  },
  python: {
    describe: async () => {
      const v = (await sh(python, ['-c', 'import confluent_kafka as c; v=c.version(); print(v[0] if isinstance(v, tuple) else v, c.libversion()[0])'])).stdout.trim().split(' ');
      return `confluent-kafka-python ${v[0]} with librdkafka ${v[1]}`;
    },
    does: { kafka: 'compat/python/scenario_basic.py --count 3', tributary: 'compat/python/scenario_basic.py --count 3' },
    scenario: async (bootstrap) => {
      await sh(python, [join(root, 'compat', 'python', 'scenario_basic.py'), '--bootstrap-server', bootstrap,
        '--topic', 'cap-python', '--count', '3', '--partitions', '1']);
    },
  },
  kafkajs: {
    describe: async () => {
      const pkg = createRequire(import.meta.url)('kafkajs/package.json') as { version: string };
      return `kafkajs ${pkg.version}`;
    },
    does: {
      kafka: 'tools/capture/kafkajs-client.ts: admin, producer, group consumer',
      tributary: "tools/capture/kafkajs-client.ts: admin, producer, Fetch through kafkajs's own Broker.fetch (no group)",
    },
    scenario: (bootstrap, upstream) => (upstream === 'kafka' ? runKafkajs : runKafkajsWithoutGroup)(bootstrap, 'cap-kafkajs'),
  },
};

function dirName(client: string, upstream: Upstream): string {
  return upstream === 'kafka' ? client : `${client}-tributary`;
}

interface Result { dir: string; describe: string; captured: CapturedExchange[] }

/** Starts a real Apache Kafka that advertises the proxy's port; returns how to stop it. */
async function startKafka(): Promise<{ port: number; stop: () => Promise<void> }> {
  const started = await sh(join(root, 'compat', 'kafka-server', 'start.sh'), [], { env: kafkaEnv, timeoutMs: 120_000 });
  process.stderr.write(started.stdout);
  return {
    port: KAFKA_PORT,
    stop: async () => { await sh(join(root, 'compat', 'kafka-server', 'stop.sh'), [], { env: kafkaEnv }); },
  };
}

/** Starts `tributary start` on a fresh data dir, advertising the proxy's port, and waits for its ready line. */
async function startTributary(proxyPort: number): Promise<{ port: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-capture-'));
  // Not --kafka-port: it resets advertised.listeners, and the clients must come back through the proxy.
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'tributary.js'), 'start', '--data-dir', dataDir,
    '--http-port', '0', '--override', 'listeners=PLAINTEXT://127.0.0.1:0',
    '--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${proxyPort}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tributary printed no ready line in 20 s:\n${output}`)), 20_000);
    const onData = (c: Buffer): void => {
      output += c.toString();
      const m = /Tributary ready: Kafka on [^\s:]+:(\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tributary exited ${code} before its ready line:\n${output}`)); });
  });
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function captureClient(name: string, client: Client, upstream: Upstream): Promise<Result> {
  const dir = dirName(name, upstream);
  const outDir = join(goldenDir, dir);
  rmSync(outDir, { recursive: true, force: true });
  let upstreamPort = 0;
  // Tributary's ephemeral port is known only after it starts, and it must advertise the proxy: proxy first.
  const proxy = await startCaptureProxy({
    listenPort: upstream === 'kafka' ? PROXY_PORT : 0, upstreamHost: '127.0.0.1', upstreamPort: () => upstreamPort, outDir,
    log: (line) => process.stderr.write(`[${dir}] ${line}\n`),
  });
  let broker: { port: number; stop: () => Promise<void> } | null = null;
  try {
    broker = upstream === 'kafka' ? await startKafka() : await startTributary(proxy.port);
    upstreamPort = broker.port;
    await client.scenario(`127.0.0.1:${proxy.port}`, upstream);
    // Let the last responses arrive before closing.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await proxy.close();
    await broker?.stop();
  }
  return { dir, describe: `${await client.describe()} (${client.does[upstream]})`, captured: proxy.captured };
}

/** What an earlier run left in golden/<dir>, for the README sections not recaptured this time. */
function existing(dir: string): CapturedExchange[] | null {
  let files: string[];
  try {
    files = readdirSync(join(goldenDir, dir)).filter((f) => f.endsWith('.bin') && !f.endsWith('.response.bin'));
  } catch {
    return null;
  }
  return files.map((f) => {
    const m = /^(\w+)-v(\d+)\.bin$/.exec(f);
    if (!m) throw new Error(`unexpected fixture name ${dir}/${f}`);
    const resp = join(goldenDir, dir, f.replace(/\.bin$/, '.response.bin'));
    const req = join(goldenDir, dir, f);
    return {
      api: m[1]!, apiKey: readFileSync(req).readInt16BE(0), version: Number(m[2]), requestFile: req,
      responseFile: existsSync(resp) ? resp : null, requestBytes: statSync(req).size,
      responseBytes: existsSync(resp) ? statSync(resp).size : null,
    };
  });
}

function readme(results: Result[], kafkaVersion: string): string {
  const lines: string[] = [];
  lines.push('# Golden bytes from real clients', '');
  lines.push('Request and response frames exchanged by real Kafka clients and a broker, recorded by',
    '`tools/capture/proxy.ts`. Each `<Api>-v<version>.bin` is the first request of that api and version',
    'the client sent, without its 4-byte size prefix (so it starts with the request header: api key,',
    'api version, correlation id, client id, then tagged fields for flexible versions);',
    '`<Api>-v<version>.response.bin` is the broker\'s response to it (response header, then body), also',
    'without the size prefix. `test/protocol/golden.test.ts` decodes these, checks fields, and re-encodes',
    'them to the same bytes.', '');
  lines.push('Two upstreams:', '',
    `- \`<client>/\`: a real Apache Kafka ${kafkaVersion} broker (KRaft, one node, \`compat/kafka-server\`).`,
    '  The clients negotiate the newest versions Kafka offers, some newer than our spec set',
    '  (e.g. Metadata v13, Produce v13, Fetch v18): the golden test lists those as known-unchecked.',
    '- `<client>-tributary/`: Tributary from this checkout. It advertises only the versions our',
    '  handlers implement (e.g. Metadata <= 12, Produce <= 11, Fetch <= 17, ApiVersions <= 4), so the',
    '  clients pick versions our codec knows. The request bytes are still the clients\' own; the',
    '  responses are Tributary\'s. The scenarios skip what Tributary lacks (consumer groups).', '');
  lines.push('## Regenerate', '',
    'Needs kcat, compat/python/.venv and compat/java built (`bash .ci/run` installs them). From the',
    'repository root:', '',
    '```',
    'node --import tsx tools/capture/capture.ts                       # all clients, Apache Kafka',
    'node --import tsx tools/capture/capture.ts kcat                  # one client',
    'npx tsc -p tsconfig.json                                         # Tributary runs from dist/',
    'node --import tsx tools/capture/capture.ts --upstream tributary  # all clients, Tributary',
    'node --import tsx tools/capture/capture.ts --out /tmp/golden kcat  # try it without touching these files',
    '```', '',
    'Apache Kafka needs Maven for compat/kafka-server and ports 19192-19194 free; each client runs',
    'against a freshly formatted broker that advertises the proxy\'s port (19194). Tributary runs as',
    '`bin/tributary.js start` on a fresh data directory and ephemeral ports, advertising the proxy\'s',
    '(ephemeral) port. Either way every connection goes through the proxy. Correlation ids, client ids,',
    'producer ids, timestamps, topic ids and cluster ids in the files are whatever that run produced.', '');
  for (const r of results) {
    lines.push(`## ${r.dir}/`, '', r.describe, '', '| api | version | request bytes | response bytes |', '| --- | --- | --- | --- |');
    const sorted = [...r.captured].sort((a, b) => a.apiKey - b.apiKey || a.version - b.version);
    for (const c of sorted) {
      lines.push(`| ${c.api} (${c.apiKey}) | ${c.version} | ${c.requestBytes} | ${c.responseBytes ?? 'none (the client disconnected first)'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let upstream: Upstream = 'kafka';
  const i = argv.indexOf('--upstream');
  if (i >= 0) {
    const u = argv[i + 1];
    if (u !== 'kafka' && u !== 'tributary') throw new Error(`--upstream must be kafka or tributary, got ${u}`);
    upstream = u;
    argv.splice(i, 2);
  }
  const o = argv.indexOf('--out');
  if (o >= 0) {
    if (!argv[o + 1]) throw new Error('--out needs a directory');
    goldenDir = resolve(argv[o + 1]!);
    argv.splice(o, 2);
  }
  const names = argv.length > 0 ? argv : Object.keys(clients);
  for (const n of names) if (!clients[n]) throw new Error(`unknown client ${n}; known: ${Object.keys(clients).join(', ')}`);
  if (upstream === 'tributary') {
    // Compile so bin/tributary.js runs this checkout. Another engineer's in-progress file may fail to
    // type-check; tsc still emits, so only a missing CLI stops the capture.
    const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
    if (tsc.status !== 0) process.stderr.write(`tsc reported errors (continuing with what it emitted):\n${tsc.stdout.slice(-2000)}\n`);
    if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/src/cli/main.js missing after tsc');
  }
  const results: Result[] = [];
  for (const n of names) {
    process.stderr.write(`== ${n} (${upstream})\n`);
    results.push(await captureClient(n, clients[n]!, upstream));
  }
  if (upstream === 'kafka') rmSync(kafkaData, { recursive: true, force: true });
  // Keep the README's sections for what was not recaptured this time.
  const all: Result[] = [];
  for (const u of ['kafka', 'tributary'] as const) {
    for (const n of Object.keys(clients)) {
      const dir = dirName(n, u);
      const fresh = results.find((r) => r.dir === dir);
      if (fresh) { all.push(fresh); continue; }
      const captured = existing(dir);
      if (captured) all.push({ dir, describe: `${await clients[n]!.describe()} (${clients[n]!.does[u]})`, captured });
    }
  }
  const kafkaVersion = (await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', '--version'])).stdout.trim();
  writeFileSync(join(goldenDir, 'README.md'), readme(all, kafkaVersion));
  for (const r of results) {
    process.stderr.write(`${r.dir}: ${r.captured.map((c) => `${c.api}-v${c.version}`).join(' ')}\n`);
  }
}

await main();
