// Kafka transactions with confluent-kafka-python (librdkafka), compat/python/scenario_txn.py:
// committed and aborted transactions under read_committed and read_uncommitted, markers in the
// high watermark, fencing by a second producer with the same transactional.id, a producer
// gone mid-transaction aborted for its timeout, and consume-transform-produce with
// send_offsets_to_transaction in a classic group. librdkafka 2.16 uses the first
// transaction protocol (AddPartitionsToTxn v0, AddOffsetsToTxn, EndTxn v1).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { okSummary, requirePython, run, uniqueTopic } from './clients.js';

const PARTITIONS = 3;
const TXN_TIMEOUT_MS = 3000;

let broker: BrokerProcess;
let python: string;

before(async () => {
  python = await requirePython();
  broker = await startBrokerProcess({
    args: [
      '--override', 'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
      '--override', 'transaction.state.log.num.partitions=3',
      '--override', 'group.initial.rebalance.delay.ms=0',
    ],
  });
});

after(async () => {
  await broker?.stop();
});

async function step(name: string, args: string[]): Promise<Record<string, unknown>> {
  // --timeout bounds every blocking client call (init_transactions, commit, flush, polls).
  const r = await run(python, [join(repoRoot(), 'compat', 'python', 'scenario_txn.py'), name,
    '--bootstrap-server', broker.bootstrap, '--partitions', String(PARTITIONS), '--timeout', '20', ...args], { timeoutMs: 120_000 });
  return okSummary(`scenario_txn.py ${name}`, r, `--- broker ---\n${broker.output().slice(-3000)}`);
}

test('commit and abort: read_committed sees exactly the committed records in order, read_uncommitted all; markers take an offset', async () => {
  const s = await step('commit-abort', ['--topic', uniqueTopic('py-txn-ca'), '--committed', '6', '--aborted', '4', '--per-txn', '9']);
  assert.equal(s['readCommitted'], 54);
  assert.equal(s['readUncommitted'], 90);
  // 90 records over 3 partitions, plus one marker per transaction in each.
  assert.deepEqual(s['highWatermarks'], { 0: 40, 1: 40, 2: 40 });
});

test('fencing: a second producer with the same transactional.id aborts the first one\'s open transaction; its commit fails fatally', async () => {
  const s = await step('fence', ['--topic', uniqueTopic('py-txn-fence'), '--count', '6']);
  assert.equal(s['fencedCommitFatal'], true);
  assert.equal(s['readCommitted'], 6);
});

test('a producer that exits mid-transaction: aborted after transaction.timeout.ms; read_committed then gets past it', async () => {
  // Kafka checks for timed-out transactions every 10 s by default (Tributary: 1 s, the override above).
  const s = await step('timeout', ['--topic', uniqueTopic('py-txn-timeout'), '--count', '6',
    '--transaction-timeout-ms', String(TXN_TIMEOUT_MS), '--wait-ms', '30000']);
  assert.ok(Number(s['unblockedAfterMs']) >= TXN_TIMEOUT_MS, `unblocked after ${s['unblockedAfterMs']} ms`);
});

test('consume-transform-produce: send_offsets_to_transaction in a classic group, every 4th batch aborted and redone; output exactly once', async () => {
  const topic = uniqueTopic('py-txn-ctp');
  const count = 3000;
  const s = await step('consume-transform-produce', ['--input', `${topic}-in`, '--output', `${topic}-out`, '--group', `${topic}-group`,
    '--count', String(count), '--batch', '100', '--abort-every', '4']);
  assert.ok(Number(s['abortedBatches']) > 0, 'some batches were aborted');
  assert.equal(s['outputCommitted'], count);
  assert.equal(s['duplicates'], 0);
  assert.equal(s['outputUncommitted'], count + Number(s['abortedRecords']));
  assert.deepEqual(s['committedOffsets'], { 0: count / PARTITIONS, 1: count / PARTITIONS, 2: count / PARTITIONS });
});
