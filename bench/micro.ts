// In-process microbenchmarks of the broker's own code on the produce and fetch
// paths, with the storage faked (no syscalls): what a hot-path change saves in
// CPU per request, measured apart from the disk and the network, which are
// far noisier on a shared machine. Used for the before/after figures in
// bench/OPTIMISATIONS.md; compare two builds with --tree.
//
//   node --import tsx bench/micro.ts [--tree DIR] [--ms 1500] [--only name,name]
// It measures the compiled code in DIR/dist (default: this tree's dist/).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSimpleBatch } from '../test/helpers/record-batch.js';
import { encodeRequestFrame } from '../test/helpers/wire-client.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const tree = opt('tree', join(import.meta.dirname, '..'));
const budgetMs = Number(opt('ms', '1500'));
const only = opt('only', '').split(',').filter((s) => s !== '');
const mod = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(tree, 'dist', rel)).href)) as T;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

async function measure(name: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  if (only.length > 0 && !only.includes(name)) return;
  const isAsync = fn() instanceof Promise;
  // Warm-up (JIT), then batches of calls until the budget is spent.
  const warm = performance.now();
  while (performance.now() - warm < budgetMs / 3) { if (isAsync) await fn(); else fn(); }
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < budgetMs) {
    for (let i = 0; i < 100; i++) { if (isAsync) await fn(); else fn(); }
    n += 100;
  }
  const cpu = process.cpuUsage(c0);
  const cpuNs = ((cpu.user + cpu.system) * 1000) / n;
  console.log(`${name.padEnd(28)} ${cpuNs.toFixed(0).padStart(8)} ns CPU/op   (${n} ops)`);
}

async function main(): Promise<void> {
  const gen = await mod<Any>('src/protocol/generated/index.js');
  const { Reader } = await mod<Any>('src/protocol/reader.js');
  const { decodeRequestHeader } = await mod<Any>('src/protocol/headers.js');
  const { encodeFrame } = await mod<Any>('src/broker/connection.js');
  const { produceHandler } = await mod<Any>('src/broker/handlers/produce.js');
  const { fetchHandler } = await mod<Any>('src/broker/handlers/fetch.js');
  const { FetchSessionCache } = await mod<Any>('src/broker/fetch-sessions.js').catch(() => ({ FetchSessionCache: undefined }));
  const { ApiKey, API_BY_KEY } = gen;
  const P = 8;
  const topicInfo = { name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionCount: P, configs: {}, internal: false };
  const resolved = Promise.resolve();
  const records = Buffer.alloc(64 * 1024, 7);
  const fakeStore = {
    // A fresh object per call, as the local store makes one.
    getTopic: (name: string) => (name === 't' ? { ...topicInfo } : undefined),
    getTopicById: (id: string) => (id === topicInfo.topicId ? { ...topicInfo } : undefined),
    append: (_tp: unknown, r: Buffer) => ({ errorCode: 0, baseOffset: 100, lastOffset: 100 + r.readInt32BE(57) - 1, logAppendTime: -1, logStartOffset: 0 }),
    waitDurable: () => resolved,
    read: () => ({ errorCode: 0, records, highWatermark: 1000, lastStableOffset: 1000, logStartOffset: 0 }),
    onAppend: () => () => {},
  };
  const broker: Any = {
    store: fakeStore,
    settings: { fetchMaxBytes: 55 * 1024 * 1024 },
    fetchSessions: FetchSessionCache !== undefined ? new FetchSessionCache(1000) : undefined,
  };
  const connection = { id: 1, listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1, closed: false };

  // Produce v9 with 8 partitions x one 16-record batch of 1 KiB values, as the Java producer sends.
  const batch = buildSimpleBatch(16, { valueSize: 1024, baseTimestamp: Date.now() });
  const produceBody = { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: 't', partitionData: Array.from({ length: P }, (_, p) => ({ index: p, records: batch })) }] };
  const produceFrame = encodeRequestFrame(ApiKey.Produce, 9, 7, 'producer-1', (w: Any) => API_BY_KEY.get(ApiKey.Produce).request.encode(w, 9, produceBody)).subarray(4);
  const decodeProduce = (): Any => {
    const r = new Reader(produceFrame);
    const header = decodeRequestHeader(r);
    return { header, req: API_BY_KEY.get(ApiKey.Produce).request.decode(r, header.apiVersion) };
  };
  await measure('decode produce request', () => decodeProduce());

  const { header: ph, req: produceReq } = decodeProduce();
  const acks1Req = { ...produceReq, acks: 1 };
  await measure('produce handler acks=-1', () => produceHandler.handle(produceReq, { header: ph, connection, broker }));
  await measure('produce handler acks=1', () => produceHandler.handle(acks1Req, { header: ph, connection, broker }));

  const produceResp = await produceHandler.handle(produceReq, { header: ph, connection, broker });
  const prodEnc = API_BY_KEY.get(ApiKey.Produce).response;
  await measure('encode produce response', () => encodeFrame(ApiKey.Produce, 9, 7, (w: Any) => prodEnc.encode(w, 9, produceResp)));

  // Fetch v12, no session, 8 partitions each answered with 64 KiB of stored batches.
  const fetchBody = {
    replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 50 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions: Array.from({ length: P }, (_, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
    forgottenTopicsData: [], rackId: '',
  };
  const fetchFrame = encodeRequestFrame(ApiKey.Fetch, 12, 9, 'consumer-1', (w: Any) => API_BY_KEY.get(ApiKey.Fetch).request.encode(w, 12, fetchBody)).subarray(4);
  const r = new Reader(fetchFrame);
  const fh = decodeRequestHeader(r);
  const fetchReq = API_BY_KEY.get(ApiKey.Fetch).request.decode(r, 12);
  await measure('fetch handler (8 x 64 KiB)', () => fetchHandler.handle(fetchReq, { header: fh, connection, broker }));
  const fetchResp = await fetchHandler.handle(fetchReq, { header: fh, connection, broker });
  const fetchEnc = API_BY_KEY.get(ApiKey.Fetch).response;
  await measure('encode fetch response', () => encodeFrame(ApiKey.Fetch, 12, 9, (w: Any) => fetchEnc.encode(w, 12, fetchResp)));
  // A consumer at the log end: 8 empty partitions.
  const emptyStore = { ...fakeStore, read: () => ({ errorCode: 0, records: Buffer.alloc(0), highWatermark: 1000, lastStableOffset: 1000, logStartOffset: 0 }) };
  const emptyBroker = { ...broker, store: emptyStore };
  const noWait = { ...fetchReq, maxWaitMs: 0 };
  await measure('fetch handler (8 empty)', () => fetchHandler.handle(noWait, { header: fh, connection, broker: emptyBroker }));
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`micro failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
