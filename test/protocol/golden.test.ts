// The codec against bytes real clients sent (test/fixtures/golden, tools/capture/capture.ts):
// every request and response frame whose api/version our generated codec knows decodes
// without leftover bytes, re-encodes to the exact same bytes, and holds what the client's
// scenario put in it (topic, acks, record batches with a valid CRC32C, client software name).
// Fixtures of versions newer than our spec set are listed by name below, so a new one fails
// until someone looks at it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  API_BY_KEY, ApiKey,
  type ApiVersionsRequest, type ApiVersionsResponse, type FetchRequest, type FetchResponse,
  type MetadataRequest, type MetadataResponse, type ProduceRequest, type ProduceResponse,
} from '../../src/protocol/generated/index.js';
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader } from '../../src/protocol/headers.js';
import { isFlexible } from '../../src/protocol/message.js';
import { Reader } from '../../src/protocol/reader.js';
import {
  CURRENT_MAGIC, LOG_OVERHEAD, computeBatchCrc, decodeRecords, readBatchHeader, type DecodedRecord,
} from '../../src/protocol/records/batch.js';
import { Writer } from '../../src/protocol/writer.js';
import { repoRoot } from '../helpers/repo-root.js';

const golden = join(repoRoot(), 'test', 'fixtures', 'golden');
const UUID_ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * Captured from real Kafka 4.1.1, which advertised versions newer than our spec set.
 * Decoding them needs a newer spec; until then they are only listed here.
 */
const KNOWN_UNCHECKED = new Set([
  'java/Produce-v13',
  'java/Fetch-v18',
  'java/Metadata-v13',
  'java/DescribeCluster-v2',
  'python/Metadata-v13',
]);

/** The client each capture directory holds (`kcat-tributary` is kcat against Tributary). */
const CLIENTS = ['java', 'kcat', 'python', 'kafkajs'] as const;
type Client = (typeof CLIENTS)[number];
/** librdkafka is behind both kcat and confluent-kafka-python. */
const FAMILY: Record<Client, 'java' | 'librdkafka' | 'kafkajs'> = { java: 'java', kcat: 'librdkafka', python: 'librdkafka', kafkajs: 'kafkajs' };
/** ApiVersions v3+ client software name (KIP-511). */
const SOFTWARE_NAME: Record<Client, string> = {
  java: 'apache-kafka-java', kcat: 'librdkafka', python: 'confluent-kafka-python', kafkajs: '',
};
/** What each capture scenario produced first (tools/capture/capture.ts). */
const FIRST_RECORD: Record<Client, { key: string; value: string; headers: [string, string][] }> = {
  java: { key: 'key-0', value: 'value-0', headers: [['seq', '0']] },
  kcat: { key: 'k1', value: 'v1', headers: [] },
  python: { key: 'key-0', value: 'value-0', headers: [['seq', '0']] },
  kafkajs: { key: 'k1', value: 'v1', headers: [['h', '1']] },
};

interface Fixture {
  /** e.g. "kcat-tributary/Produce-v7" */
  id: string;
  dir: string;
  client: Client;
  upstream: 'kafka' | 'tributary';
  api: string;
  apiKey: number;
  version: number;
  request: Buffer;
  response: Buffer | null;
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of readdirSync(golden).sort()) {
    if (dir.endsWith('.md')) continue;
    const m = /^(\w+?)(-tributary)?$/.exec(dir);
    assert.ok(m && (CLIENTS as readonly string[]).includes(m[1]!), `unexpected golden directory ${dir}`);
    for (const file of readdirSync(join(golden, dir)).sort()) {
      if (file.endsWith('.response.bin')) continue;
      const f = /^(\w+)-v(\d+)\.bin$/.exec(file);
      assert.ok(f, `unexpected fixture name ${dir}/${file}`);
      const request = readFileSync(join(golden, dir, file));
      const respPath = join(golden, dir, file.replace(/\.bin$/, '.response.bin'));
      out.push({
        id: `${dir}/${f[1]}-v${f[2]}`, dir, client: m[1] as Client, upstream: m[2] ? 'tributary' : 'kafka',
        api: f[1]!, apiKey: request.readInt16BE(0), version: Number(f[2]), request,
        response: existsSync(respPath) ? readFileSync(respPath) : null,
      });
    }
  }
  return out;
}

const fixtures = loadFixtures();

function knownVersion(f: Fixture): boolean {
  const api = API_BY_KEY.get(f.apiKey);
  return api !== undefined && f.version >= api.request.minVersion && f.version <= api.request.maxVersion;
}

const checked = fixtures.filter(knownVersion);

function encode(write: (w: Writer) => void): Buffer {
  const w = new Writer();
  write(w);
  return w.toBuffer();
}

interface DecodedRequest { header: ReturnType<typeof decodeRequestHeader>; body: unknown }

/** Decodes a request frame and proves the codec reproduces it byte for byte. */
function roundTripRequest(f: Fixture): DecodedRequest {
  const api = API_BY_KEY.get(f.apiKey)!;
  const r = new Reader(f.request);
  const header = decodeRequestHeader(r);
  assert.equal(header.apiKey, f.apiKey, `${f.id}: api key`);
  assert.equal(header.apiVersion, f.version, `${f.id}: the file name's version is the header's`);
  const body = api.request.decode(r, f.version);
  assert.equal(r.pos, f.request.length, `${f.id}: decoder left ${f.request.length - r.pos} of ${f.request.length} bytes`);
  const again = encode((w) => { encodeRequestHeader(w, header); api.request.encode(w, f.version, body); });
  assert.equal(again.toString('hex'), f.request.toString('hex'), `${f.id}: re-encoded request differs`);
  return { header, body };
}

function roundTripResponse(f: Fixture, correlationId: number): unknown {
  const api = API_BY_KEY.get(f.apiKey)!;
  const bytes = f.response!;
  const r = new Reader(bytes);
  const header = decodeResponseHeader(r, f.apiKey, f.version);
  assert.equal(header.correlationId, correlationId, `${f.id}: response correlation id`);
  const body = api.response.decode(r, f.version);
  assert.equal(r.pos, bytes.length, `${f.id}: response decoder left ${bytes.length - r.pos} of ${bytes.length} bytes`);
  const again = encode((w) => { encodeResponseHeader(w, f.apiKey, f.version, header.correlationId); api.response.encode(w, f.version, body); });
  assert.equal(again.toString('hex'), bytes.toString('hex'), `${f.id}: re-encoded response differs`);
  return body;
}

/** Walks the v2 batches of a record set: magic 2 and a CRC32C that verifies; returns the records. */
function checkBatches(id: string, records: Buffer, allowPartialTail: boolean): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < 61 && allowPartialTail) break;
    const h = readBatchHeader(records, pos);
    const size = h.batchLength + LOG_OVERHEAD;
    // A fetch response may end in a partial batch (KIP-74); a produce request may not.
    if (pos + size > records.length && allowPartialTail) break;
    assert.ok(pos + size <= records.length, `${id}: batch at ${pos} (${size} bytes) overruns the ${records.length}-byte record set`);
    assert.equal(h.magic, CURRENT_MAGIC, `${id}: batch at ${pos} has magic ${h.magic}`);
    assert.equal(computeBatchCrc(records, pos, size), h.crc, `${id}: CRC32C of the batch at ${pos} does not verify`);
    assert.ok(h.recordCount > 0, `${id}: empty batch at ${pos}`);
    if ((h.attributes & 0x07) === 0) {
      const recs = [...decodeRecords(records.subarray(pos, pos + size))];
      assert.equal(recs.length, h.recordCount, `${id}: record count`);
      out.push(...recs);
    }
    pos += size;
  }
  return out;
}

function checkFirstRecord(f: Fixture, records: DecodedRecord[]): void {
  const want = FIRST_RECORD[f.client];
  assert.ok(records.length > 0, `${f.id}: no uncompressed records to look at`);
  const first = records[0]!;
  assert.equal(first.key?.toString('utf8'), want.key, `${f.id}: first record key`);
  assert.equal(first.value?.toString('utf8'), want.value, `${f.id}: first record value`);
  assert.deepEqual(first.headers.map((h) => [h.key, h.value?.toString('utf8')]), want.headers, `${f.id}: first record headers`);
}

const topicOf = (f: Fixture): string => `cap-${f.client}`;

/** Per-API checks of what the client meant, on top of the byte-exact round trip. */
const semantics: Partial<Record<number, (f: Fixture, req: unknown, resp: unknown) => void>> = {
  [ApiKey.Produce]: (f, reqBody, respBody) => {
    const req = reqBody as ProduceRequest;
    assert.equal(req.acks, -1, `${f.id}: every capture scenario produces with acks=all`);
    assert.equal(req.transactionalId, null, `${f.id}: not transactional`);
    assert.equal(req.topicData.length, 1, `${f.id}: one topic`);
    const topic = req.topicData[0]!;
    assert.equal(topic.name, topicOf(f), `${f.id}: topic name`);
    assert.equal(topic.partitionData[0]?.index, 0, `${f.id}: partition`);
    const records = topic.partitionData[0]!.records;
    assert.ok(records !== null && records.length > 0, `${f.id}: no records`);
    checkFirstRecord(f, checkBatches(f.id, records, false));
    if (respBody === null) return;
    const resp = respBody as ProduceResponse;
    const p = resp.responses[0]?.partitionResponses[0];
    assert.equal(resp.responses[0]?.name, topicOf(f), `${f.id}: response topic`);
    assert.equal(p?.errorCode, 0, `${f.id}: produce error code`);
    assert.equal(p?.baseOffset, 0, `${f.id}: the first produce to a new topic lands at offset 0`);
  },
  [ApiKey.Fetch]: (f, reqBody, respBody) => {
    const req = reqBody as FetchRequest;
    const replicaId = f.version >= 15 ? req.replicaState.replicaId : req.replicaId;
    assert.equal(replicaId, -1, `${f.id}: a consumer's replica id`);
    assert.equal(req.topics.length, 1, `${f.id}: one topic`);
    const topic = req.topics[0]!;
    // Fetch v13 (KIP-516) names topics by id.
    if (f.version >= 13) assert.notEqual(topic.topicId, UUID_ZERO, `${f.id}: topic id`);
    else assert.equal(topic.topic, topicOf(f), `${f.id}: topic name`);
    const part = topic.partitions[0]!;
    assert.equal(part.partition, 0, `${f.id}: partition`);
    assert.equal(part.fetchOffset, 0, `${f.id}: fetch offset (every scenario reads from the beginning)`);
    assert.ok(part.partitionMaxBytes > 0 && req.maxBytes > 0, `${f.id}: max bytes`);
    if (respBody === null) return;
    const resp = respBody as FetchResponse;
    assert.equal(resp.errorCode, 0, `${f.id}: fetch error code`);
    const rt = resp.responses[0]!;
    if (f.version >= 13) assert.equal(rt.topicId, topic.topicId, `${f.id}: response topic id`);
    else assert.equal(rt.topic, topicOf(f), `${f.id}: response topic`);
    const rp = rt.partitions[0]!;
    assert.equal(rp.errorCode, 0, `${f.id}: partition error code`);
    assert.ok(rp.highWatermark > 0, `${f.id}: high watermark ${rp.highWatermark}`);
    assert.ok(rp.records !== null && rp.records.length > 0, `${f.id}: no records fetched`);
    const fetched = checkBatches(`${f.id} response`, rp.records, true);
    checkFirstRecord(f, fetched);
    assert.equal(fetched[0]!.offset, 0, `${f.id}: first fetched offset`);
  },
  [ApiKey.Metadata]: (f, reqBody, respBody) => {
    const req = reqBody as MetadataRequest;
    for (const t of req.topics ?? []) assert.equal(t.name, topicOf(f), `${f.id}: requested topic`);
    if (respBody === null) return;
    const resp = respBody as MetadataResponse;
    assert.ok(resp.brokers.length >= 1, `${f.id}: no brokers`);
    for (const b of resp.brokers) assert.ok(b.nodeId >= 0 && b.port > 0 && b.host !== '', `${f.id}: broker ${JSON.stringify(b)}`);
    for (const t of resp.topics) {
      assert.equal(t.name, topicOf(f), `${f.id}: response topic`);
      if (t.errorCode === 0) for (const p of t.partitions) assert.ok(p.leaderId >= 0, `${f.id}: partition ${p.partitionIndex} leader`);
    }
  },
  [ApiKey.ApiVersions]: (f, reqBody, respBody) => {
    const req = reqBody as ApiVersionsRequest;
    if (f.version >= 3) {
      assert.equal(req.clientSoftwareName, SOFTWARE_NAME[f.client], `${f.id}: client software name`);
      assert.match(req.clientSoftwareVersion, /^\d+\.\d+/, `${f.id}: client software version`);
    }
    if (respBody === null) return;
    const resp = respBody as ApiVersionsResponse;
    assert.equal(resp.errorCode, 0, `${f.id}: ApiVersions error code`);
    const advertised = new Map(resp.apiKeys.map((k) => [k.apiKey, k]));
    for (const key of [ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.ApiVersions]) {
      const k = advertised.get(key);
      assert.ok(k !== undefined && k.minVersion <= k.maxVersion, `${f.id}: api ${key} advertised`);
      // Tributary advertises only what its handlers implement, all within our spec set.
      if (f.upstream === 'tributary') {
        assert.ok(k.maxVersion <= API_BY_KEY.get(key)!.request.maxVersion, `${f.id}: Tributary advertises api ${key} up to v${k.maxVersion}`);
      }
    }
  },
};

describe('golden bytes from real clients', () => {
  it('finds the fixtures', () => {
    assert.ok(fixtures.length > 0, `no fixtures under ${golden}; run tools/capture/capture.ts`);
  });

  for (const f of checked) {
    it(`${f.id}: decodes, re-encodes byte for byte${semantics[f.apiKey] ? ', and says what the client meant' : ''}`, () => {
      const { header, body } = roundTripRequest(f);
      assert.ok(header.clientId !== null && header.clientId.length > 0, `${f.id}: client id`);
      const respBody = f.response === null ? null : roundTripResponse(f, header.correlationId);
      semantics[f.apiKey]?.(f, body, respBody);
    });
  }

  it('every fixture our codec cannot decode is known by name, and every known one still exists and is still unknown', () => {
    const unchecked = fixtures.filter((f) => !knownVersion(f)).map((f) => f.id);
    const unexpected = unchecked.filter((id) => !KNOWN_UNCHECKED.has(id));
    assert.deepEqual(unexpected, [], `fixtures beyond our spec set, not in KNOWN_UNCHECKED (update the spec or list them): ${unexpected.join(', ')}`);
    const stale = [...KNOWN_UNCHECKED].filter((id) => !unchecked.includes(id));
    assert.deepEqual(stale, [], `KNOWN_UNCHECKED entries that are gone or now decodable (remove them): ${stale.join(', ')}`);
  });

  it('ApiVersions, Metadata, Produce and Fetch are covered non-flexible and flexible, by Java, librdkafka and kafkajs', () => {
    const missing: string[] = [];
    for (const key of [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch]) {
      const api = API_BY_KEY.get(key)!;
      const withResponse = checked.filter((f) => f.apiKey === key && f.response !== null);
      for (const family of ['java', 'librdkafka', 'kafkajs'] as const) {
        if (!withResponse.some((f) => FAMILY[f.client] === family)) missing.push(`${api.name} from ${family}`);
      }
      if (!withResponse.some((f) => !isFlexible(api.request, f.version))) missing.push(`${api.name} non-flexible (< v${api.request.flexibleMinVersion})`);
      if (!withResponse.some((f) => isFlexible(api.request, f.version))) missing.push(`${api.name} flexible (v${api.request.flexibleMinVersion}+)`);
    }
    assert.deepEqual(missing, [], `golden fixtures missing (decodable, with a response): ${missing.join('; ')}`);
  });
});
