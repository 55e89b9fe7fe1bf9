// A Kafka Streams 4.1.1 application with processing.guarantee=exactly_once_v2
// (compat/java StreamsWordCount) counting 100,000 words; it is SIGKILLed while busy and
// restarted on the same state directory. A read_committed consumer of the output must
// end with every word's count exactly right (at_least_once double-counts in this run).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { okSummary, requireJava, run, uniqueTopic } from './clients.js';

const WORDS = 100_000;
const RUN_TIMEOUT_MS = 80_000;

let broker: BrokerProcess;
let runSh: string;

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess({
    args: [
      '--override', 'transaction.state.log.num.partitions=3',
      '--override', 'group.initial.rebalance.delay.ms=0',
    ],
  });
});

after(async () => {
  await broker?.stop();
});

test('Streams word count, exactly_once_v2, killed mid-way and restarted: every count exact', async () => {
  const name = uniqueTopic('java-streams-wc');
  const r = await run(runSh, ['dev.tributary.compat.StreamsWordCount', 'run', '--bootstrap-server', broker.bootstrap,
    '--input', `${name}-in`, '--output', `${name}-out`, '--application-id', name,
    '--words', String(WORDS), '--partitions', '3', '--crash-at', '0.3', '--timeout-ms', String(RUN_TIMEOUT_MS)],
  { timeoutMs: RUN_TIMEOUT_MS + 60_000 });
  const s = okSummary('StreamsWordCount run', r, `--- broker ---\n${broker.output().slice(-3000)}`);
  assert.equal(s['guarantee'], 'exactly_once_v2');
  assert.equal(s['appStarts'], 2, 'the app was killed once and restarted');
  assert.equal(s['distinctWords'], 500);
  assert.equal(s['wordsWrong'], 0);
  assert.equal(s['totalCounted'], WORDS);
});
