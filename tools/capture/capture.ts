// Regenerates test/fixtures/golden/: runs each real client against a real Apache Kafka
// (compat/kafka-server) through the capture proxy, one fresh broker per client.
//
//   node --import tsx tools/capture/capture.ts [java] [kcat] [python] [kafkajs]
//
// Needs what `bash .ci/run` installs (kcat, compat/python/.venv, compat/java built)
// plus compat/kafka-server resolved (its start.sh runs mvn the first time).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKafkajs } from './kafkajs-client.js';
import { repoRoot, startCaptureProxy, type CapturedExchange } from './proxy.js';

const KAFKA_PORT = 19192;
const CONTROLLER_PORT = 19193;
const PROXY_PORT = 19194;
const BOOTSTRAP = `127.0.0.1:${PROXY_PORT}`;
const root = repoRoot();
const goldenDir = join(root, 'test', 'fixtures', 'golden');
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

interface Client { describe: () => Promise<string>; scenario: () => Promise<void> }

const clients: Record<string, Client> = {
  java: {
    describe: async () => {
      const v = (await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', '--version'])).stdout.trim();
      return `Apache Kafka Java client and tools ${v} (compat/java: TopicCommand, Scenarios, ConsoleConsumer with a group)`;
    },
    scenario: async () => {
      const bs = ['--bootstrap-server', BOOTSTRAP];
      await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', ...bs, '--create', '--topic', 'cap-java', '--partitions', '1',
        '--replication-factor', '1']);
      await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', ...bs, '--describe', '--topic', 'cap-java']);
      await sh(javaRun, ['dev.tributary.compat.Scenarios', 'produce-consume', ...bs, '--topic', 'cap-java', '--count', '3']);
      await sh(javaRun, ['org.apache.kafka.tools.consumer.ConsoleConsumer', ...bs, '--topic', 'cap-java', '--from-beginning',
        '--max-messages', '3', '--timeout-ms', '20000', '--group', 'cap-java-group']);
    },
  },
  kcat: {
    describe: async () => {
      const v = (await sh('kcat', ['-V'])).stdout;
      const kc = /kcat - .*?\n.*?\nVersion ([^\s]+).*?librdkafka ([^\s]+)/s.exec(v);
      return kc ? `kcat ${kc[1]} (Debian package) with librdkafka ${kc[2]}` : `kcat: ${v.split('\n').slice(0, 3).join(' ')}`;
    },
    scenario: async () => {
      const b = ['-b', BOOTSTRAP];
      await sh('kcat', [...b, '-L']);
      await sh('kcat', [...b, '-P', '-t', 'cap-kcat', '-K:'], { input: 'k1:v1\nk2:v2\nk3:v3\n' });
      await sh('kcat', [...b, '-C', '-t', 'cap-kcat', '-o', 'beginning', '-e', '-f', '%k:%s\n']);
      await sh('kcat', [...b, '-Q', '-t', 'cap-kcat:0:-1']);
    },
  },
  python: {
    describe: async () => {
      const v = (await sh(python, ['-c', 'import confluent_kafka as c; v=c.version(); print(v[0] if isinstance(v, tuple) else v, c.libversion()[0])'])).stdout.trim().split(' ');
      return `confluent-kafka-python ${v[0]} with librdkafka ${v[1]} (compat/python/scenario_basic.py --count 3)`;
    },
    scenario: async () => {
      await sh(python, [join(root, 'compat', 'python', 'scenario_basic.py'), '--bootstrap-server', BOOTSTRAP,
        '--topic', 'cap-python', '--count', '3', '--partitions', '1']);
    },
  },
  kafkajs: {
    describe: async () => {
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url)('kafkajs/package.json') as { version: string };
      return `kafkajs ${pkg.version} (tools/capture/kafkajs-client.ts: admin, producer, group consumer)`;
    },
    scenario: () => runKafkajs(BOOTSTRAP, 'cap-kafkajs'),
  },
};

async function captureClient(name: string, client: Client): Promise<{ name: string; describe: string; captured: CapturedExchange[] }> {
  const outDir = join(goldenDir, name);
  rmSync(outDir, { recursive: true, force: true });
  const started = await sh(join(root, 'compat', 'kafka-server', 'start.sh'), [], { env: kafkaEnv, timeoutMs: 120_000 });
  process.stderr.write(started.stdout);
  const proxy = await startCaptureProxy({
    listenPort: PROXY_PORT, upstreamHost: '127.0.0.1', upstreamPort: KAFKA_PORT, outDir,
    log: (line) => process.stderr.write(`[${name}] ${line}\n`),
  });
  try {
    await client.scenario();
    // Let the last responses arrive before closing.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await proxy.close();
    await sh(join(root, 'compat', 'kafka-server', 'stop.sh'), [], { env: kafkaEnv });
  }
  return { name, describe: await client.describe(), captured: proxy.captured };
}

function readme(results: { name: string; describe: string; captured: CapturedExchange[] }[], kafkaVersion: string): string {
  const lines: string[] = [];
  lines.push('# Golden bytes from real clients', '');
  lines.push('Request and response frames exchanged by real Kafka clients and a real Apache Kafka',
    `${kafkaVersion} broker (KRaft, one node, \`compat/kafka-server\`), recorded by \`tools/capture/proxy.ts\`.`,
    'Each `<Api>-v<version>.bin` is the first request of that api and version the client sent, without',
    'its 4-byte size prefix (so it starts with the request header: api key, api version, correlation id,',
    'client id, then tagged fields for flexible versions); `<Api>-v<version>.response.bin` is the',
    'broker\'s response to it (response header, then body), also without the size prefix.',
    'Codec tests decode these, check the fields, and re-encode to the same bytes.', '');
  lines.push('## Regenerate', '',
    'Needs kcat, compat/python/.venv and compat/java built (`bash .ci/run` installs them) and Maven',
    'for compat/kafka-server. Ports 19192-19194 must be free. Then, from the repository root:', '',
    '```', 'node --import tsx tools/capture/capture.ts            # all clients', 'node --import tsx tools/capture/capture.ts kcat       # one client', '```', '',
    'Each client runs against a freshly formatted broker that advertises the proxy\'s port (19194),',
    'so every connection goes through the proxy. Correlation ids, client ids, producer ids,',
    'timestamps, topic ids and cluster ids in the files are whatever that run produced.', '');
  for (const r of results) {
    lines.push(`## ${r.name}/`, '', r.describe, '', '| api | version | request bytes | response bytes |', '| --- | --- | --- | --- |');
    const sorted = [...r.captured].sort((a, b) => a.apiKey - b.apiKey || a.version - b.version);
    for (const c of sorted) {
      lines.push(`| ${c.api} (${c.apiKey}) | ${c.version} | ${c.requestBytes} | ${c.responseBytes ?? 'none (the client disconnected first)'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(clients);
  for (const n of names) if (!clients[n]) throw new Error(`unknown client ${n}; known: ${Object.keys(clients).join(', ')}`);
  const results = [];
  for (const n of names) {
    process.stderr.write(`== ${n}\n`);
    results.push(await captureClient(n, clients[n]!));
  }
  rmSync(kafkaData, { recursive: true, force: true });
  // Keep the README's sections for clients not recaptured this time.
  const all = [...results];
  for (const n of Object.keys(clients)) {
    if (names.includes(n)) continue;
    try {
      const files = readdirSync(join(goldenDir, n)).filter((f) => f.endsWith('.bin') && !f.endsWith('.response.bin'));
      all.push({
        name: n, describe: await clients[n]!.describe(),
        captured: files.map((f) => {
          const m = /^(\w+)-v(\d+)\.bin$/.exec(f)!;
          const resp = join(goldenDir, n, f.replace(/\.bin$/, '.response.bin'));
          let responseBytes: number | null = null;
          try { responseBytes = statSync(resp).size; } catch { /* none */ }
          const req = statSync(join(goldenDir, n, f)).size;
          const apiKey = readFileSync(join(goldenDir, n, f)).readInt16BE(0);
          return { api: m[1]!, apiKey, version: Number(m[2]), requestFile: f, responseFile: null, requestBytes: req, responseBytes };
        }),
      });
    } catch { /* never captured */ }
  }
  all.sort((a, b) => Object.keys(clients).indexOf(a.name) - Object.keys(clients).indexOf(b.name));
  const kafkaVersion = (await sh(javaRun, ['org.apache.kafka.tools.TopicCommand', '--version'])).stdout.trim();
  writeFileSync(join(goldenDir, 'README.md'), readme(all, kafkaVersion));
  for (const r of results) {
    process.stderr.write(`${r.name}: ${r.captured.map((c) => `${c.api}-v${c.version}`).join(' ')}\n`);
  }
}

await main();
