// The two systems under test, started the same way each time: a fresh data
// directory, a fresh process, free ports on 127.0.0.1.
//
// Apache Kafka 4.1.1 runs as one combined KRaft broker+controller from the
// Maven Central jars that compat/kafka-server/pom.xml puts on a classpath,
// with the server.properties of compat/kafka-server/start.sh and the JVM
// options Kafka's own scripts use (kafka-server-start.sh: -Xmx1G -Xms1G;
// kafka-run-class.sh: G1 with its default tuning flags).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runToEnd, spawnLogged, stopProcess, type Spawned } from './proc.js';

export type SystemName = 'kafka' | 'tributary';

export interface BrokerHandle {
  system: SystemName;
  host: string;
  port: number;
  bootstrap: string;
  proc: Spawned;
  pid: number;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  dataDir: string;
  /** Extra timings worth reporting (e.g. Kafka's storage format step). */
  notes: Record<string, number>;
  stop(): Promise<number | string>;
}

export interface StartOptions {
  /** Tributary only: write a V8 CPU profile (node --cpu-prof) into this directory on exit. */
  cpuProfileDir?: string;
  logFile: string;
}

/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS default. */
export const KAFKA_JVM_PERFORMANCE_OPTS = [
  '-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true',
];
/** kafka-server-start.sh's KAFKA_HEAP_OPTS default. */
export const KAFKA_BROKER_HEAP = ['-Xmx1G', '-Xms1G'];

/** True when every jar a classpath file names exists (a wiped ~/.m2 invalidates it). */
function classpathOk(file: string): boolean {
  if (!existsSync(file)) return false;
  const jars = readFileSync(file, 'utf8').trim().split(':').filter((j) => j !== '');
  return jars.length > 0 && jars.every((j) => existsSync(j));
}

/** The classpath of a compat Maven project, building it (as its scripts do) when missing. */
export async function mavenClasspath(projectDir: string): Promise<string> {
  const file = join(projectDir, 'target', 'classpath.txt');
  if (!classpathOk(file)) {
    process.stderr.write(`bench: building ${projectDir} (mvn package)\n`);
    await runToEnd('mvn', ['-q', '-B', '-Dstyle.color=never', 'package'], { cwd: projectDir });
  }
  return readFileSync(file, 'utf8').trim();
}

/** A Kafka cluster id: 16 random bytes as unpadded base64url, not starting with '-' (as Uuid.randomUuid avoids). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export class KafkaSystem {
  readonly name: SystemName = 'kafka';
  private cp = '';

  constructor(private readonly repo: string) {}

  async prepare(): Promise<void> {
    this.cp = await mavenClasspath(join(this.repo, 'compat', 'kafka-server'));
  }

  get javaOptions(): string[] {
    return [...KAFKA_BROKER_HEAP, ...KAFKA_JVM_PERFORMANCE_OPTS];
  }

  async start(opts: StartOptions): Promise<BrokerHandle> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
    const port = await freePort();
    let cport = await freePort();
    while (cport === port) cport = await freePort();
    // The properties of compat/kafka-server/start.sh, on our own ports and directory.
    const props = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${cport}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dataDir, 'logs')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n');
    const propsFile = join(dataDir, 'server.properties');
    writeFileSync(propsFile, `${props}\n`);
    // kafka-storage.sh format: a separate step before the broker's first start, timed apart.
    const formatStart = performance.now();
    try {
      await runToEnd('java', [...KAFKA_JVM_PERFORMANCE_OPTS, '-Xmx256M', '-cp', this.cp, 'kafka.tools.StorageTool',
        'format', '--standalone', '-t', clusterId(), '-c', propsFile], { timeoutMs: 60_000 });
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const formatMs = performance.now() - formatStart;

    const spawnedAt = performance.now();
    const proc = spawnLogged('java', [...this.javaOptions, '-cp', this.cp, 'kafka.Kafka', propsFile], { logFile: opts.logFile });
    return {
      system: 'kafka', host: '127.0.0.1', port, bootstrap: `127.0.0.1:${port}`, proc, pid: proc.pid, spawnedAt, dataDir,
      notes: { storageFormatMs: formatMs },
      async stop() {
        const code = await stopProcess(proc, 60_000);
        rmSync(dataDir, { recursive: true, force: true });
        return code;
      },
    };
  }
}

export class TributarySystem {
  readonly name: SystemName = 'tributary';

  constructor(private readonly repo: string) {}

  async prepare(): Promise<void> {
    if (!existsSync(join(this.repo, 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` (bench does unless --no-build)');
    }
  }

  nodeArgs(opts: StartOptions): string[] {
    // BENCH_NODE_OPTIONS: extra node flags for experiments (e.g. --trace-gc); never set by the harness itself.
    const extra = (process.env['BENCH_NODE_OPTIONS'] ?? '').split(' ').filter((a) => a !== '');
    if (opts.cpuProfileDir === undefined) return extra;
    mkdirSync(opts.cpuProfileDir, { recursive: true });
    return [...extra, '--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir];
  }

  async start(opts: StartOptions): Promise<BrokerHandle> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-tributary-'));
    const port = await freePort();
    const args = [...this.nodeArgs(opts), join(this.repo, 'bin', 'tributary.js'), 'start',
      '--data-dir', dataDir, '--kafka-port', String(port), '--http-port', '0'];
    const spawnedAt = performance.now();
    const proc = spawnLogged(process.execPath, args, { logFile: opts.logFile, cwd: this.repo });
    return {
      system: 'tributary', host: '127.0.0.1', port, bootstrap: `127.0.0.1:${port}`, proc, pid: proc.pid, spawnedAt, dataDir, notes: {},
      async stop() {
        const code = await stopProcess(proc, 30_000);
        rmSync(dataDir, { recursive: true, force: true });
        return code;
      },
    };
  }
}
