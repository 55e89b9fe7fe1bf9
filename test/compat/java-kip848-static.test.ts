// KIP-848 static membership with the Apache Kafka Java consumer (4.x,
// group.protocol=consumer, group.instance.id): a member that closes leaves
// with epoch -2 and keeps its partitions (the other member does not get
// them); a new consumer under the same instance id takes them over at once,
// long before the session timeout, without a new group epoch; the group
// commits the end of every partition, no record consumed twice.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ApiKey, ErrorCode, type ConsumerGroupDescribeResponse } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { call } from '../coordinator/group-wire.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from './clients.js';
import { GroupConsumeMember } from './java-group-member.js';

const SCENARIOS = 'dev.tributary.compat.Scenarios';
const PARTITIONS = 4;
const SESSION_TIMEOUT_MS = 30_000;
const members: GroupConsumeMember[] = [];
let broker: BrokerProcess | undefined;

after(async () => {
  for (const m of members) m.kill();
  await broker?.stop();
});

/** Waits until the group has committed the end of every partition (a commit racing an epoch bump may fail and is made good by the next). */
async function waitForCommittedEnd(c: WireClient, group: string, topic: string, end: number, context: () => string): Promise<void> {
  const committed = async () => {
    const r = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [...Array(PARTITIONS).keys()] }] }], requireStable: true });
    return r.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset);
  };
  const deadline = Date.now() + 60_000;
  for (let offsets = await committed(); !offsets.every((o) => o === end); offsets = await committed()) {
    if (Date.now() > deadline) assert.fail(`committed offsets ${offsets.join(',')} never reached ${end}\n${context()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}\n--- broker ---\n${broker!.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('group.protocol=consumer with group.instance.id: a closed member keeps its partitions until its instance comes back', async () => {
  const runSh = requireJava();
  broker = await startBrokerProcess({
    args: [
      '--override', `group.consumer.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      '--override', 'group.consumer.min.session.timeout.ms=6000',
      '--override', 'group.consumer.heartbeat.interval.ms=500',
      '--override', 'group.consumer.min.heartbeat.interval.ms=500',
    ],
  });
  const topic = uniqueTopic('kip848-static');
  const group = uniqueTopic('g-kip848-static');
  const n = 400;
  const produced = await run(runSh, [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(n), '--partitions', String(PARTITIONS)], { timeoutMs: 30_000 });
  assert.equal(produced.code, 0, describe('produce', produced));
  assert.equal(lastJson(produced)['produced'], n);

  const args = (instance: string) => ['--bootstrap-server', broker!.bootstrap, '--topic', topic, '--group', group, '--group-protocol', 'consumer',
    '--group-instance-id', instance, '--max-poll-records', '5', '--poll-delay-ms', '100'];
  const m1 = new GroupConsumeMember(runSh, 'static-m1', args('i-1'), members);
  const m2 = new GroupConsumeMember(runSh, 'static-m2', args('i-2'), members);
  const context = () => members.map((m) => m.describe()).join('\n');
  await waitFor('two partitions each', () => m1.owned().length === 2 && m2.owned().length === 2 && m1.records().length > 5, 30_000, context);

  const c = await WireClient.connect(broker.host, broker.port);
  const describeGroup = async () => {
    const d = (await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse).groups[0]!;
    assert.equal(d.errorCode, ErrorCode.NONE);
    return d;
  };
  try {
    const before = await describeGroup();
    const m1Partitions = m1.owned();
    const m1Id = before.members.find((m) => m.instanceId === 'i-1')!.memberId;

    // m1 closes: a static member leaves with epoch -2 and its partitions stay its own.
    const m2Rebalances = () => m2.lines.filter((l) => /^(ASSIGNED|REVOKED|LOST) /.test(l)).length;
    const m2Before = m2Rebalances();
    assert.equal(await m1.stop(), 0, m1.describe());
    const left = await describeGroup();
    const gone = left.members.find((m) => m.instanceId === 'i-1');
    assert.ok(gone !== undefined, `the departed static member is still in the group\n${JSON.stringify(left.members)}`);
    assert.deepEqual([gone.memberId, gone.memberEpoch], [m1Id, -2]);
    assert.deepEqual(gone.assignment.topicPartitions.flatMap((t) => t.partitions).sort(), m1Partitions);
    assert.equal(left.groupEpoch, before.groupEpoch);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(m2.owned().length, 2, `the other member did not get them\n${context()}`);

    // The instance comes back as a new consumer (a new member id): it owns the same partitions at once.
    const started = Date.now();
    const m1b = new GroupConsumeMember(runSh, 'static-m1b', args('i-1'), members);
    await waitFor('the returning instance to own its partitions', () => m1b.owned().length === 2, 20_000, context);
    assert.ok(Date.now() - started < SESSION_TIMEOUT_MS, 'well before the departed member\'s session would have timed out');
    assert.deepEqual(m1b.owned(), m1Partitions);
    const back = await describeGroup();
    const replaced = back.members.find((m) => m.instanceId === 'i-1')!;
    assert.notEqual(replaced.memberId, m1Id);
    assert.equal(back.groupEpoch, before.groupEpoch, 'no new group epoch for a static member coming back');
    assert.equal(m2Rebalances(), m2Before, `the other member was not rebalanced meanwhile\n${context()}`);

    await waitForCommittedEnd(c, group, topic, n / PARTITIONS, context);
    assert.equal(await m1b.stop(), 0, m1b.describe());
    assert.equal(await m2.stop(), 0, m2.describe());
    const all = members.flatMap((m) => m.records().map((r) => `${r.partition}:${r.offset}`));
    assert.equal(new Set(all).size, all.length, `no record consumed twice\n${context()}`);
  } finally {
    c.close();
  }
});
