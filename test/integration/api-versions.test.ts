// ApiVersions over a real listener: every version answers with exactly the
// APIs the broker implements; KIP-511's answers to an unknown version and to
// an invalid client software name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { assertError } from './support.js';

/** What the broker core implements (issue 2); a change here is a change to what clients may use. */
const IMPLEMENTED = [
  { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 11 }, // v0-2 advertised, not served (KAFKA-18659)
  { apiKey: ApiKey.Fetch, minVersion: 4, maxVersion: 17 },
  { apiKey: ApiKey.ListOffsets, minVersion: 1, maxVersion: 9 },
  { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.CreateTopics, minVersion: 0, maxVersion: 7 },
  { apiKey: ApiKey.DeleteTopics, minVersion: 0, maxVersion: 6 },
  { apiKey: ApiKey.InitProducerId, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.DescribeConfigs, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.DescribeCluster, minVersion: 0, maxVersion: 1 },
  // Classic groups and committed offsets (issue 3).
  { apiKey: ApiKey.OffsetCommit, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.OffsetFetch, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.FindCoordinator, minVersion: 0, maxVersion: 6 },
  { apiKey: ApiKey.JoinGroup, minVersion: 0, maxVersion: 9 },
  { apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.LeaveGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.SyncGroup, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.DescribeGroups, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.ListGroups, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.DeleteGroups, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.OffsetDelete, minVersion: 0, maxVersion: 0 },
  // Admin (issue 3).
  { apiKey: ApiKey.CreatePartitions, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.DeleteRecords, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.AlterConfigs, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.IncrementalAlterConfigs, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.DescribeLogDirs, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.OffsetForLeaderEpoch, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.ElectLeaders, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.AlterPartitionReassignments, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.ListPartitionReassignments, minVersion: 0, maxVersion: 0 },
  // KIP-848 consumer groups (issue 3).
  { apiKey: ApiKey.ConsumerGroupHeartbeat, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.ConsumerGroupDescribe, minVersion: 0, maxVersion: 0 },
  // Transactions (issue 4); EndTxn v5 belongs to transaction version 2, not offered.
  { apiKey: ApiKey.AddPartitionsToTxn, minVersion: 0, maxVersion: 5 },
  { apiKey: ApiKey.AddOffsetsToTxn, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.EndTxn, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.TxnOffsetCommit, minVersion: 0, maxVersion: 4 },
  { apiKey: ApiKey.DescribeProducers, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.DescribeTransactions, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.ListTransactions, minVersion: 0, maxVersion: 1 },
  // SASL and SCRAM credentials (issue 5); Kafka lists them on every listener.
  { apiKey: ApiKey.SaslHandshake, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.SaslAuthenticate, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.DescribeUserScramCredentials, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.AlterUserScramCredentials, minVersion: 0, maxVersion: 0 },
  { apiKey: ApiKey.DescribeAcls, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.CreateAcls, minVersion: 0, maxVersion: 3 },
  { apiKey: ApiKey.DeleteAcls, minVersion: 0, maxVersion: 3 },
].sort((a, b) => a.apiKey - b.apiKey);

let broker: EmbeddedBroker;
let client: WireClient;

before(async () => {
  broker = await startEmbeddedBroker();
  client = await WireClient.connect(broker.host, broker.port);
});

after(async () => {
  client?.close();
  await broker?.stop();
});

for (let version = 0; version <= 4; version++) {
  test(`ApiVersions v${version} advertises exactly the implemented APIs and versions`, async () => {
    const body = version >= 3 ? { clientSoftwareName: 'tributary-tests', clientSoftwareVersion: '1.0.0' } : {};
    const res = await client.request(ApiKey.ApiVersions, version, body);
    assertError(res.errorCode, ErrorCode.NONE);
    const advertised = res.apiKeys
      .map((k) => ({ apiKey: k.apiKey, minVersion: k.minVersion, maxVersion: k.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
    assert.deepEqual(advertised, IMPLEMENTED);
    if (version >= 1) assert.equal(res.throttleTimeMs, 0);
  });
}

test('an ApiVersions version the broker does not know gets UNSUPPORTED_VERSION in a v0 response (KIP-511)', async () => {
  // v99 has no layout of its own: the body is what a v4 client would send, and the answer is v0.
  const res = await client.request(ApiKey.ApiVersions, 99, { clientSoftwareName: 'future-client', clientSoftwareVersion: '9.9' },
    { bodyVersion: 4, responseVersion: 0, correlationId: 4242 });
  assertError(res.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  // Apache Kafka lists the versions of ApiVersions itself, so the client can retry with one of them.
  assert.deepEqual(res.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[ApiKey.ApiVersions, 0, 4]]);
  assert.equal(client.received.at(-1)?.correlationId, 4242);
  // The connection stays usable: the client retries with a version from the answer.
  const retry = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'future-client', clientSoftwareVersion: '9.9' });
  assertError(retry.errorCode, ErrorCode.NONE);
  assert.equal(retry.apiKeys.length, IMPLEMENTED.length);
});

for (const [name, softwareName, softwareVersion] of [
  ['a space in the name', 'bad name', '1.0'],
  ['an empty name', '', '1.0'],
  ['a version ending in a dot', 'client', '1.0.'],
] as const) {
  test(`ApiVersions v3 with an invalid client software field (${name}) gets INVALID_REQUEST`, async () => {
    const res = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: softwareName, clientSoftwareVersion: softwareVersion });
    assertError(res.errorCode, ErrorCode.INVALID_REQUEST);
    // Apache Kafka answers this error with no API list.
    assert.deepEqual(res.apiKeys, []);
  });
}

test('ApiVersions v3 accepts the software names real clients send', async () => {
  for (const [n, v] of [['apache-kafka-java', '4.1.1'], ['librdkafka', '2.12.0'], ['confluent-kafka-python', '2.16.1-rdkafka-2.12.0'], ['kafkajs', '2.2.4']]) {
    const res = await client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: n!, clientSoftwareVersion: v! });
    assertError(res.errorCode, ErrorCode.NONE, `${n} ${v}`);
  }
});
