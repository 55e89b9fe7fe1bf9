// Bounded live fuzz run (npm test): mutated frames to a broker process over TCP
// (test/reliability/harness/live-fuzz.ts), and frames whose size prefix claims
// far more than is sent: the broker must not allocate what they claim.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerServes, errorLines, rssOfPid, runLiveFuzz, type LiveTarget } from './harness/live-fuzz.js';
import { allSeeds } from './harness/seeds.js';

let broker: BrokerProcess;
let target: LiveTarget;

before(async () => {
  broker = await startBrokerProcess();
  const child = broker.process!;
  target = {
    host: broker.host,
    port: broker.port,
    alive: () => child.exitCode === null && child.signalCode === null,
    rssBytes: () => rssOfPid(child.pid!),
    errors: () => errorLines(broker.output()),
  };
});

after(async () => {
  await broker?.stop();
});

test('3,000 mutated frames over TCP: every one answered or closed, the broker serves after each burst', async () => {
  const stats = await runLiveFuzz(target, allSeeds(), { numInputs: 3000, seed: 20261125, burstSize: 250 });
  assert.deepEqual(stats.failures, []);
  assert.equal(stats.inputs, 3000);
  assert.ok(stats.answered > 300 && stats.closed > 300, JSON.stringify(stats));
  assert.equal(stats.healthChecks, stats.bursts);
});

test('frames claiming 100 MB each but sending 100 bytes cost no memory', async () => {
  const before = rssOfPid(broker.process!.pid!)!;
  const sockets: Socket[] = [];
  // socket.request.max.bytes defaults to 104857600: each claim is within the limit.
  const claim = Buffer.alloc(104);
  claim.writeInt32BE(104_857_600, 0);
  claim.fill(0x41, 4);
  for (let i = 0; i < 200; i++) {
    const s = connect({ host: broker.host, port: broker.port });
    s.on('error', () => {});
    sockets.push(s);
    await new Promise<void>((resolve) => s.once('connect', () => s.write(claim, () => resolve())));
  }
  await new Promise((r) => setTimeout(r, 300));
  const during = rssOfPid(broker.process!.pid!)!;
  assert.equal(await brokerServes(broker.host, broker.port), null);
  for (const s of sockets) s.destroy();
  // 200 × 100 MB claimed; a broker that allocated for them would show gigabytes.
  assert.ok(during - before < 64 * 1024 * 1024, `RSS grew by ${((during - before) / 1048576).toFixed(1)} MiB`);
  assert.deepEqual(errorLines(broker.output()), []);
});
