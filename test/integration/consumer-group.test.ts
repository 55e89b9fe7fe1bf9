// KIP-848 over the wire: ApiVersions advertises ConsumerGroupHeartbeat (v0-1)
// and ConsumerGroupDescribe (v0); a member joins, commits with OffsetCommit v9
// and its member epoch, and after a broker restart the group (epochs, member,
// assignment) is replayed from __consumer_offsets: the member carries on with
// its epoch and its committed offsets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  ApiKey, ErrorCode, type ApiVersionsResponse, type ConsumerGroupDescribeResponse, type ConsumerGroupHeartbeatRequestInput,
  type ConsumerGroupHeartbeatResponse,
} from '../../src/protocol/generated/index.js';
import { startEmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { call, errorName } from '../coordinator/group-wire.js';
import { createTopic, uniqueTopic } from './support.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function heartbeat(c: WireClient, version: number, body: ConsumerGroupHeartbeatRequestInput): Promise<ConsumerGroupHeartbeatResponse> {
  return c.request(ApiKey.ConsumerGroupHeartbeat, version, body) as Promise<ConsumerGroupHeartbeatResponse>;
}

async function loaded<T extends { errorCode: number }>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    const r = await fn();
    if (r.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || i > 100) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('ConsumerGroupHeartbeat over the wire: join, commit with the member epoch, restart, carry on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-cg-'));
  dirs.push(dir);
  const overrides = ['offsets.topic.num.partitions=3'];
  const topic = uniqueTopic('cg-wire');
  const group = uniqueTopic('cg');
  let broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  let c = await WireClient.connect(broker.host, broker.port);
  try {
    const versions = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }) as ApiVersionsResponse;
    const advertised = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    assert.deepEqual(advertised.get(ApiKey.ConsumerGroupHeartbeat), [0, 1]);
    assert.deepEqual(advertised.get(ApiKey.ConsumerGroupDescribe), [0, 0]);

    await createTopic(c, topic, 2);
    const joined = await heartbeat(c, 1, {
      groupId: group, memberId: 'member-1', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [topic], topicPartitions: [],
    });
    assert.equal(errorName(joined.errorCode), 'NONE', joined.errorMessage ?? '');
    assert.equal(joined.memberId, 'member-1');
    assert.equal(joined.memberEpoch, 1);
    assert.equal(joined.heartbeatIntervalMs, 5000);
    assert.deepEqual(joined.assignment?.topicPartitions.map((t) => t.partitions), [[0, 1]]);

    const stale = await call(c, ApiKey.OffsetCommit, 9, {
      groupId: group, generationIdOrMemberEpoch: 7, memberId: 'member-1', topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5 }] }],
    });
    assert.equal(errorName(stale.topics[0]!.partitions[0]!.errorCode), 'STALE_MEMBER_EPOCH');
    const ok = await call(c, ApiKey.OffsetCommit, 9, {
      groupId: group, generationIdOrMemberEpoch: 1, memberId: 'member-1', topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5 }] }],
    });
    assert.equal(errorName(ok.topics[0]!.partitions[0]!.errorCode), 'NONE');

    const described = await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: true }) as ConsumerGroupDescribeResponse;
    const g = described.groups[0]!;
    assert.deepEqual([errorName(g.errorCode), g.groupState, g.groupEpoch, g.assignmentEpoch, g.assignorName], ['NONE', 'Stable', 1, 1, 'uniform']);
    assert.equal(g.authorizedOperations, 3400, 'every group operation, as Kafka 4.1 lists them');
    assert.equal(g.members[0]!.subscribedTopicRegex, '', 'no regex reads as an empty string, as in Kafka');
    assert.deepEqual(g.members.map((m) => [m.memberId, m.memberEpoch, m.assignment.topicPartitions[0]?.topicName, m.assignment.topicPartitions[0]?.partitions]), [['member-1', 1, topic, [0, 1]]]);
    // DescribeGroups (v5) describes a consumer group as Dead, as Kafka does before v6.
    const classicView = await call(c, ApiKey.DescribeGroups, 5, { groups: [group] });
    assert.equal(classicView.groups[0]!.groupState, 'Dead');
  } finally {
    c.close();
    await broker.stop();
  }

  broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  c = await WireClient.connect(broker.host, broker.port);
  try {
    // The group and its member were replayed from __consumer_offsets: the member carries on with its epoch.
    const beat = await loaded(() => heartbeat(c, 1, { groupId: group, memberId: 'member-1', memberEpoch: 1, topicPartitions: null }));
    assert.deepEqual([errorName(beat.errorCode), beat.memberEpoch, beat.assignment], ['NONE', 1, null], beat.errorMessage ?? '');
    const described = await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse;
    const g = described.groups[0]!;
    assert.deepEqual([errorName(g.errorCode), g.groupState, g.groupEpoch, g.assignmentEpoch], ['NONE', 'Stable', 1, 1]);
    assert.deepEqual(g.members.map((m) => [m.memberId, m.memberEpoch, m.assignment.topicPartitions[0]?.partitions, m.targetAssignment.topicPartitions[0]?.partitions]),
      [['member-1', 1, [0, 1], [0, 1]]]);
    const fetched = await call(c, ApiKey.OffsetFetch, 9, {
      groups: [{ groupId: group, memberId: 'member-1', memberEpoch: 1, topics: [{ name: topic, partitionIndexes: [0, 1] }] }],
    });
    assert.equal(errorName(fetched.groups[0]!.errorCode), 'NONE');
    assert.deepEqual(fetched.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset), [5, -1], 'the committed offset survived the restart');
    const left = await heartbeat(c, 1, { groupId: group, memberId: 'member-1', memberEpoch: -1 });
    assert.deepEqual([errorName(left.errorCode), left.memberEpoch], ['NONE', -1]);
  } finally {
    c.close();
    await broker.stop();
  }
});
