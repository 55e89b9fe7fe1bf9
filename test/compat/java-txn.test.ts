// Kafka transactions with the Apache Kafka Java client 4.1.1 (compat/java TxnScenarios):
// committed and aborted transactions seen by read_committed and read_uncommitted
// consumers, markers and the last stable offset, the admin view of an open transaction
// (ListTransactions, DescribeTransactions, DescribeProducers), a producer killed
// mid-transaction (fenced by its successor, or aborted for transaction.timeout.ms),
// consume-transform-produce with sendOffsetsToTransaction (classic and KIP-848 groups), and
// a transaction timeout over transaction.max.timeout.ms refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { okSummary, requireJava, run, uniqueTopic } from './clients.js';

const TXN = 'dev.tributary.compat.TxnScenarios';
const PARTITIONS = 3;
const TXN_TIMEOUT_MS = 3000;
// Kafka checks for timed-out transactions every 10 s by default; Tributary runs with 1 s here.
// The wait covers both: a real Kafka (TRIBUTARY_TEST_BOOTSTRAP) ignores our overrides.
const ABORT_WAIT_MS = 30_000;

let broker: BrokerProcess;
let runSh: string;

before(async () => {
  runSh = requireJava();
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

async function scenario(name: string, args: string[], timeoutMs = 90_000): Promise<Record<string, unknown>> {
  const r = await run(runSh, [TXN, name, '--bootstrap-server', broker.bootstrap, ...args], { timeoutMs });
  return okSummary(`TxnScenarios ${name}`, r, `--- broker ---\n${broker.output().slice(-3000)}`);
}

test('commit and abort: read_committed sees exactly the committed records, read_uncommitted all; one marker per partition per transaction; an open transaction holds the LSO and is listed and described', async () => {
  const committed = 6;
  const aborted = 4;
  const perTxn = 9;
  const s = await scenario('commit-abort', ['--topic', uniqueTopic('java-txn-ca'), '--partitions', String(PARTITIONS),
    '--committed', String(committed), '--aborted', String(aborted), '--per-txn', String(perTxn)]);
  assert.equal(s['committedRecords'], committed * perTxn);
  assert.equal(s['abortedRecords'], aborted * perTxn);
  assert.equal(s['readCommitted'], committed * perTxn);
  assert.equal(s['readUncommitted'], (committed + aborted) * perTxn);
  // Every transaction touches every partition: records / 3 + one marker per transaction.
  const end = ((committed + aborted) * perTxn) / PARTITIONS + committed + aborted;
  assert.deepEqual(s['endOffsets'], { 0: end, 1: end, 2: end });
  assert.deepEqual(s['lastStableOffsets'], { 0: end, 1: end, 2: end });
  const open = s['open'] as Record<string, unknown>;
  assert.deepEqual(open['lastStableOffsets'], open['firstOffsets'], 'the LSO stays at the open transaction');
  assert.equal(open['listedState'], 'Ongoing');
  assert.equal(open['describedState'], 'Ongoing');
  assert.deepEqual(open['describedPartitions'], [0, 1, 2]);
  assert.equal(open['currentTransactionStartOffset'], end);
  assert.equal(open['stateAfterCommit'], 'CompleteCommit');
});

test('zombie fenced: a producer SIGKILLed mid-transaction is aborted when its successor initTransactions; a live fenced producer cannot commit', async () => {
  const count = 6;
  const s = await scenario('zombie', ['--mode', 'fence', '--topic', uniqueTopic('java-txn-fence'), '--partitions', String(PARTITIONS),
    '--count', String(count)]);
  assert.match(String(s['liveZombieCommit']), /^(ProducerFencedException|InvalidProducerEpochException)$/);
  assert.equal(s['readCommitted'], 2 * count, 'only the two committed transactions');
});

test('zombie timed out: a producer SIGKILLed mid-transaction is aborted after transaction.timeout.ms; read_committed then gets past it', async () => {
  const s = await scenario('zombie', ['--mode', 'timeout', '--topic', uniqueTopic('java-txn-timeout'), '--partitions', String(PARTITIONS),
    '--transaction-timeout-ms', String(TXN_TIMEOUT_MS), '--wait-ms', String(ABORT_WAIT_MS)], ABORT_WAIT_MS + 60_000);
  assert.ok(Number(s['unblockedAfterMs']) >= TXN_TIMEOUT_MS, `unblocked after ${s['unblockedAfterMs']} ms`);
  assert.equal(s['stateAfterTimeout'], 'CompleteAbort');
});

async function consumeTransformProduce(protocol: 'classic' | 'consumer'): Promise<void> {
  const count = 3000;
  const topic = uniqueTopic(`java-txn-ctp-${protocol}`);
  const s = await scenario('consume-transform-produce', ['--input', `${topic}-in`, '--output', `${topic}-out`, '--group', `${topic}-group`,
    '--partitions', String(PARTITIONS), '--count', String(count), '--batch', '100', '--abort-every', '4', '--group-protocol', protocol]);
  assert.equal(s['groupProtocol'], protocol);
  assert.ok(Number(s['abortedBatches']) > 0, 'some batches were aborted');
  assert.equal(s['processed'], count);
  assert.equal(s['outputCommitted'], count);
  assert.equal(s['duplicates'], 0);
  assert.equal(s['outputUncommitted'], count + Number(s['abortedRecords']));
  assert.deepEqual(s['committedOffsets'], { 0: count / PARTITIONS, 1: count / PARTITIONS, 2: count / PARTITIONS });
}

test('consume-transform-produce: sendOffsetsToTransaction in a classic group, every 4th batch aborted and redone; output exactly once, offsets committed', async () => {
  await consumeTransformProduce('classic');
});

test('consume-transform-produce with group.protocol=consumer (KIP-848): the same, TxnOffsetCommit with the member epoch', async () => {
  await consumeTransformProduce('consumer');
});

test('a transaction.timeout.ms over transaction.max.timeout.ms: initTransactions fails with INVALID_TRANSACTION_TIMEOUT', async () => {
  const s = await scenario('invalid-timeout', ['--transaction-timeout-ms', '900001']);
  assert.match(String(s['initTransactions']), /transaction timeout is larger than the maximum/);
});
