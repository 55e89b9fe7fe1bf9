// Adopted sockets (src/broker/socket-reads.ts) read into a scratch buffer shared
// by every connection, or straight into a large frame's own buffer; the
// connection copies every frame out of the scratch buffer. What must hold: every
// request arrives intact however the bytes are split across reads, a handler that
// keeps a view of its request still sees its bytes after later reads have reused
// the scratch buffer, responses come back in order, memory follows the bytes
// sent rather than the frame sizes announced, and a server whose sockets were
// adopted still counts them (close() completes once they are gone).
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { defineHandler } from '../../src/broker/api-handler.js';
import type { Broker } from '../../src/broker/broker.js';
import { Connection } from '../../src/broker/connection.js';
import { RequestRouter } from '../../src/broker/router.js';
import { adoptSocket } from '../../src/broker/socket-reads.js';
import { ApiKey, type ProduceRequest, type ProduceResponseInput } from '../../src/protocol/generated/index.js';
import { readBufferStats } from '../../src/protocol/read-buffers.js';
import { encodeProduceFrame } from '../helpers/wire-client.js';

/** Records whose bytes say which request they belong to: byte i is (id * 31 + i) & 0xff. */
function recordsFor(id: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (id * 31 + i) & 0xff;
  return b;
}

function intact(id: number, records: Buffer): boolean {
  for (let i = 0; i < records.length; i++) if (records[i] !== ((id * 31 + i) & 0xff)) return false;
  return true;
}

interface Served {
  server: Server;
  port: number;
  adopted: number;
  /** Records of the small requests as the handler got them (views, kept). */
  kept: Map<number, Buffer>;
  /** Whether each large request's records were intact when handled (their pooled buffer is reused after). */
  largeIntact: Map<number, boolean>;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(): Promise<Served> {
  const s = { kept: new Map(), largeIntact: new Map(), adopted: 0 } as Served;
  const produce = defineHandler<ProduceRequest, ProduceResponseInput>({
    apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 11,
    handle(req, ctx) {
      const records = req.topicData[0]!.partitionData[0]!.records as Buffer;
      const id = ctx.header.correlationId;
      if (records.length < 4096) s.kept.set(id, records);
      else s.largeIntact.set(id, intact(id, records));
      return { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: id, logAppendTimeMs: -1, logStartOffset: 0, errorMessage: null }] }], throttleTimeMs: 0 };
    },
  });
  const router = new RequestRouter([produce as never]);
  s.server = createServer({ pauseOnConnect: true }, (raw) => {
    let target: Connection | null = null;
    const socket = adoptSocket(raw, () => target);
    assert.ok(socket !== null, 'this Node lets an accepted socket be adopted');
    s.adopted++;
    target = new Connection(socket, 'PLAINTEXT', {} as Broker, router, { maxRequestBytes: 64 << 20, maxInFlightRequests: 1000 }, () => {}, undefined, null, true);
  });
  servers.push(s.server);
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  s.port = (s.server.address() as { port: number }).port;
  return s;
}

/** Collects response frames' correlation ids, in arrival order. */
function responses(client: Socket): { ids: number[] } {
  const out = { ids: [] as number[] };
  let pending = Buffer.alloc(0);
  client.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8 && pending.length >= 4 + pending.readInt32BE(0)) {
      out.ids.push(pending.readInt32BE(4));
      pending = pending.subarray(4 + pending.readInt32BE(0));
    }
  });
  return out;
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Writes and waits until the bytes have left (so that the next write is, most likely, another read). */
function send(client: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => client.write(bytes, () => setTimeout(resolve, 2)));
}

async function open(port: number): Promise<Socket> {
  const client = connect({ host: '127.0.0.1', port });
  client.setNoDelay(true);
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  return client;
}

test('adopted reads: frames split anywhere, pipelined or large arrive intact, and kept views survive later reads', async () => {
  const s = await serve();
  const client = await open(s.port);
  const got = responses(client);
  const lentBefore = readBufferStats().lent;
  const sent: number[] = [];

  // 1. Two hundred small requests in one write: several frames per read, some cut at a read's end.
  const small = Array.from({ length: 200 }, (_, i) => encodeProduceFrame(i, recordsFor(i, 50 + (i * 37) % 900)));
  for (let i = 0; i < small.length; i++) sent.push(i);
  await send(client, Buffer.concat(small));

  // 2. A request whose size prefix arrives a byte at a time, then the rest in two pieces.
  const split = encodeProduceFrame(500, recordsFor(500, 300));
  for (let i = 0; i < 6; i++) await send(client, split.subarray(i, i + 1));
  await send(client, split.subarray(6, 100));
  await send(client, split.subarray(100));
  sent.push(500);

  // 3. Large requests (pooled, read straight into their buffer) in uneven pieces, the last one
  //    sharing its final write with small requests behind it.
  for (const id of [600, 601, 602, 603]) {
    // 603 is larger than the connection gives a frame up front (1 MiB): its room grows as it arrives.
    const frame = encodeProduceFrame(id, recordsFor(id, id === 603 ? 3_000_000 : 300_000 + id));
    let at = 0;
    for (const piece of [5, 7000, 65_536, 100_001]) {
      await send(client, frame.subarray(at, at + piece));
      at += piece;
    }
    const tail = id === 603 ? Buffer.concat([frame.subarray(at), encodeProduceFrame(700, recordsFor(700, 10)), encodeProduceFrame(701, recordsFor(701, 2000))]) : frame.subarray(at);
    await send(client, tail);
    sent.push(id);
  }
  sent.push(700, 701);

  await until('every response', () => got.ids.length === sent.length);
  assert.deepEqual(got.ids, sent, 'one response per request, in request order');
  for (const [id, records] of s.kept) assert.ok(intact(id, records), `request ${id}'s records are intact after later reads`);
  assert.equal(s.kept.size, 203);
  assert.deepEqual([...s.largeIntact.entries()].sort(), [[600, true], [601, true], [602, true], [603, true]]);
  assert.equal(readBufferStats().lent - lentBefore, 4, 'each large Produce frame borrowed one pooled buffer');
  assert.equal(s.adopted, 1);
  client.destroy();
});

test('memory follows the bytes a client sent, not the frame size it announces', async () => {
  const s = await serve();
  const clients: Socket[] = [];
  const before = process.memoryUsage().arrayBuffers;
  // Twenty connections each announce a 50 MB Produce (allowed: the limit here is 64 MiB) and send 100 bytes of it.
  const head = Buffer.alloc(106);
  head.writeInt32BE(50_000_000, 0);
  head.writeInt16BE(ApiKey.Produce, 4);
  for (let i = 0; i < 20; i++) {
    const c = await open(s.port);
    clients.push(c);
    await send(c, head);
  }
  await until('all twenty served', () => s.adopted === 20);
  await new Promise((r) => setTimeout(r, 50));
  const grown = (process.memoryUsage().arrayBuffers - before) / (1 << 20);
  // 1 MiB of room each, where the whole announced size would be 20 x 50 MB.
  assert.ok(grown < 64, `array buffers grew by ${grown.toFixed(1)} MiB`);
  for (const c of clients) c.destroy();
});

test('a server whose sockets were adopted counts them, and close() completes once they are gone', async () => {
  const s = await serve();
  const client = await open(s.port);
  const got = responses(client);
  await send(client, encodeProduceFrame(1, recordsFor(1, 100)));
  await until('the response', () => got.ids.length === 1);
  const count = (): Promise<number> => new Promise((resolve, reject) => s.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  assert.equal(await count(), 1);
  const closed = new Promise<void>((resolve) => s.server.close(() => resolve()));
  client.end();
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('server.close() never completed')), 5000))]);
  assert.equal(await count(), 0);
});

test('a socket already closed is not adopted (the caller reads it as usual)', async () => {
  let result: unknown = 'not called';
  const server = createServer({ pauseOnConnect: true }, (raw) => {
    raw.destroy();
    result = adoptSocket(raw, () => null);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await open((server.address() as { port: number }).port);
  await until('the server side', () => result !== 'not called');
  assert.equal(result, null);
  client.destroy();
});
