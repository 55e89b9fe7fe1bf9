// Fetch responses carry record bytes in buffers borrowed from the read-buffer
// pool, reused once the socket has written them. What must hold:
// - state read through the non-fetch path stays intact: group member bytes
//   replayed from __consumer_offsets go out again in DescribeGroups responses,
//   so the coordinator's reads must never be recycled (today it also copies
//   those bytes, coordinator/records.ts; checked: with both the copy removed
//   and its reads lending, this test fails; test/storage/read-lending.test.ts
//   covers the storage rule on its own);
// - the buffers of written responses come back to the pool and are reused;
// - a connection that goes away mid-write or during a long-poll hands its
//   buffers back (or lets them go) without disturbing anybody else's bytes.
// The broker runs in this process, so the pool's counters are the broker's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { API_BY_KEY, ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { readBufferStats } from '../../src/protocol/read-buffers.js';
import { startEmbeddedBroker } from '../helpers/embedded-broker.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js';
import { call, errorName } from '../coordinator/group-wire.js';
import { FETCH_VERSION, createTopic, fetchPartition, produce, sleep, uniqueTopic, watchBrokerErrors } from './support.js';

const dirs: string[] = [];
const watch = watchBrokerErrors();
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-fetch-buffers-'));
  dirs.push(d);
  return d;
}

/** Bytes no record batch of the data topic contains: easy to tell apart from fetched data. */
function pattern(len: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Produces `batches` batches of 64 records x 1 KiB (about 66 KiB each) to partition 0. */
async function fill(c: WireClient, topic: string, batches: number): Promise<void> {
  for (let i = 0; i < batches; i++) {
    const r = await produce(c, topic, 0, buildSimpleBatch(64, { prefix: `f${i}`, valueSize: 1024 }));
    assert.equal(errorName(r.errorCode), 'NONE');
  }
}

/** Waits until every buffer lent since `lent0`/`returned0` has come back. */
async function allReturned(from: { lent: number; returned: number }): Promise<{ lent: number; returned: number }> {
  for (let i = 0; i < 100; i++) {
    const s = readBufferStats();
    if (s.lent - from.lent === s.returned - from.returned) break;
    await sleep(20);
  }
  const s = readBufferStats();
  return { lent: s.lent - from.lent, returned: s.returned - from.returned };
}

test('group metadata replayed from __consumer_offsets stays intact while fetches recycle buffers', async () => {
  const dir = dataDir();
  const overrides = ['group.initial.rebalance.delay.ms=0', 'offsets.topic.num.partitions=1'];
  const group = uniqueTopic('kept-group');
  const topic = uniqueTopic('recycled');
  // Large enough that responses reference these bytes instead of copying them, and that the
  // coordinator's load reads a pooled size (its single __consumer_offsets partition holds them).
  const metadata = pattern(150_000, 7);
  const assignment = pattern(120_000, 101);

  let broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  let c = await WireClient.connect(broker.host, broker.port);
  const join = (memberId: string) => call(c, ApiKey.JoinGroup, 9, {
    groupId: group, sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata }],
  });
  let j = await join('');
  if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) j = await join(j.memberId);
  assert.equal(errorName(j.errorCode), 'NONE');
  const s = await call(c, ApiKey.SyncGroup, 5, {
    groupId: group, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null,
    protocolType: 'consumer', protocolName: j.protocolName, assignments: [{ memberId: j.memberId, assignment }],
  });
  assert.equal(errorName(s.errorCode), 'NONE');
  await createTopic(c, topic, 1);
  await fill(c, topic, 64);
  c.close();
  await broker.stop();

  // The group comes back from __consumer_offsets: its member's bytes are views of the load's reads.
  broker = await startEmbeddedBroker({ dataDir: dir, overrides });
  c = await WireClient.connect(broker.host, broker.port);
  try {
    const describe = async () => {
      for (let i = 0; ; i++) {
        const d = await call(c, ApiKey.DescribeGroups, 5, { groups: [group] });
        const g = d.groups[0]!;
        if (g.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || i > 100) return g;
        await sleep(50);
      }
    };
    const check = async (when: string) => {
      const g = await describe();
      assert.equal(errorName(g.errorCode), 'NONE');
      assert.equal(g.members.length, 1);
      assert.ok(g.members[0]!.memberMetadata.equals(metadata), `member metadata intact ${when}`);
      assert.ok(g.members[0]!.memberAssignment.equals(assignment), `member assignment intact ${when}`);
    };
    await check('after the load');
    await check('after a DescribeGroups response was written');

    // Fetches of many sizes (pooled size classes 128 KiB to 4 MiB), each checked against a plain
    // copy of the same range: reused buffers must never show bytes of another response.
    const s0 = readBufferStats();
    const expected = new Map<number, Buffer>();
    const sizes = [70_000, 130_000, 250_000, 500_000, 1_000_000, 2_000_000, 3_500_000];
    let fetches = 0;
    for (let round = 0; round < 6; round++) {
      for (const size of sizes) {
        const p = await fetchPartition(c, topic, 0, round * 64, { partitionMaxBytes: size });
        assert.equal(errorName(p.errorCode), 'NONE');
        const key = round * 100_000_000 + size;
        assert.ok(p.records !== null && p.records.length > 0);
        const again = Buffer.from(p.records);
        if (!expected.has(key)) expected.set(key, again);
        fetches++;
      }
      await check(`after ${fetches} fetches`);
    }
    const back = await allReturned(s0);
    assert.ok(back.lent >= fetches, `every fetch borrowed (${back.lent} lent for ${fetches} fetches)`);
    assert.equal(back.returned, back.lent, 'every lent buffer came back once its response was written');
    assert.ok(readBufferStats().reused - s0.reused >= fetches / 2, 'later fetches reuse the returned buffers');

    // The same ranges again, now from reused memory: byte-identical.
    for (let round = 0; round < 6; round++) {
      for (const size of sizes) {
        const p = await fetchPartition(c, topic, 0, round * 64, { partitionMaxBytes: size });
        assert.ok(p.records!.equals(expected.get(round * 100_000_000 + size)!), `fetch ${round}/${size} byte-identical`);
      }
    }
    await check('at the end');
  } finally {
    c.close();
    await broker.stop();
  }
});

test('a connection that goes away mid-write or during a long-poll gives its buffers back; others are unaffected', async () => {
  const broker = await startEmbeddedBroker({ dataDir: dataDir() });
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const topic = uniqueTopic('goes-away');
    await createTopic(c, topic, 1);
    await fill(c, topic, 128); // ~8.5 MiB
    const reference = await fetchPartition(c, topic, 0, 0, { partitionMaxBytes: 8 << 20 });
    const referenceBytes = Buffer.from(reference.records!);

    // Mid-write: ask for 8 MiB, read none of it, reset the connection.
    const s0 = readBufferStats();
    const api = API_BY_KEY.get(ApiKey.Fetch)!;
    const fetchFrame = (minBytes: number, maxWaitMs: number) => encodeRequestFrame(ApiKey.Fetch, FETCH_VERSION, 1, 'goes-away', (w) => api.request.encode(w, FETCH_VERSION, {
      replicaId: -1, maxWaitMs, minBytes, maxBytes: 50 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 8 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
    } as never));
    for (let i = 0; i < 3; i++) {
      const sock = connect(broker.port, broker.host);
      sock.on('error', () => {});
      await new Promise<void>((res) => sock.once('connect', () => res()));
      sock.pause();
      sock.write(fetchFrame(1, 0));
      await sleep(100);
      sock.resetAndDestroy();
    }
    const midWrite = await allReturned(s0);
    assert.ok(midWrite.lent >= 3, `the fetches borrowed (${midWrite.lent})`);
    assert.equal(midWrite.returned, midWrite.lent, 'buffers of responses cut off mid-write come back');

    // Long-poll: data is there but fewer bytes than min_bytes; the client leaves before the deadline.
    const s1 = readBufferStats();
    const sock = connect(broker.port, broker.host);
    sock.on('error', () => {});
    await new Promise<void>((res) => sock.once('connect', () => res()));
    sock.write(fetchFrame(100 << 20, 400));
    await sleep(100);
    sock.destroy();
    await sleep(500);
    const longPoll = await allReturned(s1);
    assert.ok(longPoll.lent >= 2, `the long-poll read twice (${longPoll.lent})`);
    assert.equal(longPoll.returned, longPoll.lent, 'reads discarded by the long-poll and its dropped response come back');

    // Everyone else still gets their bytes, from reused buffers.
    for (let i = 0; i < 5; i++) {
      const p = await fetchPartition(c, topic, 0, 0, { partitionMaxBytes: 8 << 20 });
      assert.ok(p.records!.equals(referenceBytes), `fetch ${i} byte-identical`);
    }
  } finally {
    c.close();
    await broker.stop();
  }
});
