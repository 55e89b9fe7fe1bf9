// The Apache Kafka Java producer with idempotence on and a request timeout so
// short that requests time out while the broker still appends them: the
// producer retries them with the same sequences, and the broker must answer
// those retries from its producer state. Every record must land exactly once,
// in send order (compat/java Scenarios idempotent-retries).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from '../compat/clients.js';

let broker: BrokerProcess;
let runSh: string;

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess();
});

after(async () => {
  await broker?.stop();
});

test('forced retries of an idempotent Java producer: 0 duplicates, order kept', { timeout: 90_000 }, async () => {
  const topic = uniqueTopic('java-idem-retries');
  const count = 20_000;
  const r = await run(runSh, ['dev.tributary.compat.Scenarios', 'idempotent-retries', '--bootstrap-server', broker.bootstrap,
    '--topic', topic, '--count', String(count), '--partitions', '3', '--request-timeout-ms', '5'], { timeoutMs: 80_000 });
  const failure = `${describe('Scenarios idempotent-retries', r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
  assert.equal(r.code, 0, failure);
  const summary = lastJson(r);
  assert.equal(summary['ok'], true, failure);
  assert.equal(summary['duplicates'], 0, failure);
  assert.equal(summary['outOfOrder'], 0, failure);
  assert.equal(summary['consumed'], count, failure);
  // Without retries this would prove nothing: the 5 ms request timeout must have made the producer resend.
  assert.ok((summary['retries'] as number) > 0, `the producer retried: ${JSON.stringify(summary)}`);

  // The log itself holds exactly `count` records: no retry was appended twice.
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const res = await c.request<ApiKey.ListOffsets>(ApiKey.ListOffsets, 7, {
      replicaId: -1, topics: [{ name: topic, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, timestamp: -1 })) }],
    });
    const total = res.topics[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    assert.equal(total, count);
  } finally {
    c.close();
  }
});
