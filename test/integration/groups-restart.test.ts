// Groups and committed offsets outlive the broker: they are records in
// __consumer_offsets, replayed on startup. A clean restart and a SIGKILL both
// keep every acknowledged commit; a Stable group's members carry on in their
// generation; deleted groups stay deleted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { startEmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { call, errorName, joinAndSync } from '../coordinator/group-wire.js';
import { createTopic, uniqueTopic } from './support.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-groups-'));
  dirs.push(d);
  return d;
}

/** Group requests right after a start may find the coordinator still loading: retry those. */
async function loaded<T extends { errorCode?: number }>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const r = await fn();
    if (r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || i > 100) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('after a clean restart: offsets, the Stable group, its generation and members are back; deleted groups stay gone', async () => {
  const dir = dataDir();
  const overrides = ['group.initial.rebalance.delay.ms=0', 'offsets.topic.num.partitions=3'];
  const topic = uniqueTopic('restart-groups');
  const stableGroup = uniqueTopic('stable-group');
  const doomed = uniqueTopic('doomed');
  let broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  let c = await WireClient.connect(broker.host, broker.port);
  await createTopic(c, topic, 2);
  const me = await joinAndSync(c, stableGroup, [topic], { sessionTimeoutMs: 30_000 });
  const commit = await call(c, ApiKey.OffsetCommit, 8, {
    groupId: stableGroup, generationIdOrMemberEpoch: me.generationId, memberId: me.memberId,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 100, committedMetadata: 'm' }, { partitionIndex: 1, committedOffset: 200 }] }],
  });
  assert.deepEqual(commit.topics[0]!.partitions.map((p) => errorName(p.errorCode)), ['NONE', 'NONE']);
  await call(c, ApiKey.OffsetCommit, 8, { groupId: doomed, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] });
  assert.equal(errorName((await call(c, ApiKey.DeleteGroups, 2, { groupsNames: [doomed] })).results[0]!.errorCode), 'NONE');
  c.close();
  await broker.stop();

  broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  c = await WireClient.connect(broker.host, broker.port);
  try {
    const fetched = await loaded(async () => {
      const r = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: stableGroup, topics: null }, { groupId: doomed, topics: null }] });
      return { errorCode: r.groups[0]!.errorCode, r };
    });
    const offsets = fetched.r.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]).sort();
    assert.deepEqual(offsets, [[0, 100, 'm'], [1, 200, '']]);
    assert.deepEqual(fetched.r.groups[1]!.topics, [], 'the deleted group has no offsets');
    // The member keeps its generation: a heartbeat is accepted as if nothing happened.
    const hb = await call(c, ApiKey.Heartbeat, 4, { groupId: stableGroup, generationId: me.generationId, memberId: me.memberId });
    assert.equal(errorName(hb.errorCode), 'NONE');
    const d = await call(c, ApiKey.DescribeGroups, 5, { groups: [stableGroup, doomed] });
    const stable = d.groups.find((g) => g.groupId === stableGroup)!;
    assert.deepEqual([stable.groupState, stable.members.map((m) => m.memberId)], ['Stable', [me.memberId]]);
    assert.deepEqual(stable.members[0]!.memberAssignment, me.assignment);
    assert.equal(d.groups.find((g) => g.groupId === doomed)!.groupState, 'Dead');
    const listed = (await call(c, ApiKey.ListGroups, 4, {})).groups.map((g) => g.groupId);
    assert.ok(listed.includes(stableGroup) && !listed.includes(doomed), listed.join(', '));
  } finally {
    c.close();
    await broker.stop();
  }
});

test('a commit acknowledged before SIGKILL is there after the restart', async () => {
  const dir = dataDir();
  const args = ['--override', 'offsets.topic.num.partitions=2'];
  const topic = uniqueTopic('killed');
  const survivor = uniqueTopic('survivor');
  let broker = await startBrokerProcess({ dataDir: dir, args });
  let c = await WireClient.connect(broker.host, broker.port);
  try {
    await createTopic(c, topic, 1);
    for (let i = 1; i <= 20; i++) {
      const r = await call(c, ApiKey.OffsetCommit, 8, { groupId: survivor, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: i * 10 }] }] });
      assert.equal(errorName(r.topics[0]!.partitions[0]!.errorCode), 'NONE');
    }
  } finally {
    c.close();
  }
  await broker.kill();
  broker = await startBrokerProcess({ dataDir: dir, args });
  c = await WireClient.connect(broker.host, broker.port);
  try {
    const r = await loaded(async () => {
      const f = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: survivor, topics: [{ name: topic, partitionIndexes: [0] }] }] });
      return { errorCode: f.groups[0]!.errorCode, f };
    });
    assert.equal(r.f.groups[0]!.topics[0]!.partitions[0]!.committedOffset, 200);
  } finally {
    c.close();
    await broker.stop();
  }
});
