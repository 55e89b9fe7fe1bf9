// The Apache Kafka Java consumer (4.x, group.protocol=classic) in groups
// against the broker: three members share six partitions (range, then
// cooperative-sticky), one JVM is killed mid-way and the others take its
// partitions after the session timeout, every record consumed and committed;
// a restarted member resumes from the committed offsets. Then the tool behind
// kafka-consumer-groups.sh lists, describes (with lag), resets and deletes.
import assert from 'node:assert/strict';
import { GroupConsumeMember } from './java-group-member.js';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { call } from '../coordinator/group-wire.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from './clients.js';

const SCENARIOS = 'dev.tributary.compat.Scenarios';
const GROUPS_TOOL = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6000;

let broker: BrokerProcess;
let runSh: string;
const members: GroupConsumeMember[] = [];

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess({ args: ['--override', 'group.initial.rebalance.delay.ms=1000'] });
});

after(async () => {
  for (const m of members) m.kill();
  await broker?.stop();
});

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}\n--- broker ---\n${broker.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produce(topic: string, count: number, opts: { partitions?: number; start?: number } = {}): Promise<void> {
  const args = [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(count), '--start', String(opts.start ?? 0)];
  if (opts.partitions !== undefined) args.push('--partitions', String(opts.partitions));
  const r = await run(runSh, args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, describe('produce', r));
  assert.equal(lastJson(r)['produced'], count);
}

function memberArgs(topic: string, group: string, assignor: string): string[] {
  return ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--assignor', assignor,
    '--max-poll-records', '10', '--poll-delay-ms', '150', '--session-timeout-ms', String(SESSION_TIMEOUT_MS)];
}

async function committedOffsets(group: string, topic: string): Promise<number[]> {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const r = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1, 2, 3, 4, 5] }] }], requireStable: true });
    assert.equal(r.groups[0]!.errorCode, ErrorCode.NONE);
    return r.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset);
  } finally {
    c.close();
  }
}

/**
 * Three members consume N records from six partitions; the first is killed
 * once the group is under way. Returns the group for further checks.
 */
async function killOneOfThree(assignor: string, n: number): Promise<{ topic: string; group: string }> {
  const topic = uniqueTopic(`java-groups-${assignor}`);
  const group = uniqueTopic(`g-${assignor}`);
  await produce(topic, n, { partitions: PARTITIONS });
  const trio = [1, 2, 3].map((i) => new GroupConsumeMember(runSh, `${assignor}-m${i}`, memberArgs(topic, group, assignor), members));
  const context = () => trio.map((m) => m.describe()).join('\n');
  const distinct = () => new Set(trio.flatMap((m) => m.records().map((r) => r.key))).size;

  await waitFor('all three members to own partitions and consume', () => trio.every((m) => m.owned().length > 0 && m.records().length >= 10), 30_000, context);
  const [victim, ...survivors] = trio as [GroupConsumeMember, GroupConsumeMember, GroupConsumeMember];
  const victimPartitions = new Set(victim.everAssigned());
  victim.kill();
  await victim.exited;
  const consumedByVictim = victim.records().length;
  assert.ok(consumedByVictim < n, 'the victim did not consume everything before it was killed');

  // The survivors take over the victim's partitions once its session times out.
  await waitFor(`${n} distinct records`, () => distinct() === n, 45_000, context);
  const taken = new Set(survivors.flatMap((m) => m.owned()));
  assert.deepEqual([...taken].sort(), [0, 1, 2, 3, 4, 5], `the survivors own every partition\n${context()}`);
  for (const m of survivors) assert.equal(await m.stop(), 0, m.describe());

  const all = trio.flatMap((m) => m.records());
  for (const r of all) {
    const i = Number(r.value.slice('value-'.length));
    assert.equal(i % PARTITIONS, r.partition, `record ${r.value} came from partition ${r.partition}`);
  }
  assert.equal(new Set(all.map((r) => r.key)).size, n, 'every record consumed');
  // Records are reported only once committed, so a second delivery can only come from a partition the victim had.
  const counts = new Map<string, number>();
  for (const r of all) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  for (const [key, count] of counts) {
    if (count > 1) assert.ok(victimPartitions.has(Number(key.split(':')[0])), `record ${key} consumed ${count} times outside the killed member's partitions\n${context()}`);
  }
  assert.deepEqual(await committedOffsets(group, topic), Array(PARTITIONS).fill(n / PARTITIONS), 'committed offsets at the end of every partition');
  return { topic, group };
}

let rangeGroup: { topic: string; group: string } | undefined;

test('range assignor: 3 members, one killed, the others take over; every record consumed; a restart resumes from the committed offsets', async () => {
  const n = 1200;
  rangeGroup = await killOneOfThree('range', n);
  const { topic, group } = rangeGroup;

  // More records, then one member again: it starts at the committed offsets and reads only the new ones.
  const more = 60;
  await produce(topic, more, { start: n });
  const again = new GroupConsumeMember(runSh, 'range-restart', memberArgs(topic, group, 'range'), members);
  await waitFor(`${more} new records`, () => again.records().length >= more, 30_000, () => again.describe());
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await again.stop(), 0, again.describe());
  const got = again.records();
  assert.equal(got.length, more, again.describe());
  assert.deepEqual(got.map((r) => Number(r.value.slice(6))).sort((a, b) => a - b), Array.from({ length: more }, (_, i) => n + i));
  assert.ok(got.every((r) => r.offset >= n / PARTITIONS), 'nothing below the committed offsets was read again');
  assert.deepEqual(await committedOffsets(group, topic), Array(PARTITIONS).fill((n + more) / PARTITIONS));
});

test('cooperative-sticky assignor: 3 members, one killed; every record consumed and committed', async () => {
  await killOneOfThree('cooperative-sticky', 600);
});

test('kafka-consumer-groups: --list, --describe with lag, --reset-offsets --to-earliest --execute, --delete', async () => {
  assert.ok(rangeGroup !== undefined, 'needs the group of the range test');
  const { topic, group } = rangeGroup;
  const bs = ['--bootstrap-server', broker.bootstrap];
  const tool = async (args: string[]) => {
    const r = await run(runSh, [GROUPS_TOOL, ...bs, ...args], { timeoutMs: 30_000 });
    return { ...r, failure: `${describe('kafka-consumer-groups', r)}\n--- broker ---\n${broker.output().slice(-3000)}` };
  };
  await produce(topic, 12, { start: 10_000 }); // 2 more per partition: a lag of 2

  const listed = await tool(['--list']);
  assert.equal(listed.code, 0, listed.failure);
  assert.ok(listed.stdout.split('\n').map((l) => l.trim()).includes(group), listed.failure);

  const described = await tool(['--describe', '--group', group]);
  assert.equal(described.code, 0, described.failure);
  for (let p = 0; p < PARTITIONS; p++) {
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    assert.match(described.stdout, new RegExp(`${group}\\s+${topic}\\s+${p}\\s+210\\s+212\\s+2\\s+-\\s+-\\s+-`), described.failure);
  }
  const state = await tool(['--describe', '--group', group, '--state']);
  assert.equal(state.code, 0, state.failure);
  assert.match(state.stdout, new RegExp(`${group}\\s+\\S+\\s+\\(\\d+\\)\\s+-\\s+Empty\\s+0`), state.failure);

  const reset = await tool(['--reset-offsets', '--to-earliest', '--execute', '--group', group, '--topic', topic]);
  assert.equal(reset.code, 0, reset.failure);
  for (let p = 0; p < PARTITIONS; p++) assert.match(reset.stdout, new RegExp(`${group}\\s+${topic}\\s+${p}\\s+0`), reset.failure);
  assert.deepEqual(await committedOffsets(group, topic), Array(PARTITIONS).fill(0));

  const deleted = await tool(['--delete', '--group', group]);
  assert.equal(deleted.code, 0, deleted.failure);
  assert.match(deleted.stdout, new RegExp(`Deletion of requested consumer groups \\('${group}'\\) was successful`), deleted.failure);
  const after = await tool(['--list']);
  assert.ok(!after.stdout.split('\n').map((l) => l.trim()).includes(group), after.failure);
  assert.deepEqual(await committedOffsets(group, topic), Array(PARTITIONS).fill(-1), 'the offsets went with the group');
});
