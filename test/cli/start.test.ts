import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadBrokerConfig } from '../../src/config/broker-config.js';
import type { BrokerConfig } from '../../src/config/broker-config.js';
import { runCli } from '../../src/cli/run.js';
import type { RunningPlatform } from '../../src/cli/start.js';
import { configFromOptions, describeStartError, readyLine, runStart } from '../../src/cli/start.js';

function harness(platform: (config: BrokerConfig) => Promise<RunningPlatform>) {
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const handlers = new Map<string, () => void>();
  let exited: () => void = () => {};
  const exitedPromise = new Promise<void>((resolve) => { exited = resolve; });
  return {
    out, err, exits, handlers, exitedPromise,
    deps: {
      startPlatform: platform,
      stdout: (t: string) => void out.push(t),
      stderr: (t: string) => void err.push(t),
      exit: (code: number) => { exits.push(code); exited(); },
      onSignal: (signal: NodeJS.Signals, handler: () => void) => void handlers.set(signal, handler),
    },
  };
}

function fakePlatform(stopCalls: { n: number }, stop: () => Promise<void> = async () => {}): (config: BrokerConfig) => Promise<RunningPlatform> {
  return async (config) => ({
    kafka: config.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port === 0 ? 40001 : l.port })),
    http: { host: config.httpHost, port: config.httpPort === 0 ? 40002 : config.httpPort },
    dataDir: config.dataDir,
    stop: () => { stopCalls.n++; return stop(); },
  });
}

test('readyLine format, one or several listeners', () => {
  const line = readyLine({ kafka: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }], http: { host: '127.0.0.1', port: 8080 }, dataDir: './data', stop: async () => {} }, 123.4);
  assert.equal(line, 'Tributary ready: Kafka on 127.0.0.1:9092 (PLAINTEXT), HTTP on 127.0.0.1:8080, data in ./data (started in 123 ms)');
  const two = readyLine({ kafka: [{ name: 'A', host: 'h1', port: 1 }, { name: 'B', host: 'h2', port: 2 }], http: null, dataDir: '/d', stop: async () => {} }, 5);
  assert.equal(two, 'Tributary ready: Kafka on h1:1 (A), h2:2 (B), HTTP off, data in /d (started in 5 ms)');
  assert.deepEqual(/Kafka on ([^:]+):(\d+)/.exec(line)?.slice(1), ['127.0.0.1', '9092']);
  assert.deepEqual(/HTTP on ([^:]+):(\d+)/.exec(line)?.slice(1), ['127.0.0.1', '8080']);
});

test('configFromOptions maps the flags', () => {
  const c = configFromOptions({ dataDir: '/d', kafkaPort: 0, httpPort: 0, overrides: ['num.partitions=4'] });
  assert.equal(c.dataDir, '/d');
  assert.equal(c.listeners[0]?.port, 0);
  assert.equal(c.httpPort, 0);
  assert.equal(c.int('num.partitions'), 4);
});

test('start prints the ready line with the bound ports; SIGTERM stops once and exits 0', async () => {
  const stops = { n: 0 };
  const h = harness(fakePlatform(stops));
  await runStart(loadBrokerConfig({ kafkaPort: 0, httpPort: 0, dataDir: '/tmp/x' }), h.deps);
  assert.equal(h.out.length, 1);
  assert.match(h.out[0] as string, /^Tributary ready: Kafka on 127\.0\.0\.1:40001 \(PLAINTEXT\), HTTP on 127\.0\.0\.1:40002, data in \/tmp\/x \(started in \d+ ms\)\n$/);
  h.handlers.get('SIGTERM')?.();
  await h.exitedPromise;
  assert.equal(stops.n, 1);
  assert.deepEqual(h.exits, [0]);
});

test('a second signal exits at once with 1', async () => {
  const stops = { n: 0 };
  const h = harness(fakePlatform(stops, () => new Promise(() => {}))); // stop never finishes
  await runStart(loadBrokerConfig({}), h.deps);
  h.handlers.get('SIGINT')?.();
  h.handlers.get('SIGTERM')?.();
  assert.equal(stops.n, 1);
  assert.deepEqual(h.exits, [1]);
});

test('a signal during startup stops the platform once it is up', async () => {
  const stops = { n: 0 };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const inner = fakePlatform(stops);
  const h = harness(async (config) => { await gate; return inner(config); });
  const started = runStart(loadBrokerConfig({}), h.deps);
  await new Promise((r) => setImmediate(r));
  h.handlers.get('SIGTERM')?.();
  assert.equal(stops.n, 0);
  release();
  await started;
  await h.exitedPromise;
  assert.equal(stops.n, 1);
  assert.deepEqual(h.exits, [0]);
});

test('a failure to start is one clear line and exit 1', async () => {
  const h = harness(async () => {
    throw Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:9092'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 9092 });
  });
  await runStart(loadBrokerConfig({}), h.deps);
  assert.deepEqual(h.err, ['tributary: failed to start: address 127.0.0.1:9092 is already in use\n']);
  assert.deepEqual(h.exits, [1]);
  assert.deepEqual(h.out, []);
});

test('describeStartError', () => {
  assert.match(describeStartError(Object.assign(new Error('EACCES: permission denied, mkdir \'/root/x\''), { code: 'EACCES', path: '/root/x' })), /^permission denied: \/root\/x/);
  assert.equal(describeStartError(new Error('boom')), 'boom');
  assert.equal(describeStartError('text'), 'text');
});

test('runCli: exit codes without starting anything', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
  assert.equal(await runCli(['--help'], io), 0);
  assert.match(out.join(''), /Usage: tributary <command>/);
  assert.equal(await runCli(['start', '--override', 'log.retention.hours=abc'], io), 2);
  assert.match(err.join(''), /configuration error: Invalid value abc for configuration log\.retention\.hours: Not a number of type INT/);
  let started: BrokerConfig | undefined;
  assert.equal(await runCli(['start', '--kafka-port', '0'], { ...io, start: async (config) => { started = config; } }), null);
  assert.equal(started?.listeners[0]?.port, 0);
});
