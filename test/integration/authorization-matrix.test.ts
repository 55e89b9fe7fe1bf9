// ACL enforcement at the wire, API by API (issue 5): a principal without
// ACLs (alice, over SASL/PLAIN) gets Kafka's *_AUTHORIZATION_FAILED and no
// data; a principal with the ACL Kafka requires (bob) succeeds. Then
// super.users, DENY over ALLOW, prefixed bindings,
// allow.everyone.if.no.acl.found, and the audit events of a denied Produce
// and an allowed CreateTopics in confluent-audit-log-events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode, type FetchRequestInput } from '../../src/protocol/generated/index.js';
import { decodeRecords } from '../../src/protocol/records/batch.js';
import { AclOperation as Op, AclPermissionType as Perm, PatternType, ResourceType as RT } from '../../src/security/acl.js';
import { startSecureBroker, type SecureBroker } from '../helpers/secure-broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { plainLogin } from '../helpers/sasl-client.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { splitBatches, sleep } from './support.js';

const USERS = ['alice', 'bob', 'root', 'dave', 'erin'];
const JAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required ${USERS.map((u) => `user_${u}="${u}-secret"`).join(' ')};`;
const AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

function properties(extra: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: 'ADMIN://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'ADMIN:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'authorizer.class.name': AUTHORIZER,
    // The PLAINTEXT admin listener (User:ANONYMOUS) sets the scene; root is a super user over SASL.
    'super.users': 'User:ANONYMOUS;User:root',
    'audit.log.flush.interval.ms': '10',
    ...extra,
  };
}

const T = 'mx-topic';
const SECRET = 'mx-secret';
const G = 'mx-group';
const X = 'mx-txn';

let broker: SecureBroker;
let admin: WireClient;
const clients = new Map<string, WireClient>();

async function login(b: SecureBroker, user: string): Promise<WireClient> {
  const c = await WireClient.connect('127.0.0.1', b.port('SASL_PLAINTEXT'));
  const r = await plainLogin(c, user, `${user}-secret`);
  assert.equal(r.errorCode, ErrorCode.NONE, `login ${user}`);
  return c;
}

async function as(user: string): Promise<WireClient> {
  let c = clients.get(user);
  if (c === undefined) clients.set(user, (c = await login(broker, user)));
  return c;
}

async function grant(principal: string, resourceType: number, resourceName: string, operation: number, opts: { pattern?: number; deny?: boolean; via?: WireClient } = {}): Promise<void> {
  const r = await (opts.via ?? admin).request(ApiKey.CreateAcls, 3, {
    creations: [{
      resourceType, resourceName, resourcePatternType: opts.pattern ?? PatternType.LITERAL, principal: `User:${principal}`, host: '*',
      operation, permissionType: opts.deny === true ? Perm.DENY : Perm.ALLOW,
    }],
  });
  assert.equal(r.results[0]!.errorCode, ErrorCode.NONE);
}

async function createTopic(c: WireClient, name: string, partitions = 1): Promise<void> {
  const r = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs: [] }], timeoutMs: 5000 });
  assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE, `create ${name}`);
}

async function produceTo(c: WireClient, topic: string, opts: { transactionalId?: string; producerId?: number; producerEpoch?: number; transactional?: boolean } = {}) {
  return c.request(ApiKey.Produce, 9, {
    transactionalId: opts.transactionalId ?? null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: buildSimpleBatch(1, { transactional: opts.transactional ?? false, producerId: opts.producerId ?? -1, producerEpoch: opts.producerEpoch ?? -1, baseSequence: opts.producerId !== undefined ? 0 : -1 }) }] }],
  });
}

function fetchBody(topic: string): FetchRequestInput {
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
  };
}

async function commitOffset(c: WireClient, group: string, topic: string, offset = 1) {
  return c.request(ApiKey.OffsetCommit, 8, {
    groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
}

const AUTH_ERRORS = new Set<number>([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);
const codes = (xs: readonly { errorCode: number }[]) => xs.map((x) => ErrorCode[x.errorCode]);
function notAuthError(code: number, what: string): void {
  assert.ok(!AUTH_ERRORS.has(code), `${what}: got ${ErrorCode[code]}`);
}

let adminTxn: { producerId: number; producerEpoch: number };

before(async () => {
  broker = await startSecureBroker(properties());
  admin = await WireClient.connect('127.0.0.1', broker.port('ADMIN'));
  for (const t of [T, SECRET, 'mx-del-1', 'mx-parts-1', 'mx-dr-1']) await createTopic(admin, t);
  assert.equal((await produceTo(admin, T)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  await produceTo(admin, SECRET);
  for (const [group, topic] of [[G, T], [G, SECRET], ['mx-offdel', T], ['mx-gdel-1', T]] as const) {
    const r = await commitOffset(admin, group, topic);
    assert.equal(r.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  }
  // An ongoing transaction of the admin's, for ListTransactions / DescribeTransactions.
  const init = await admin.request(ApiKey.InitProducerId, 5, { transactionalId: X, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(init.errorCode, ErrorCode.NONE);
  adminTxn = { producerId: Number(init.producerId), producerEpoch: init.producerEpoch };
  const add = await admin.request(ApiKey.AddPartitionsToTxn, 3, {
    v3AndBelowTransactionalId: X, v3AndBelowProducerId: adminTxn.producerId, v3AndBelowProducerEpoch: adminTxn.producerEpoch,
    v3AndBelowTopics: [{ name: T, partitions: [0] }, { name: SECRET, partitions: [0] }],
  });
  assert.deepEqual(add.resultsByTopicV3AndBelow.flatMap((t) => codes(t.resultsByPartition.map((p) => ({ errorCode: p.partitionErrorCode })))), ['NONE', 'NONE']);
});

after(async () => {
  for (const c of clients.values()) c.close();
  admin?.close();
  await broker?.stop();
});

test('Produce: WRITE on the topic; transactional batches need WRITE on the transactional id', async () => {
  const alice = await as('alice');
  const denied = await produceTo(alice, T);
  const p = denied.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(Number(p.baseOffset), -1);
  // A topic that does not exist is refused the same way: its absence is not disclosed.
  assert.equal((await produceTo(alice, 'mx-no-such-topic')).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const txn = await produceTo(alice, T, { transactionalId: X, transactional: true, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch });
  assert.equal(txn.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  // acks=0: no response to carry the error, so the connection is closed (as Kafka does).
  const fireAndForget = await login(broker, 'alice');
  await fireAndForget.request(ApiKey.Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 5000, topicData: [{ name: T, partitionData: [{ index: 0, records: buildSimpleBatch(1) }] }] }, { expectResponse: false });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([fireAndForget.closed, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('the connection stayed open')), 5000); })]);
  clearTimeout(timer);
  assert.equal(fireAndForget.closedByServer, true);

  const bob = await as('bob');
  await grant('bob', RT.TOPIC, T, Op.WRITE);
  assert.equal((await produceTo(bob, T)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  // WRITE on the topic alone does not cover a transactional batch.
  const bobTxn = await produceTo(bob, T, { transactionalId: X, transactional: true, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch });
  assert.equal(bobTxn.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
});

test('Fetch, ListOffsets, OffsetForLeaderEpoch, DescribeProducers: READ/DESCRIBE on the topic', async () => {
  const alice = await as('alice');
  const f = await alice.request(ApiKey.Fetch, 12, fetchBody(T));
  const fp = f.responses[0]!.partitions[0]!;
  assert.equal(fp.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(fp.records?.length ?? 0, 0);
  assert.equal(Number(fp.highWatermark), -1);
  const lo = await alice.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: T, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  assert.equal(lo.topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(Number(lo.topics[0]!.partitions[0]!.offset), -1);
  const ofl = await alice.request(ApiKey.OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: T, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
  assert.equal(ofl.topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(Number(ofl.topics[0]!.partitions[0]!.endOffset), -1);
  const dp = await alice.request(ApiKey.DescribeProducers, 0, { topics: [{ name: T, partitionIndexes: [0] }] });
  assert.equal(dp.topics[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);

  const bob = await as('bob');
  await grant('bob', RT.TOPIC, T, Op.READ);
  const bf = await bob.request(ApiKey.Fetch, 12, fetchBody(T));
  assert.equal(bf.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.ok(splitBatches(bf.responses[0]!.partitions[0]!.records as Buffer).batches.length >= 1, 'bob reads the records');
  const blo = await bob.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: T, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  assert.equal(blo.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.ok(Number(blo.topics[0]!.partitions[0]!.offset) >= 1);
  const bofl = await bob.request(ApiKey.OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: T, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
  assert.equal(bofl.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const bdp = await bob.request(ApiKey.DescribeProducers, 0, { topics: [{ name: T, partitionIndexes: [0] }] });
  assert.equal(bdp.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
});

test('Metadata lists only what the principal may describe; named topics are refused without disclosing existence', async () => {
  const alice = await as('alice');
  const all = await alice.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.deepEqual(all.topics.map((t) => t.name), [], 'alice sees no topic');
  assert.equal(all.brokers.length, 1);
  const named = await alice.request(ApiKey.Metadata, 12, { topics: [{ name: T }, { name: 'mx-never-created' }], allowAutoTopicCreation: true });
  assert.deepEqual(codes(named.topics), ['TOPIC_AUTHORIZATION_FAILED', 'TOPIC_AUTHORIZATION_FAILED']);
  assert.deepEqual(named.topics.map((t) => t.partitions.length), [0, 0]);
  assert.ok(named.topics.every((t) => t.topicId === 'AAAAAAAAAAAAAAAAAAAAAA'), 'no topic id leaks');
  const gone = await admin.request(ApiKey.Metadata, 12, { topics: [{ name: 'mx-never-created' }], allowAutoTopicCreation: false });
  assert.equal(gone.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'auto-creation needs CREATE: nothing was created');

  const bob = await as('bob');
  const listed = await bob.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true });
  assert.deepEqual(listed.topics.map((t) => t.name), [T], 'bob sees only the topic he has ACLs on');
  // READ and WRITE, and the DESCRIBE they imply.
  assert.equal(listed.topics[0]!.topicAuthorizedOperations, (1 << Op.READ) | (1 << Op.WRITE) | (1 << Op.DESCRIBE));
  const v10 = await bob.request(ApiKey.Metadata, 10, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true });
  assert.equal(v10.clusterAuthorizedOperations, 0, 'no DESCRIBE on the cluster: no rights reported');

  // Auto-creation needs DESCRIBE (CREATE does not imply it) and CREATE, here on a prefix.
  await grant('bob', RT.TOPIC, 'mx-auto-', Op.CREATE, { pattern: PatternType.PREFIXED });
  const describeFirst = await bob.request(ApiKey.Metadata, 12, { topics: [{ name: 'mx-auto-1' }], allowAutoTopicCreation: true });
  assert.equal(describeFirst.topics[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  await grant('bob', RT.TOPIC, 'mx-auto-', Op.DESCRIBE, { pattern: PatternType.PREFIXED });
  const auto = await bob.request(ApiKey.Metadata, 12, { topics: [{ name: 'mx-auto-1' }], allowAutoTopicCreation: true });
  assert.equal(auto.topics[0]!.errorCode, ErrorCode.NONE);
  assert.equal(auto.topics[0]!.partitions.length, 1);
});

test('CreateTopics, DeleteTopics, CreatePartitions, DeleteRecords', async () => {
  const alice = await as('alice');
  const ct = await alice.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'mx-created-alice', numPartitions: 1, replicationFactor: 1, configs: [] }], timeoutMs: 5000 });
  assert.deepEqual(codes(ct.topics), ['TOPIC_AUTHORIZATION_FAILED']);
  const dt = await alice.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'mx-del-1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 });
  assert.deepEqual(codes(dt.responses), ['TOPIC_AUTHORIZATION_FAILED']);
  const cp = await alice.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'mx-parts-1', count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false });
  assert.deepEqual(codes(cp.results), ['TOPIC_AUTHORIZATION_FAILED']);
  const dr = await alice.request(ApiKey.DeleteRecords, 2, { topics: [{ name: 'mx-dr-1', partitions: [{ partitionIndex: 0, offset: 1 }] }], timeoutMs: 5000 });
  assert.deepEqual(codes(dr.topics[0]!.partitions), ['TOPIC_AUTHORIZATION_FAILED']);
  // By id: the id is known to the caller, the name is not disclosed.
  const known = await admin.request(ApiKey.Metadata, 12, { topics: [{ name: 'mx-del-1' }], allowAutoTopicCreation: false });
  const id = known.topics[0]!.topicId;
  const byId = await alice.request(ApiKey.DeleteTopics, 6, { topics: [{ name: null, topicId: id }], timeoutMs: 5000 });
  assert.deepEqual(byId.responses.map((r) => [r.name, ErrorCode[r.errorCode]]), [[null, 'TOPIC_AUTHORIZATION_FAILED']]);
  const mdById = await alice.request(ApiKey.Metadata, 12, { topics: [{ name: null, topicId: id }], allowAutoTopicCreation: false });
  assert.deepEqual(mdById.topics.map((t) => [t.name, ErrorCode[t.errorCode], t.partitions.length]), [[null, 'TOPIC_AUTHORIZATION_FAILED', 0]]);
  const still = await admin.request(ApiKey.Metadata, 12, { topics: [{ name: 'mx-created-alice' }, { name: 'mx-del-1' }, { name: 'mx-parts-1' }], allowAutoTopicCreation: false });
  assert.deepEqual(still.topics.map((t) => t.partitions.length), [0, 1, 1], 'nothing was created, deleted or grown');

  const bob = await as('bob');
  await grant('bob', RT.TOPIC, 'mx-created-', Op.CREATE, { pattern: PatternType.PREFIXED });
  await grant('bob', RT.TOPIC, 'mx-del-1', Op.DELETE);
  await grant('bob', RT.TOPIC, 'mx-parts-1', Op.ALTER);
  await grant('bob', RT.TOPIC, 'mx-dr-1', Op.DELETE);
  const bct = await bob.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'mx-created-1', numPartitions: 1, replicationFactor: 1, configs: [] }], timeoutMs: 5000 });
  assert.deepEqual(codes(bct.topics), ['NONE']);
  // Created, but without DESCRIBE_CONFIGS its configs are not shown.
  assert.equal(bct.topics[0]!.topicConfigErrorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(bct.topics[0]!.configs, null);
  assert.deepEqual(codes((await bob.request(ApiKey.DeleteTopics, 6, { topics: [{ name: 'mx-del-1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 })).responses), ['NONE']);
  assert.deepEqual(codes((await bob.request(ApiKey.CreatePartitions, 3, { topics: [{ name: 'mx-parts-1', count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false })).results), ['NONE']);
  assert.deepEqual(codes((await bob.request(ApiKey.DeleteRecords, 2, { topics: [{ name: 'mx-dr-1', partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 5000 })).topics[0]!.partitions), ['NONE']);
});

test('DescribeConfigs, AlterConfigs, IncrementalAlterConfigs: *_CONFIGS on the topic or the cluster', async () => {
  const alice = await as('alice');
  const resources = [{ resourceType: 2, resourceName: T, configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }];
  const dc = await alice.request(ApiKey.DescribeConfigs, 4, { resources, includeSynonyms: false, includeDocumentation: false });
  assert.deepEqual(codes(dc.results), ['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);
  assert.deepEqual(dc.results.map((r) => r.configs.length), [0, 0]);
  const ac = await alice.request(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', value: '100000' }] }], validateOnly: true });
  assert.deepEqual(codes(ac.responses), ['TOPIC_AUTHORIZATION_FAILED']);
  const iac = await alice.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', configOperation: 0, value: '100000' }] }, { resourceType: 4, resourceName: '1', configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '2' }] }],
    validateOnly: true,
  });
  assert.deepEqual(codes(iac.responses), ['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);

  const bob = await as('bob');
  await grant('bob', RT.TOPIC, T, Op.ALTER_CONFIGS);
  await grant('bob', RT.CLUSTER, 'kafka-cluster', Op.DESCRIBE_CONFIGS);
  const bdc = await bob.request(ApiKey.DescribeConfigs, 4, { resources, includeSynonyms: false, includeDocumentation: false });
  assert.deepEqual(codes(bdc.results), ['NONE', 'NONE'], 'ALTER_CONFIGS implies DESCRIBE_CONFIGS');
  assert.ok(bdc.results.every((r) => r.configs.length > 0));
  assert.deepEqual(codes((await bob.request(ApiKey.AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', value: '100000' }] }], validateOnly: true })).responses), ['NONE']);
  const biac = await bob.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: T, configs: [{ name: 'retention.ms', configOperation: 0, value: '100000' }] }], validateOnly: true });
  assert.deepEqual(codes(biac.responses), ['NONE']);
});

test('cluster APIs: DescribeLogDirs, ElectLeaders, partition reassignments, DescribeCluster', async () => {
  const alice = await as('alice');
  const dld = await alice.request(ApiKey.DescribeLogDirs, 4, { topics: null });
  assert.equal(dld.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(dld.results.length, 0);
  const el = await alice.request(ApiKey.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: T, partitions: [0] }], timeoutMs: 5000 });
  assert.equal(el.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(codes(el.replicaElectionResults[0]!.partitionResult), ['CLUSTER_AUTHORIZATION_FAILED']);
  const apr = await alice.request(ApiKey.AlterPartitionReassignments, 0, { timeoutMs: 5000, topics: [{ name: T, partitions: [{ partitionIndex: 0, replicas: null }] }] });
  assert.equal(apr.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const lpr = await alice.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 5000, topics: null });
  assert.equal(lpr.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  const dc = await alice.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  assert.equal(dc.errorCode, ErrorCode.NONE, 'DescribeCluster itself needs no ACL');
  assert.equal(dc.clusterAuthorizedOperations, 0);

  const bob = await as('bob');
  await grant('bob', RT.CLUSTER, 'kafka-cluster', Op.ALTER);
  assert.equal((await bob.request(ApiKey.DescribeLogDirs, 4, { topics: null })).errorCode, ErrorCode.NONE, 'ALTER implies DESCRIBE');
  const bel = await bob.request(ApiKey.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: T, partitions: [0] }], timeoutMs: 5000 });
  assert.deepEqual(codes(bel.replicaElectionResults[0]!.partitionResult), ['ELECTION_NOT_NEEDED']);
  assert.equal((await bob.request(ApiKey.AlterPartitionReassignments, 0, { timeoutMs: 5000, topics: [{ name: T, partitions: [{ partitionIndex: 0, replicas: [1] }] }] })).errorCode, ErrorCode.NONE);
  assert.equal((await bob.request(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 5000, topics: null })).errorCode, ErrorCode.NONE);
  const bdc = await bob.request(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  const ops = bdc.clusterAuthorizedOperations;
  assert.ok((ops & (1 << Op.ALTER)) !== 0 && (ops & (1 << Op.DESCRIBE)) !== 0 && (ops & (1 << Op.DESCRIBE_CONFIGS)) !== 0, `bits ${ops}`);
  assert.equal(ops & (1 << Op.CREATE), 0);
});

test('groups: FindCoordinator, OffsetCommit/Fetch/Delete, Join/Sync/Heartbeat/Leave, List/Describe/DeleteGroups', async () => {
  const alice = await as('alice');
  const fc = await alice.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [G] });
  assert.deepEqual(codes(fc.coordinators), ['GROUP_AUTHORIZATION_FAILED']);
  assert.equal(fc.coordinators[0]!.nodeId, -1);
  const oc = await commitOffset(alice, G, T, 0);
  assert.deepEqual(codes(oc.topics[0]!.partitions), ['GROUP_AUTHORIZATION_FAILED']);
  const of = await alice.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: G, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
  assert.equal(of.groups[0]!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(of.groups[0]!.topics.length, 0);
  const od = await alice.request(ApiKey.OffsetDelete, 0, { groupId: 'mx-offdel', topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(od.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const jg = await alice.request(ApiKey.JoinGroup, 9, { groupId: 'mx-join', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
  assert.equal(jg.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(jg.memberId, '');
  const sg = await alice.request(ApiKey.SyncGroup, 5, { groupId: 'mx-join', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  assert.equal(sg.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(sg.assignment.length, 0);
  assert.equal((await alice.request(ApiKey.Heartbeat, 4, { groupId: 'mx-join', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const lg = await alice.request(ApiKey.LeaveGroup, 5, { groupId: 'mx-join', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] });
  assert.equal(lg.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(lg.members.length, 0);
  const adminList = await admin.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
  assert.ok(adminList.groups.some((g) => g.groupId === G), 'the group exists');
  const list = await alice.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
  assert.deepEqual(list.groups.map((g) => g.groupId), [], 'alice lists no group');
  const dg = await alice.request(ApiKey.DescribeGroups, 5, { groups: [G], includeAuthorizedOperations: true });
  assert.deepEqual(codes(dg.groups), ['GROUP_AUTHORIZATION_FAILED']);
  assert.equal(dg.groups[0]!.members.length, 0);
  const del = await alice.request(ApiKey.DeleteGroups, 2, { groupsNames: ['mx-gdel-1'] });
  assert.deepEqual(codes(del.results), ['GROUP_AUTHORIZATION_FAILED']);

  const bob = await as('bob');
  await grant('bob', RT.GROUP, G, Op.READ);
  await grant('bob', RT.GROUP, 'mx-join', Op.READ);
  await grant('bob', RT.GROUP, 'mx-offdel', Op.DELETE);
  await grant('bob', RT.GROUP, 'mx-gdel-1', Op.DELETE);
  assert.deepEqual(codes((await bob.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [G] })).coordinators), ['NONE']);
  assert.deepEqual(codes((await commitOffset(bob, G, T, 1)).topics[0]!.partitions), ['NONE']);
  // READ on the group but not on the topic.
  assert.deepEqual(codes((await commitOffset(bob, G, SECRET, 1)).topics[0]!.partitions), ['TOPIC_AUTHORIZATION_FAILED']);
  const bof = await bob.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: G, memberId: null, memberEpoch: -1, topics: null }], requireStable: false });
  assert.equal(bof.groups[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(bof.groups[0]!.topics.map((t) => t.name), [T], 'offsets of topics bob may not describe are left out');
  const named = await bob.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: G, memberId: null, memberEpoch: -1, topics: [{ name: T, partitionIndexes: [0] }, { name: SECRET, partitionIndexes: [0] }] }], requireStable: false });
  assert.deepEqual(named.groups[0]!.topics.map((t) => [t.name, ErrorCode[t.partitions[0]!.errorCode], Number(t.partitions[0]!.committedOffset)]), [[T, 'NONE', 1], [SECRET, 'TOPIC_AUTHORIZATION_FAILED', -1]]);
  const bod = await bob.request(ApiKey.OffsetDelete, 0, { groupId: 'mx-offdel', topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(bod.errorCode, ErrorCode.NONE);
  assert.deepEqual(codes(bod.topics[0]!.partitions), ['NONE']);
  const bjg = await bob.request(ApiKey.JoinGroup, 9, { groupId: 'mx-join', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
  assert.equal(bjg.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  notAuthError((await bob.request(ApiKey.SyncGroup, 5, { groupId: 'mx-join', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] })).errorCode, 'SyncGroup');
  notAuthError((await bob.request(ApiKey.Heartbeat, 4, { groupId: 'mx-join', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, 'Heartbeat');
  notAuthError((await bob.request(ApiKey.LeaveGroup, 5, { groupId: 'mx-join', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] })).errorCode, 'LeaveGroup');
  const blist = await bob.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
  assert.deepEqual(blist.groups.map((g) => g.groupId).sort(), [G, 'mx-gdel-1', 'mx-join', 'mx-offdel'].sort(), 'READ and DELETE imply DESCRIBE');
  const bdg = await bob.request(ApiKey.DescribeGroups, 5, { groups: [G], includeAuthorizedOperations: true });
  assert.deepEqual(codes(bdg.groups), ['NONE']);
  assert.equal(bdg.groups[0]!.authorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE));
  assert.deepEqual(codes((await bob.request(ApiKey.DeleteGroups, 2, { groupsNames: ['mx-gdel-1'] })).results), ['NONE']);
});

test('KIP-848 groups: ConsumerGroupHeartbeat and ConsumerGroupDescribe', async () => {
  const alice = await as('alice');
  const hb = await alice.request(ApiKey.ConsumerGroupHeartbeat, 0, { groupId: 'mx-cg', memberId: 'alice-member-0000000001', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [T], topicPartitions: [] });
  assert.equal(hb.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.equal(hb.assignment, null);
  const d = await alice.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['mx-cg'], includeAuthorizedOperations: false });
  assert.deepEqual(codes(d.groups), ['GROUP_AUTHORIZATION_FAILED']);

  const bob = await as('bob');
  await grant('bob', RT.GROUP, 'mx-cg', Op.READ);
  const secret = await bob.request(ApiKey.ConsumerGroupHeartbeat, 0, { groupId: 'mx-cg', memberId: 'bob-member-00000000000001', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [SECRET], topicPartitions: [] });
  assert.equal(secret.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'subscribing to a topic bob may not describe');
  const ok = await bob.request(ApiKey.ConsumerGroupHeartbeat, 0, { groupId: 'mx-cg', memberId: 'bob-member-00000000000001', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [T], topicPartitions: [] });
  assert.equal(ok.errorCode, ErrorCode.NONE);
  const bd = await bob.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['mx-cg'], includeAuthorizedOperations: false });
  assert.deepEqual(codes(bd.groups), ['NONE']);
  assert.equal(bd.groups[0]!.members.length, 1);
});

test('transactions: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn, List/DescribeTransactions, FindCoordinator', async () => {
  const alice = await as('alice');
  const idem = await alice.request(ApiKey.InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(idem.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(Number(idem.producerId), -1);
  const init = await alice.request(ApiKey.InitProducerId, 5, { transactionalId: X, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(init.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const fc = await alice.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: [X] });
  assert.deepEqual(codes(fc.coordinators), ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
  const apt = await alice.request(ApiKey.AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: X, v3AndBelowProducerId: adminTxn.producerId, v3AndBelowProducerEpoch: adminTxn.producerEpoch, v3AndBelowTopics: [{ name: T, partitions: [0] }] });
  assert.deepEqual(apt.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((p) => ErrorCode[p.partitionErrorCode]), ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
  const verify = await alice.request(ApiKey.AddPartitionsToTxn, 4, { transactions: [{ transactionalId: X, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch, verifyOnly: true, topics: [{ name: T, partitions: [0] }] }] });
  assert.equal(verify.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'v4+ is for brokers: CLUSTER_ACTION');
  const aot = await alice.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: X, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch, groupId: G });
  assert.equal(aot.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const toc = await alice.request(ApiKey.TxnOffsetCommit, 3, { transactionalId: X, groupId: G, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] });
  assert.deepEqual(codes(toc.topics[0]!.partitions), ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
  const et = await alice.request(ApiKey.EndTxn, 3, { transactionalId: X, producerId: adminTxn.producerId, producerEpoch: adminTxn.producerEpoch, committed: false });
  assert.equal(et.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const lt = await alice.request(ApiKey.ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
  assert.deepEqual(lt.transactionStates, [], 'alice lists no transaction');
  const dt = await alice.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [X] });
  assert.deepEqual(codes(dt.transactionStates), ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
  assert.equal(dt.transactionStates[0]!.topics.length, 0);

  // bob: WRITE on the topic (earlier) is enough for an idempotent producer id (KIP-679).
  const bob = await as('bob');
  const bidem = await bob.request(ApiKey.InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(bidem.errorCode, ErrorCode.NONE);
  const BX = 'mx-txn-bob';
  await grant('bob', RT.TRANSACTIONAL_ID, BX, Op.WRITE);
  await grant('bob', RT.TRANSACTIONAL_ID, X, Op.DESCRIBE);
  assert.deepEqual(codes((await bob.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: [BX] })).coordinators), ['NONE']);
  const binit = await bob.request(ApiKey.InitProducerId, 5, { transactionalId: BX, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  assert.equal(binit.errorCode, ErrorCode.NONE);
  const pid = { producerId: Number(binit.producerId), producerEpoch: binit.producerEpoch };
  const bapt = await bob.request(ApiKey.AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: BX, v3AndBelowProducerId: pid.producerId, v3AndBelowProducerEpoch: pid.producerEpoch, v3AndBelowTopics: [{ name: T, partitions: [0] }, { name: SECRET, partitions: [0] }] });
  assert.deepEqual(bapt.resultsByTopicV3AndBelow.map((t) => [t.name, ErrorCode[t.resultsByPartition[0]!.partitionErrorCode]]), [[T, 'OPERATION_NOT_ATTEMPTED'], [SECRET, 'TOPIC_AUTHORIZATION_FAILED']]);
  const bapt2 = await bob.request(ApiKey.AddPartitionsToTxn, 3, { v3AndBelowTransactionalId: BX, v3AndBelowProducerId: pid.producerId, v3AndBelowProducerEpoch: pid.producerEpoch, v3AndBelowTopics: [{ name: T, partitions: [0] }] });
  assert.deepEqual(bapt2.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((p) => ErrorCode[p.partitionErrorCode]), ['NONE']);
  const bprod = await produceTo(bob, T, { transactionalId: BX, transactional: true, ...pid });
  assert.equal(bprod.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  assert.equal((await bob.request(ApiKey.AddOffsetsToTxn, 3, { transactionalId: BX, ...pid, groupId: G })).errorCode, ErrorCode.NONE);
  const btoc = await bob.request(ApiKey.TxnOffsetCommit, 3, { transactionalId: BX, groupId: G, ...pid, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }] });
  assert.deepEqual(codes(btoc.topics[0]!.partitions), ['NONE']);
  const blt = await bob.request(ApiKey.ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
  assert.deepEqual(blt.transactionStates.map((t) => t.transactionalId).sort(), [X, BX].sort(), 'WRITE implies DESCRIBE');
  const bdt = await bob.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [X] });
  assert.deepEqual(codes(bdt.transactionStates), ['NONE']);
  assert.deepEqual(bdt.transactionStates[0]!.topics.map((t) => t.topic), [T], 'partitions of topics bob may not describe are left out');
  assert.equal((await bob.request(ApiKey.EndTxn, 3, { transactionalId: BX, ...pid, committed: true })).errorCode, ErrorCode.NONE);
});

test('ACL and SCRAM administration: CLUSTER_AUTHORIZATION_FAILED without ALTER/DESCRIBE on the cluster', async () => {
  const alice = await as('alice');
  const filter = { resourceTypeFilter: RT.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: Perm.ANY };
  const da = await alice.request(ApiKey.DescribeAcls, 3, filter);
  assert.equal(da.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(da.resources.length, 0);
  const ca = await alice.request(ApiKey.CreateAcls, 3, { creations: [{ resourceType: RT.TOPIC, resourceName: '*', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.ALL, permissionType: Perm.ALLOW }] });
  assert.deepEqual(codes(ca.results), ['CLUSTER_AUTHORIZATION_FAILED']);
  const dl = await alice.request(ApiKey.DeleteAcls, 3, { filters: [filter] });
  assert.deepEqual(codes(dl.filterResults), ['CLUSTER_AUTHORIZATION_FAILED']);
  const ds = await alice.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
  assert.equal(ds.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
});

test('super.users bypass every ACL', async () => {
  const root = await as('root');
  assert.equal((await produceTo(root, SECRET)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  const md = await root.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.ok(md.topics.some((t) => t.name === SECRET) && md.topics.some((t) => t.name === T));
  const list = await root.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] });
  assert.ok(list.groups.some((g) => g.groupId === G));
  assert.equal((await root.request(ApiKey.DescribeLogDirs, 4, { topics: null })).errorCode, ErrorCode.NONE);
});

test('DENY wins over ALLOW; prefixed bindings apply to every name they start', async () => {
  const dave = await as('dave');
  await grant('dave', RT.TOPIC, 'mx-', Op.ALL, { pattern: PatternType.PREFIXED });
  await grant('dave', RT.TOPIC, SECRET, Op.READ, { deny: true });
  assert.equal((await produceTo(dave, SECRET)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE, 'ALL from the prefix');
  assert.equal((await dave.request(ApiKey.Fetch, 12, fetchBody(SECRET))).responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'the DENY wins');
  assert.equal((await dave.request(ApiKey.Fetch, 12, fetchBody(T))).responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE, 'the prefix grants READ elsewhere');
  // A DENY for everyone (User:*) applies to dave too.
  await grant('*', RT.TOPIC, T, Op.WRITE, { deny: true });
  assert.equal((await produceTo(dave, T)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const md = await dave.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.ok(md.topics.every((t) => t.name!.startsWith('mx-')), 'only topics under the prefix are listed');
});

test('allow.everyone.if.no.acl.found: resources without any ACL are open, others are not', async () => {
  const open = await startSecureBroker(properties({ 'allow.everyone.if.no.acl.found': 'true' }));
  const adm = await WireClient.connect('127.0.0.1', open.port('ADMIN'));
  const erin = await login(open, 'erin');
  try {
    await createTopic(adm, 'open-1');
    await createTopic(adm, 'guarded-1');
    await grant('bob', RT.TOPIC, 'guarded-1', Op.WRITE, { via: adm });
    assert.equal((await produceTo(erin, 'open-1')).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await produceTo(erin, 'guarded-1')).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const md = await erin.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
    assert.deepEqual(md.topics.map((t) => t.name).filter((n) => n === 'open-1' || n === 'guarded-1'), ['open-1']);
  } finally {
    erin.close();
    adm.close();
    await open.stop();
  }
});

test('audit: a denied Produce and an allowed CreateTopics are in confluent-audit-log-events with principal and resource', async () => {
  const alice = await as('alice');
  const bob = await as('bob');
  assert.equal((await produceTo(alice, SECRET)).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.deepEqual(codes((await bob.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'mx-created-audit', numPartitions: 1, replicationFactor: 1, configs: [] }], timeoutMs: 5000 })).topics), ['NONE']);

  type Event = { type: string; data: { methodName: string; authenticationInfo: { principal: string }; authorizationInfo: { granted: boolean; operation: string; resourceType: string; resourceName: string } } };
  const find = (events: Event[], principal: string, method: string, operation: string, resource: string, granted: boolean) => events.find((e) => e.type === 'io.confluent.kafka.server/authorization'
    && e.data.authenticationInfo.principal === principal && e.data.methodName === method && e.data.authorizationInfo.operation === operation
    && e.data.authorizationInfo.resourceType === 'Topic' && e.data.authorizationInfo.resourceName === resource && e.data.authorizationInfo.granted === granted);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events: Event[] = [];
    const f = await admin.request(ApiKey.Fetch, 12, fetchBody('confluent-audit-log-events'));
    const part = f.responses[0]?.partitions[0];
    if (part !== undefined && part.errorCode === ErrorCode.NONE) {
      for (const b of splitBatches(part.records as Buffer).batches) {
        for (const r of decodeRecords(b.bytes)) events.push(JSON.parse(r.value!.toString('utf8')) as Event);
      }
    }
    const denied = find(events, 'User:alice', 'kafka.Produce', 'Write', SECRET, false);
    const created = find(events, 'User:bob', 'kafka.CreateTopics', 'Create', 'mx-created-audit', true);
    if (denied !== undefined && created !== undefined) break;
    if (Date.now() > deadline) assert.fail(`audit events missing: denied produce ${denied !== undefined}, allowed create ${created !== undefined} (${events.length} events)`);
    await sleep(50);
  }
});
