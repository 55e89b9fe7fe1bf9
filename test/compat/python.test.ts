// confluent-kafka-python (librdkafka) against the broker: compat/python/scenario_basic.py.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { describe, lastJson, requirePython, run, uniqueTopic } from './clients.js';

let broker: BrokerProcess;
let python: string;

before(async () => {
  python = await requirePython();
  broker = await startBrokerProcess();
});

after(async () => {
  await broker?.stop();
});

test('AdminClient create, 10,000 records acks=all with keys and headers, assigned consumer reads them back', async () => {
  const count = 10_000;
  const r = await run(python, [join(repoRoot(), 'compat', 'python', 'scenario_basic.py'),
    '--bootstrap-server', broker.bootstrap, '--topic', uniqueTopic('py-basic'),
    '--count', String(count), '--partitions', '3', '--timeout', '30'], { timeoutMs: 50_000 });
  const failure = `${describe('scenario_basic.py', r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
  assert.equal(r.code, 0, failure);
  const summary = lastJson(r);
  assert.equal(summary['produced'], count, failure);
  assert.equal(summary['consumed'], count, failure);
  assert.equal(summary['match'], true, failure);
  const partitions = summary['partitions'] as Record<string, { first: number; last: number; count: number }>;
  assert.deepEqual(Object.keys(partitions).sort(), ['0', '1', '2'], failure);
  for (const p of Object.values(partitions)) {
    assert.equal(p.first, 0, failure);
    assert.equal(p.last, p.count - 1, failure);
  }
});
