// A KIP-848 consumer group survives a broker restart, as in Kafka: the group
// (epochs, member, target and current assignment) is replayed from
// __consumer_offsets, so the Apache Kafka Java consumer (4.x,
// group.protocol=consumer) that was consuming keeps heartbeating with its
// member epoch and keeps its partitions (no new assignment, revocation or
// loss), ConsumerGroupDescribe answers the same, its commits are accepted,
// and a new member afterwards resumes from the committed offsets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiKey, ErrorCode, type ConsumerGroupDescribeResponse } from '../../src/protocol/generated/index.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { WireClient } from '../helpers/wire-client.js';
import { call } from '../coordinator/group-wire.js';
import { describe, lastJson, requireJava, run, uniqueTopic } from './clients.js';
import { GroupConsumeMember } from './java-group-member.js';

const SCENARIOS = 'dev.tributary.compat.Scenarios';
const PARTITIONS = 3;
const members: GroupConsumeMember[] = [];
const brokers: BrokerProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-kip848-restart-'));

after(async () => {
  for (const m of members) m.kill();
  for (const b of brokers) await b.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const ARGS = [
  '--override', 'offsets.topic.num.partitions=3',
  '--override', 'group.consumer.heartbeat.interval.ms=500',
  '--override', 'group.consumer.min.heartbeat.interval.ms=500',
];

async function start(port = 0): Promise<BrokerProcess> {
  const b = await startBrokerProcess({ dataDir, cleanup: false, args: [...ARGS, ...(port > 0 ? ['--kafka-port', String(port)] : [])] });
  brokers.push(b);
  return b;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}\n--- broker ---\n${brokers.at(-1)!.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface GroupView {
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  members: { id: string; epoch: number; assigned: number[]; target: number[] }[];
}

async function describeGroup(c: WireClient, group: string): Promise<GroupView> {
  for (let i = 0; ; i++) {
    const d = (await c.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false }) as ConsumerGroupDescribeResponse).groups[0]!;
    if (d.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && i < 100) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    assert.equal(ErrorCode[d.errorCode], 'NONE', d.errorMessage ?? '');
    return {
      state: d.groupState, groupEpoch: d.groupEpoch, assignmentEpoch: d.assignmentEpoch,
      members: d.members.map((m) => ({
        id: m.memberId, epoch: m.memberEpoch,
        assigned: m.assignment.topicPartitions.flatMap((t) => t.partitions).sort(), target: m.targetAssignment.topicPartitions.flatMap((t) => t.partitions).sort(),
      })),
    };
  }
}

async function committedOffsets(c: WireClient, group: string, topic: string): Promise<number[]> {
  const r = await call(c, ApiKey.OffsetFetch, 8, { groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1, 2] }] }], requireStable: true });
  assert.equal(r.groups[0]!.errorCode, ErrorCode.NONE);
  return r.groups[0]!.topics[0]!.partitions.map((p) => p.committedOffset);
}

test('group.protocol=consumer across a broker restart: the member keeps its epoch and partitions; a new member resumes from the committed offsets', async () => {
  const runSh = requireJava();
  const topic = uniqueTopic('kip848-restart');
  const group = uniqueTopic('g-kip848-restart');
  const n = 600;
  let broker = await start();
  const port = broker.port;
  const produce = async (count: number, startAt: number) => {
    const r = await run(runSh, [SCENARIOS, 'produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--count', String(count),
      '--partitions', String(PARTITIONS), '--start', String(startAt)], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, describe('produce', r));
    assert.equal(lastJson(r)['produced'], count);
  };
  await produce(n, 0);

  const consumerArgs = ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--group', group, '--group-protocol', 'consumer',
    '--max-poll-records', '5', '--poll-delay-ms', '100'];
  const m1 = new GroupConsumeMember(runSh, 'restart-m1', consumerArgs, members);
  const context = () => members.map((m) => m.describe()).join('\n');
  await waitFor('the member to own every partition and consume', () => m1.owned().length === PARTITIONS && m1.records().length >= 30, 30_000, context);

  let c = await WireClient.connect(broker.host, broker.port);
  const before = await describeGroup(c, group);
  c.close();
  assert.deepEqual([before.state, before.members.length, before.members[0]!.assigned], ['Stable', 1, [0, 1, 2]], context());
  const rebalanceLines = () => m1.lines.filter((l) => /^(ASSIGNED|REVOKED|LOST) /.test(l));
  const linesBefore = rebalanceLines();
  const consumedBefore = m1.records().length;
  assert.ok(consumedBefore < n, 'the member is still consuming when the broker stops');

  assert.equal(await broker.stop(), 0);
  broker = await start(port);
  assert.equal(broker.port, port, 'the broker is back on the port the consumer knows');
  c = await WireClient.connect(broker.host, broker.port);
  try {
    assert.deepEqual(await describeGroup(c, group), before, 'the group was replayed as it was');

    await waitFor(`${n} records`, () => new Set(m1.records().map((r) => `${r.partition}:${r.offset}`)).size === n, 60_000, context);
    assert.ok(m1.records().length > consumedBefore);
    assert.equal(m1.records().length, n, `every record consumed once\n${context()}`);
    assert.deepEqual(rebalanceLines(), linesBefore, `no new assignment, revocation or loss after the restart\n${context()}`);
    assert.ok(!m1.lines.some((l) => l.startsWith('COMMIT-FAILED')), context());
    const afterRestart = await describeGroup(c, group);
    assert.deepEqual([afterRestart.groupEpoch, afterRestart.members[0]!.id, afterRestart.members[0]!.epoch], [before.groupEpoch, before.members[0]!.id, before.members[0]!.epoch]);

    assert.equal(await m1.stop(), 0, m1.describe());
    assert.deepEqual(await committedOffsets(c, group, topic), [n / PARTITIONS, n / PARTITIONS, n / PARTITIONS]);

    // A new member of the same group starts where the committed offsets say.
    await produce(30, n);
    const m2 = new GroupConsumeMember(runSh, 'restart-m2', consumerArgs, members);
    await waitFor('the new member to consume the 30 new records', () => m2.records().length >= 30, 30_000, context);
    assert.equal(await m2.stop(), 0, m2.describe());
    assert.deepEqual(m2.records().map((r) => r.value).sort(), Array.from({ length: 30 }, (_, i) => `value-${n + i}`).sort());
    assert.ok(m2.records().every((r) => r.offset >= n / PARTITIONS), 'nothing before the committed offsets is consumed again');
  } finally {
    c.close();
  }
});
