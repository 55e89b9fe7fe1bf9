// The Apache Kafka Java consumer (4.x) with group.protocol=consumer (KIP-848)
// against the broker: three members share six partitions through the
// server-side assignor, one JVM is killed and the others take its partitions
// once its session times out; every record is consumed, and the committed
// offsets end at the end of every partition. A classic group consumes another
// topic on the same broker at the same time, and ListGroups /
// ConsumerGroupDescribe show both as Kafka 4 does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type ConsumerGroupDescribeResponse } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { call } from '../coordinator/group-wire.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from './clients.js';
import { GroupConsumeMember } from './java-group-member.js';

const SCENARIOS = 'dev.tributary.compat.Scenarios';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6000;

let broker: BrokerProcess;
let runSh: string;
const members: GroupConsumeMember[] = [];

before(async () => {
  runSh = requireJava();
  broker = await startBrokerProcess({
    args: [
      '--override', 'group.initial.rebalance.delay.ms=500',
      '--override', `group.consumer.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      '--override', `group.consumer.min.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
      '--override', 'group.consumer.heartbeat.interval.ms=500',
      '--override', 'group.consumer.min.heartbeat.interval.ms=500',
    ],
  });
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

async function produce(topic: string, count: number): Promise<void> {
  const r = await run(runSh, [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(count), '--partitions', String(PARTITIONS)], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, describe('produce', r));
  assert.equal(lastJson(r)['produced'], count);
}

async function committedOffsets(c: WireClient, group: string, topic: string): Promise<number[]> {
  const r = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1, 2, 3, 4, 5] }] }], requireStable: true });
  assert.equal(r.groups[0]!.errorCode, ErrorCode.NONE);
  return r.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset);
}

test('group.protocol=consumer: 3 members on 6 partitions, one killed, the others take over; a classic group alongside', async () => {
  const n = 1200;
  const topic = uniqueTopic('java-kip848');
  const group = uniqueTopic('g-kip848');
  const classicTopic = uniqueTopic('java-kip848-classic');
  const classicGroup = uniqueTopic('g-kip848-classic');
  await Promise.all([produce(topic, n), produce(classicTopic, 60)]);

  const args = ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--group-protocol', 'consumer',
    '--remote-assignor', 'uniform', '--max-poll-records', '10', '--poll-delay-ms', '150'];
  const trio = [1, 2, 3].map((i) => new GroupConsumeMember(runSh, `kip848-m${i}`, args, members));
  const classic = new GroupConsumeMember(runSh, 'classic-m1', ['--bootstrap-server', broker.bootstrap, '--topic', classicTopic, '--group', classicGroup,
    '--assignor', 'range', '--session-timeout-ms', '6000']);
  const context = () => [...trio, classic].map((m) => m.describe()).join('\n');
  const distinct = () => new Set(trio.flatMap((m) => m.records().map((r) => r.key))).size;

  await waitFor('all three members to own partitions and consume', () => trio.every((m) => m.owned().length > 0 && m.records().length >= 10), 30_000, context);
  // The uniform assignor converges on two partitions each (revocations may still be under way a moment), none owned twice.
  await waitFor('two partitions per member', () => trio.every((m) => m.owned().length === 2), 10_000, context);
  assert.equal(new Set(trio.flatMap((m) => m.owned())).size, PARTITIONS, context());

  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const described = await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group, classicGroup], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse;
    const [cg, other] = described.groups;
    assert.equal(cg!.errorCode, ErrorCode.NONE);
    assert.equal(cg!.assignorName, 'uniform');
    assert.equal(cg!.members.length, 3);
    assert.ok(cg!.members.every((m) => m.subscribedTopicNames.includes(topic) && m.memberEpoch > 0));
    assert.equal(other!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'a classic group is not a consumer group');

    const [victim, ...survivors] = trio as [GroupConsumeMember, GroupConsumeMember, GroupConsumeMember];
    const victimPartitions = victim.everAssigned();
    victim.kill();
    await victim.exited;
    assert.ok(victim.records().length < n, 'the victim did not consume everything before it was killed');

    await waitFor(`${n} distinct records`, () => distinct() === n, 45_000, context);
    assert.deepEqual(survivors.flatMap((m) => m.owned()).sort(), [0, 1, 2, 3, 4, 5], `the survivors own every partition\n${context()}`);

    const listed = await call(c, ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    const byId = new Map(listed.groups.map((g) => [g.groupId, g]));
    assert.equal(byId.get(group)?.groupType, 'consumer');
    assert.equal(byId.get(group)?.protocolType, 'consumer');
    assert.equal(byId.get(classicGroup)?.groupType, 'classic');

    for (const m of survivors) assert.equal(await m.stop(), 0, m.describe());
    await waitFor('the classic member to consume its 60 records', () => classic.records().length >= 60, 20_000, context);
    assert.equal(await classic.stop(), 0, classic.describe());

    const all = trio.flatMap((m) => m.records());
    for (const r of all) assert.equal(Number(r.value.slice('value-'.length)) % PARTITIONS, r.partition, `record ${r.value} came from partition ${r.partition}`);
    const counts = new Map<string, number>();
    for (const r of all) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    for (const [key, count] of counts) {
      if (count > 1) assert.ok(victimPartitions.has(Number(key.split(':')[0])), `record ${key} consumed ${count} times outside the killed member's partitions\n${context()}`);
    }
    assert.deepEqual(await committedOffsets(c, group, topic), Array(PARTITIONS).fill(n / PARTITIONS), 'committed offsets at the end of every partition');
    assert.deepEqual(await committedOffsets(c, classicGroup, classicTopic), Array(PARTITIONS).fill(60 / PARTITIONS));

    const emptied = (await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse).groups[0]!;
    assert.equal(emptied.groupState, 'Empty', 'every member left');
  } finally {
    c.close();
  }
});
