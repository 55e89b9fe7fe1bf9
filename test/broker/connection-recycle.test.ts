// A response's borrowed read buffers go back to the pool only once the socket
// has written them, and go out uncopied: the connection is driven through a
// fake socket that holds write callbacks until the test releases them.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { defineHandler } from '../../src/broker/api-handler.js';
import type { Broker } from '../../src/broker/broker.js';
import { Connection } from '../../src/broker/connection.js';
import { RequestRouter } from '../../src/broker/router.js';
import { API_BY_KEY, ApiKey, type FetchRequest, type FetchResponseInput } from '../../src/protocol/generated/index.js';
import { decodeResponseHeader } from '../../src/protocol/headers.js';
import { acquireReadBuffer, idleReadBufferBytes } from '../../src/protocol/read-buffers.js';
import { Reader } from '../../src/protocol/reader.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { encodeRequestFrame } from '../helpers/wire-client.js';

const RECORDS = 100_000;

test('fetch records borrowed from the read pool are written uncopied and recycled only after the write', async () => {
  let lentRecords: Buffer | null = null;
  const fetch = defineHandler<FetchRequest, FetchResponseInput>({
    apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17,
    handle() {
      const records = acquireReadBuffer(RECORDS);
      records.fill(0x5a);
      lentRecords = records;
      return {
        throttleTimeMs: 0, errorCode: 0, sessionId: 0,
        responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0, abortedTransactions: null, records }] }],
      };
    },
  });
  const socket = new FakeSocket();
  const conn = new Connection(socket as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter([fetch]), { maxRequestBytes: 1 << 20, maxInFlightRequests: 500 }, () => {});
  assert.ok(conn.id > 0);

  const version = 12;
  const frame = encodeRequestFrame(ApiKey.Fetch, version, 42, 'test', (w) => API_BY_KEY.get(ApiKey.Fetch)!.request.encode(w, version, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  } as never));
  socket.emit('data', frame);
  await new Promise((r) => setImmediate(r));

  assert.ok(lentRecords !== null, 'the handler ran');
  const records = lentRecords as Buffer;
  assert.ok(socket.written.some((c) => c.buffer === records.buffer), 'the records went to the socket without a copy');
  assert.equal(socket.callbacks.length, 1, 'one completion callback for the response');

  // The whole response decodes, with the records intact.
  const whole = Buffer.concat(socket.written);
  assert.equal(whole.readInt32BE(0), whole.length - 4);
  const r = new Reader(whole.subarray(4));
  assert.equal(decodeResponseHeader(r, ApiKey.Fetch, version).correlationId, 42);
  const body = API_BY_KEY.get(ApiKey.Fetch)!.response.decode(r, version) as { responses: { partitions: { records: Buffer | null }[] }[] };
  const got = body.responses[0]!.partitions[0]!.records!;
  assert.equal(got.length, RECORDS);
  assert.ok(got.every((b) => b === 0x5a));

  // Not reusable before the socket is done with it...
  const idleBefore = idleReadBufferBytes();
  const other = acquireReadBuffer(RECORDS);
  assert.notEqual(other.buffer, records.buffer);
  // ...and reused after.
  socket.callbacks[0]!();
  assert.equal(idleReadBufferBytes(), idleBefore + records.buffer.byteLength);
  assert.equal(acquireReadBuffer(RECORDS).buffer, records.buffer);
});

test('a response of scratch bytes only is written without a completion callback', async () => {
  const fetch = defineHandler<FetchRequest, FetchResponseInput>({
    apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17,
    handle: () => ({ throttleTimeMs: 0, errorCode: 0, sessionId: 7, responses: [] }),
  });
  const socket = new FakeSocket();
  new Connection(socket as unknown as Socket, 'PLAINTEXT', {} as Broker, new RequestRouter([fetch]), { maxRequestBytes: 1 << 20, maxInFlightRequests: 500 }, () => {});
  const frame = encodeRequestFrame(ApiKey.Fetch, 12, 9, 'test', (w) => API_BY_KEY.get(ApiKey.Fetch)!.request.encode(w, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [],
  } as never));
  socket.emit('data', frame);
  await new Promise((r) => setImmediate(r));
  assert.equal(socket.written.length, 1);
  assert.equal(socket.callbacks.length, 0);
});
