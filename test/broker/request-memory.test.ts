// queued.max.request.bytes (src/broker/request-memory.ts): a broker-wide budget
// for request bytes read and not yet handed to a handler. Admitted while any is
// left (one frame may overdraw it, as Kafka's pool does); without room a
// connection stops reading, keeps what it had read, and goes on in order once
// handled frames give bytes back; a closed connection gives back what it held.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { defineHandler } from '../../src/broker/api-handler.js';
import type { Broker } from '../../src/broker/broker.js';
import { Connection } from '../../src/broker/connection.js';
import { RequestMemory } from '../../src/broker/request-memory.js';
import { RequestRouter } from '../../src/broker/router.js';
import { ApiKey, type ProduceRequest, type ProduceResponseInput } from '../../src/protocol/generated/index.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { encodeProduceFrame } from '../helpers/wire-client.js';

const KiB = 1024;

test('the budget: admitted while any is left, then waiters are woken in order as bytes come back', () => {
  const unlimited = new RequestMemory(-1);
  assert.equal(unlimited.tryReserve(1 << 30), true);
  assert.equal(unlimited.availableBytes, Infinity);

  const m = new RequestMemory(100);
  assert.equal(m.tryReserve(60), true);
  assert.equal(m.tryReserve(60), true, 'any budget left admits a frame, which may overdraw it');
  assert.equal(m.availableBytes, -20);
  assert.equal(m.tryReserve(1), false);
  const woken: string[] = [];
  m.waitForRoom(() => woken.push('a'));
  m.waitForRoom(() => woken.push('b'));
  m.release(10);
  assert.deepEqual(woken, [], 'still overdrawn');
  m.release(50);
  assert.deepEqual(woken, ['a', 'b'], 'both woken, in order, once there is room');
  assert.equal(m.availableBytes, 40);
});

/** A Produce handler that answers when the test says so. */
function heldProduce() {
  const handled: number[] = [];
  const release: (() => void)[] = [];
  const handler = defineHandler<ProduceRequest, ProduceResponseInput>({
    apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 11,
    async handle(req, ctx) {
      const records = req.topicData[0]!.partitionData[0]!.records as Buffer;
      assert.ok(records.every((b) => b === (ctx.header.correlationId & 0xff)), 'records intact');
      handled.push(ctx.header.correlationId);
      await new Promise<void>((r) => release.push(r));
      return { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, errorMessage: null }] }], throttleTimeMs: 0 };
    },
  });
  return { handler, handled, release };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a connection without room stops reading, keeps what it read, and goes on in order when handled frames give bytes back', async () => {
  const memory = new RequestMemory(100 * KiB);
  const { handler, handled, release } = heldProduce();
  const socket = new FakeSocket();
  // One request in flight at a time, so that the others queue (and hold budget) until it is answered.
  new Connection(socket as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter([handler as never]),
    { maxRequestBytes: 1 << 20, maxInFlightRequests: 1, requestMemory: memory }, () => {});
  const frames = [1, 2, 3, 4, 5].map((id) => encodeProduceFrame(id, Buffer.alloc(60 * KiB, id)));
  // All five in one read; the last one split in two, its second half arriving while the connection waits.
  const all = Buffer.concat(frames);
  socket.emit('data', all.subarray(0, all.length - 1000));
  await tick();
  // 1 went to its handler, which gave its bytes back; 2 and 3 queue behind it and hold the budget
  // (100 - 60 - 60: overdrawn); 4 found no room, so 4 and the first part of 5 wait in the connection.
  assert.deepEqual(handled, [1]);
  const frameBytes = frames[0]!.length - 4;
  assert.equal(memory.availableBytes, 100 * KiB - 2 * frameBytes, 'frames 2 and 3 hold the budget');
  assert.equal(socket.paused, true, 'no more reads while there is no room');
  socket.emit('data', all.subarray(all.length - 1000));

  for (let answered = 1; answered <= 5; answered++) {
    release[answered - 1]!();
    await tick();
    await tick();
    assert.deepEqual(handled, [1, 2, 3, 4, 5].slice(0, Math.min(5, answered + 1)), `after ${answered} answered`);
  }
  assert.equal(socket.written.length > 0, true);
  assert.equal(memory.availableBytes, 100 * KiB, 'every byte given back once all were handled');
  assert.equal(socket.paused, false);
});

test('a closed connection gives back what it held, and the next one in line reads on', async () => {
  const memory = new RequestMemory(50 * KiB);
  const a = heldProduce();
  const first = new FakeSocket();
  new Connection(first as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter([a.handler as never]),
    { maxRequestBytes: 1 << 20, maxInFlightRequests: 1, requestMemory: memory }, () => {});
  // Frame 1 is handled; frame 2 queues behind it and holds 60 KiB of the 50.
  first.emit('data', Buffer.concat([encodeProduceFrame(1, Buffer.alloc(60 * KiB, 1)), encodeProduceFrame(2, Buffer.alloc(60 * KiB, 2))]));
  await tick();
  assert.ok(memory.availableBytes <= 0);

  const b = heldProduce();
  const second = new FakeSocket();
  new Connection(second as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter([b.handler as never]),
    { maxRequestBytes: 1 << 20, maxInFlightRequests: 5, requestMemory: memory }, () => {});
  second.emit('data', encodeProduceFrame(7, Buffer.alloc(10 * KiB, 7)));
  await tick();
  assert.deepEqual(b.handled, [], 'no room for the second connection');
  assert.equal(second.paused, true);

  first.emit('close');
  await tick();
  assert.deepEqual(b.handled, [7], 'served once the closed connection gave its bytes back');
  assert.equal(memory.availableBytes, 50 * KiB);
  a.release.forEach((r) => r());
  b.release.forEach((r) => r());
});
