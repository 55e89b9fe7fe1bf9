// A KIP-848 mixed group with the Apache Kafka Java consumer (4.x): a consumer
// still on group.protocol=classic (range assignor) joins a consumer group in
// which a group.protocol=consumer member is consuming. The coordinator assigns
// the classic member its share through JoinGroup/SyncGroup (its generation is
// its member epoch), the consumer-protocol member gives those partitions up
// first, and when the classic member leaves (LeaveGroup) the other takes its
// partitions back; the group commits the end of every partition, no record
// consumed twice. And the KIP-848 online upgrade and downgrade: a
// group.protocol=consumer member joining a group of classic consumers
// converts it and all three share; when it leaves, the group is classic again.
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
const members: GroupConsumeMember[] = [];
let broker: BrokerProcess | undefined;

after(async () => {
  for (const m of members) m.kill();
  await broker?.stop();
});

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}\n--- broker ---\n${broker?.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startBroker(): Promise<BrokerProcess> {
  broker ??= await startBrokerProcess({
    args: ['--override', 'group.consumer.heartbeat.interval.ms=500', '--override', 'group.consumer.min.heartbeat.interval.ms=500'],
  });
  return broker;
}

/** Waits until the group has committed `end` on every partition (a commit racing an epoch bump may fail, as on Kafka; the next makes it good). */
async function waitForCommittedEnd(c: WireClient, group: string, topic: string, end: number, context: () => string): Promise<void> {
  const committed = async () => (await call(c, ApiKey.OffsetFetch, 8, {
    groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [...Array(PARTITIONS).keys()] }] }], requireStable: true,
  })).groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset);
  const deadline = Date.now() + 60_000;
  for (let offsets = await committed(); !offsets.every((o) => o === end); offsets = await committed()) {
    if (Date.now() > deadline) assert.fail(`committed offsets ${offsets.join(',')} never reached ${end}\n${context()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('a classic Java consumer joins a consumer group (group.protocol=consumer member inside): shares the partitions, then leaves', async () => {
  const runSh = requireJava();
  const broker = await startBroker();
  const topic = uniqueTopic('kip848-mixed');
  const group = uniqueTopic('g-kip848-mixed');
  const n = 600;
  const produced = await run(runSh, [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(n), '--partitions', String(PARTITIONS)], { timeoutMs: 30_000 });
  assert.equal(produced.code, 0, describe('produce', produced));
  assert.equal(lastJson(produced)['produced'], n);

  const common = ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--max-poll-records', '5', '--poll-delay-ms', '100'];
  const modern = new GroupConsumeMember(runSh, 'mixed-consumer', [...common, '--group-protocol', 'consumer'], members);
  const context = () => members.map((m) => m.describe()).join('\n');
  await waitFor('the consumer-protocol member to own every partition', () => modern.owned().length === PARTITIONS && modern.records().length > 5, 30_000, context);

  const classic = new GroupConsumeMember(runSh, 'mixed-classic', [...common, '--group-protocol', 'classic', '--assignor', 'range'], members);
  await waitFor('the partitions to be shared', () => classic.owned().length === 2 && modern.owned().length === 2, 30_000, context);
  assert.equal(new Set([...classic.owned(), ...modern.owned()]).size, PARTITIONS, context());

  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const d = (await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse).groups[0]!;
    assert.equal(d.errorCode, ErrorCode.NONE);
    assert.equal(d.members.length, 2);
    const listed = await call(c, ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
    assert.equal(listed.groups.find((g) => g.groupId === group)?.groupType, 'consumer');

    await waitFor('the classic member to consume from its partitions', () => classic.records().length >= 10, 30_000, context);
    assert.ok(classic.records().every((r) => classic.everAssigned().has(r.partition)));

    // The classic member leaves: the consumer-protocol member takes its partitions back and finishes.
    assert.equal(await classic.stop(), 0, classic.describe());
    await waitForCommittedEnd(c, group, topic, n / PARTITIONS, context);
    assert.equal(modern.owned().length, PARTITIONS, context());
    assert.equal(await modern.stop(), 0, modern.describe());
    const all = members.flatMap((m) => m.records().map((r) => `${r.partition}:${r.offset}`));
    assert.equal(new Set(all).size, all.length, `no record consumed twice\n${context()}`);
  } finally {
    c.close();
  }
});

test('online upgrade and downgrade: a group.protocol=consumer member joins two classic Java consumers (the group converts, all three share), then leaves (back to classic)', async () => {
  const runSh = requireJava();
  const broker = await startBroker();
  const topic = uniqueTopic('kip848-upgrade');
  const group = uniqueTopic('g-kip848-upgrade');
  const n = 600;
  const produced = await run(runSh, [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(n), '--partitions', String(PARTITIONS)], { timeoutMs: 30_000 });
  assert.equal(produced.code, 0, describe('produce', produced));

  const common = ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--max-poll-records', '5', '--poll-delay-ms', '100'];
  const start = members.length;
  const classic = [1, 2].map((i) => new GroupConsumeMember(runSh, `upgrade-classic-${i}`, [...common, '--group-protocol', 'classic', '--assignor', 'range'], members));
  const mine = () => members.slice(start);
  const context = () => mine().map((m) => m.describe()).join('\n');
  await waitFor('the classic members to share the partitions', () => classic.every((m) => m.owned().length === 2 && m.records().length > 0), 30_000, context);
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const listed = async () => (await call(c, ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] })).groups.find((g) => g.groupId === group)?.groupType;
    assert.equal(await listed(), 'classic');

    const modern = new GroupConsumeMember(runSh, 'upgrade-consumer', [...common, '--group-protocol', 'consumer'], members);
    await waitFor('the consumer-protocol member to get partitions', () => modern.owned().length > 0 && modern.records().length > 0, 30_000, context);
    assert.equal(await listed(), 'consumer', 'the group was upgraded');
    await waitFor('every partition owned once', () => new Set(mine().flatMap((m) => m.owned())).size === PARTITIONS
      && mine().reduce((k, m) => k + m.owned().length, 0) === PARTITIONS, 30_000, context);
    const d = (await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse).groups[0]!;
    assert.deepEqual([ErrorCode[d.errorCode], d.members.length], ['NONE', 3]);

    // And back (online downgrade): the consumer-protocol member leaves, the classic members get a classic group.
    assert.equal(await modern.stop(), 0, modern.describe());
    await waitFor('the classic members to own every partition', () => classic.reduce((k, m) => k + m.owned().length, 0) === PARTITIONS, 30_000, context);
    assert.equal(await listed(), 'classic', 'the group was downgraded');
    await waitForCommittedEnd(c, group, topic, n / PARTITIONS, context);
    for (const m of classic) assert.equal(await m.stop(), 0, m.describe());
    const all = mine().flatMap((m) => m.records().map((r) => `${r.partition}:${r.offset}`));
    assert.equal(new Set(all).size, all.length, `no record consumed twice\n${context()}`);
  } finally {
    c.close();
  }
});
