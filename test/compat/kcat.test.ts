// kcat (librdkafka) against the broker: metadata, produce with keys, consume to the end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { describe, requireKcat, run, uniqueTopic } from './clients.js';

let broker: BrokerProcess;
let kcat: string;

before(async () => {
  kcat = await requireKcat();
  broker = await startBrokerProcess();
});

after(async () => {
  await broker?.stop();
});

async function kc(args: string[], input?: string) {
  const r = await run(kcat, ['-b', broker.bootstrap, ...args], { input, timeoutMs: 20_000 });
  return { ...r, failure: `${describe(`kcat ${args.join(' ')}`, r)}\n--- broker ---\n${broker.output().slice(-3000)}` };
}

test('kcat -L lists the broker', async () => {
  const r = await kc(['-L']);
  assert.equal(r.code, 0, r.failure);
  assert.match(r.stdout, /Metadata for all topics \(from broker -?\d+: /, r.failure);
  assert.match(r.stdout, /\b1 brokers?:/, r.failure);
  assert.match(r.stdout, new RegExp(`broker \\d+ at ${broker.host.replace(/\./g, '\\.')}:${broker.port}`), r.failure);
});

test('kcat -P -K: then -C -o beginning -e returns the same keys and values in order', async () => {
  // kcat cannot create topics: the first produce auto-creates it (auto.create.topics.enable, num.partitions=1).
  const topic = uniqueTopic('kcat');
  const lines = Array.from({ length: 200 }, (_, i) => `key-${i}:value-${i}-${'x'.repeat(i % 17)}`);
  const produced = await kc(['-P', '-t', topic, '-K:'], lines.join('\n') + '\n');
  assert.equal(produced.code, 0, produced.failure);

  const md = await kc(['-L', '-t', topic]);
  assert.equal(md.code, 0, md.failure);
  assert.match(md.stdout, new RegExp(`topic "${topic}" with 1 partitions:`), md.failure);
  assert.match(md.stdout, /partition 0, leader \d+, replicas: \d+, isrs: \d+/, md.failure);

  const consumed = await kc(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\n']);
  assert.equal(consumed.code, 0, consumed.failure);
  assert.deepEqual(consumed.stdout.trimEnd().split('\n'), lines, consumed.failure);

  const offsets = await kc(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p %o\n']);
  assert.equal(offsets.code, 0, offsets.failure);
  assert.deepEqual(offsets.stdout.trimEnd().split('\n'), lines.map((_, i) => `0 ${i}`), offsets.failure);
});
