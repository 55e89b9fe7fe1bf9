// The client over in-process streams, as the platform's services use it when
// embedded: no TCP at all (the bootstrap address is one nothing listens on),
// yet admin, idempotent compressed produce, long-poll fetch, groups and
// offsets all work, and the platform stops cleanly with the client connected.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode, KafkaClient, type Assignment } from '../../src/client/index.js';
import { InProcessStream } from '../../src/broker/in-process.js';
import { configFromOptions } from '../../src/cli/start.js';
import { startPlatform } from '../../src/platform.js';
import { watchBrokerErrors } from '../integration/support.js';
import { rejectsWith, uniqueTopic } from './support.js';

let platform: Awaited<ReturnType<typeof startPlatform>>;
let dataDir: string;
let client: KafkaClient;
let streams = 0;
const watch = watchBrokerErrors();

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tributary-client-inproc-'));
  platform = await startPlatform(configFromOptions({ dataDir, kafkaPort: 0, httpPort: 0, overrides: ['group.initial.rebalance.delay.ms=0'] }));
  client = await KafkaClient.connect({
    // Port 1: were the client to open a TCP connection, it would fail.
    bootstrap: ['127.0.0.1:1'],
    requestTimeoutMs: 10_000,
    transport: () => { streams++; return platform.connectInProcess(); },
  });
});

after(async () => {
  // Stopped with the client still connected: the broker ends the in-process connections as it ends sockets.
  await platform.stop();
  await client.close();
  rmSync(dataDir, { recursive: true, force: true });
  watch.stop();
  assert.deepEqual(watch.errors(), [], 'the broker logged errors');
});

test('admin, produce and fetch without TCP', async () => {
  const topic = uniqueTopic('inproc');
  await client.createTopic(topic, { partitions: 2 });
  const producer = client.producer({ compression: 'zstd' });
  const sent = await producer.send(topic, Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(`k${i % 10}`), value: Buffer.from(`v${i}`), headers: [['i', Buffer.from(String(i))]] as [string, Buffer][] })));
  const total = await Promise.all([0, 1].map(async (p) => {
    const res = await client.fetch(topic, p, 0);
    const mine = sent.filter((s) => s.partition === p);
    assert.equal(res.records.length, mine.length);
    for (const r of res.records) {
      const i = Number(r.headers[0]![1]!.toString());
      assert.equal(r.value?.toString(), `v${i}`);
      assert.equal(r.key?.toString(), `k${i % 10}`);
      assert.equal(sent[i]!.partition, p);
      assert.equal(sent[i]!.offset, r.offset);
    }
    return res.records.length;
  }));
  assert.equal(total[0]! + total[1]!, 100);
  assert.equal((await client.describeTopic(topic))?.partitions, 2);
  assert.ok(streams >= 2, 'the fetch lane has a stream of its own');
});

test('a long-poll fetch does not hold up a produce on the same in-process broker', async () => {
  const topic = uniqueTopic('inproc-poll');
  await client.createTopic(topic, { partitions: 1 });
  const started = Date.now();
  const polled = client.fetch(topic, 0, 0, { maxWaitMs: 5000 });
  await client.producer().send(topic, [{ key: null, value: Buffer.from('wake up') }]);
  const res = await polled;
  assert.deepEqual(res.records.map((r) => r.value?.toString()), ['wake up']);
  assert.ok(Date.now() - started < 4000);
});

test('group membership and offsets without TCP', async () => {
  const groupId = uniqueTopic('inproc-group');
  const assigned: Assignment[] = [];
  const member = await client.joinGroup(groupId, {
    protocolType: 'sr', protocols: [{ name: 'v0', metadata: Buffer.from('me') }], sessionTimeoutMs: 6000,
    assign: (members) => new Map(members.map((m) => [m.memberId, Buffer.from('all yours')])),
    onAssigned: (a) => assigned.push(a),
  });
  assert.equal(member.isLeader, true);
  assert.equal(assigned[0]?.assignment.toString(), 'all yours');
  const topic = uniqueTopic('inproc-offsets');
  await client.createTopic(topic, { partitions: 1 });
  // The group has a member: a commit from outside it is refused (as Kafka does), the member's own is not.
  await rejectsWith(client.commitOffsets(groupId, [{ topic, partition: 0, offset: 4 }]), ErrorCode.UNKNOWN_MEMBER_ID, /UNKNOWN_MEMBER_ID/);
  await client.commitOffsets(groupId, [{ topic, partition: 0, offset: 5 }], member);
  assert.deepEqual(await client.fetchOffsets(groupId, [{ topic, partitions: [0] }]), [{ topic, partition: 0, offset: 5 }]);
  await member.leave();
});

test('an in-process stream pair: bytes are copied, ends and destroys reach the other side', async () => {
  const [a, b] = InProcessStream.pair();
  const got: Buffer[] = [];
  b.on('data', (c: Buffer) => got.push(c));
  const sentBuf = Buffer.from('hello');
  await new Promise<void>((resolve) => a.write(sentBuf, () => resolve()));
  sentBuf.fill(0); // the writer reuses its buffer: the reader's copy is unaffected
  await new Promise((r) => setImmediate(r));
  assert.equal(Buffer.concat(got).toString(), 'hello');
  const closed = new Promise<void>((resolve) => b.on('close', () => resolve()));
  a.end();
  await closed;
  assert.equal(b.destroyed, true);

  const [c, d] = InProcessStream.pair();
  const dClosed = new Promise<void>((resolve) => d.on('close', () => resolve()));
  c.destroy();
  await dClosed;
  const err = await new Promise<Error | null | undefined>((resolve) => c.write(Buffer.from('x'), (e) => resolve(e)));
  assert.ok(err instanceof Error);
});
