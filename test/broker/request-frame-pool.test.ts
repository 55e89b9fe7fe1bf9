// A Produce request that spans socket reads is copied into a pooled buffer,
// which goes back to the pool once the request is answered, not before; a
// frame that arrives whole is not copied; other requests never borrow (their
// handlers may keep views of the request). The connection is driven through
// a fake socket, the request split by hand.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { defineHandler } from '../../src/broker/api-handler.js';
import type { Broker } from '../../src/broker/broker.js';
import { Connection } from '../../src/broker/connection.js';
import { RequestRouter } from '../../src/broker/router.js';
import { API_BY_KEY, ApiKey, type FetchRequest, type FetchResponseInput, type ProduceRequest, type ProduceResponseInput } from '../../src/protocol/generated/index.js';
import { acquireReadBuffer, readBufferStats } from '../../src/protocol/read-buffers.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { encodeProduceFrame, encodeRequestFrame } from '../helpers/wire-client.js';

const RECORDS = 40_000;

/** A Produce handler that answers when the test says so, and shows what it was given. */
function heldProduce() {
  const seen: Buffer[] = [];
  const release: (() => void)[] = [];
  const handler = defineHandler<ProduceRequest, ProduceResponseInput>({
    apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 11,
    async handle(req) {
      seen.push(req.topicData[0]!.partitionData[0]!.records as Buffer);
      await new Promise<void>((r) => release.push(r));
      return { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, errorMessage: null }] }], throttleTimeMs: 0 };
    },
  });
  return { handler, seen, release };
}

const tick = () => new Promise((r) => setImmediate(r));

function connect(handlers: Parameters<typeof defineHandler>[0][]): FakeSocket {
  const socket = new FakeSocket();
  new Connection(socket as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter(handlers as never), { maxRequestBytes: 1 << 20, maxInFlightRequests: 500 }, () => {});
  return socket;
}

test('a Produce frame split across reads borrows a pooled buffer and returns it only once answered', async () => {
  const { handler, seen, release } = heldProduce();
  const socket = connect([handler as never]);
  const frame = encodeProduceFrame(1, Buffer.alloc(RECORDS, 0x11));
  const before = readBufferStats();
  socket.emit('data', frame.subarray(0, 1000));
  socket.emit('data', frame.subarray(1000));
  await tick();

  assert.equal(seen.length, 1, 'the handler ran');
  const records = seen[0]!;
  assert.ok(records.every((b) => b === 0x11), 'the records arrived intact');
  assert.equal(readBufferStats().lent, before.lent + 1, 'the frame borrowed from the pool');
  assert.equal(readBufferStats().returned, before.returned, 'not handed back while the request is unanswered');
  // Meanwhile nobody else gets that buffer.
  const other = acquireReadBuffer(frame.length);
  assert.notEqual(other.buffer, records.buffer);

  release[0]!();
  await tick();
  assert.equal(socket.written.length > 0, true, 'answered');
  assert.equal(readBufferStats().returned, before.returned + 1, 'handed back with the response');
  assert.equal(acquireReadBuffer(frame.length - 4).buffer, records.buffer, 'and reused');
});

test('a Produce frame that arrives whole is used where it lies, without a copy', async () => {
  const { handler, seen, release } = heldProduce();
  const socket = connect([handler as never]);
  const frame = encodeProduceFrame(2, Buffer.alloc(RECORDS, 0x22));
  const before = readBufferStats();
  socket.emit('data', frame);
  await tick();
  assert.equal(seen[0]!.buffer, frame.buffer, 'a view of the socket read');
  assert.equal(readBufferStats().lent, before.lent);
  release[0]!();
  await tick();
});

test('other requests split across reads never borrow: their handlers may keep views', async () => {
  let got: FetchRequest | null = null;
  const fetch = defineHandler<FetchRequest, FetchResponseInput>({
    apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17,
    handle(req) {
      got = req;
      return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] };
    },
  });
  const socket = connect([fetch as never]);
  // A Fetch naming enough partitions to be larger than the smallest pooled size.
  const partitions = Array.from({ length: 1000 }, (_, i) => ({ partition: i, fetchOffset: 0, partitionMaxBytes: 1024 }));
  const frame = encodeRequestFrame(ApiKey.Fetch, 12, 3, 'test', (w) => API_BY_KEY.get(ApiKey.Fetch)!.request.encode(w, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions }],
  } as never));
  assert.ok(frame.length > 8192);
  const before = readBufferStats();
  socket.emit('data', frame.subarray(0, 100));
  socket.emit('data', frame.subarray(100));
  await tick();
  assert.ok(got !== null, 'the handler ran');
  assert.equal(readBufferStats().lent, before.lent, 'no pooled buffer for a Fetch frame');
});
