// The audit logger: Confluent's CloudEvents shape, the configured kinds of
// event only, and no event lost under load or when a write fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { decodeRecords, readBatchHeader } from '../../src/protocol/records/batch.js';
import { AuditLogger, DEFAULT_AUDIT_EVENTS } from '../../src/security/audit-log.js';
import { FakeStore } from '../coordinator/fake-store.js';

function readEvents(store: FakeStore, topic: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const info = store.getTopic(topic);
  assert.ok(info !== undefined, 'the audit topic exists');
  for (let p = 0; p < info.partitionCount; p++) {
    const r = store.read({ topic, partition: p }, 0, 1 << 30, true);
    assert.equal(r.errorCode, ErrorCode.NONE);
    if (r.errorCode !== ErrorCode.NONE) continue;
    for (let pos = 0; pos < r.records.length; ) {
      const size = readBatchHeader(r.records, pos).batchLength + 12;
      for (const rec of decodeRecords(r.records.subarray(pos, pos + size))) out.push(JSON.parse(rec.value!.toString('utf8')));
      pos += size;
    }
  }
  return out;
}

const config = { topic: 'confluent-audit-log-events', events: DEFAULT_AUDIT_EVENTS, flushIntervalMs: 5, partitions: 3 };

test('events are CloudEvents in Confluent\'s audit-log shape; only the configured kinds are logged', async () => {
  const store = new FakeStore();
  const audit = new AuditLogger(store, 'cluster-1', config, () => 1_700_000_000_000);
  audit.authentication({ principal: 'User:alice', mechanism: 'PLAIN', success: false, message: 'Authentication failed', clientAddress: '/10.0.0.1' });
  audit.authentication({ principal: 'User:bob', mechanism: 'PLAIN', success: true, clientAddress: '/10.0.0.2' }); // not logged by default
  audit.authorization({ principal: 'User:alice', api: 'Produce', operation: 'Write', resourceType: 'Topic', resourceName: 'orders', granted: false, clientAddress: '/10.0.0.1', clientId: 'p1', correlationId: 7 });
  audit.authorization({ principal: 'User:bob', api: 'CreateTopics', operation: 'Create', resourceType: 'Topic', resourceName: 'new-topic', granted: true, clientAddress: '/10.0.0.2' });
  audit.authorization({ principal: 'User:bob', api: 'Fetch', operation: 'Read', resourceType: 'Topic', resourceName: 'orders', granted: true, clientAddress: '/10.0.0.2' }); // not logged by default
  await audit.stop();
  const events = readEvents(store, config.topic);
  assert.equal(events.length, 3);
  const byType = (t: string) => events.filter((e) => e.type === `io.confluent.kafka.server/${t}`);
  const [authn] = byType('authentication');
  assert.equal(authn.specversion, '1.0');
  assert.equal(authn.source, 'crn:///kafka=cluster-1');
  assert.equal(authn.time, '2023-11-14T22:13:20.000Z');
  assert.deepEqual(authn.data.result, { status: 'UNAUTHENTICATED', message: 'Authentication failed' });
  assert.equal(authn.data.authenticationInfo.principal, 'User:alice');
  const [denied, created] = byType('authorization');
  assert.equal(denied.subject, 'crn:///kafka=cluster-1/topic=orders');
  assert.equal(denied.data.methodName, 'kafka.Produce');
  assert.deepEqual(denied.data.authorizationInfo, {
    granted: false, operation: 'Write', resourceType: 'Topic', resourceName: 'orders', patternType: 'LITERAL', aclAuthorization: { permissionType: 'DENY', host: '*' },
  });
  assert.deepEqual(denied.data.request, { correlation_id: '7', client_id: 'p1' });
  assert.equal(denied.data.requestMetadata.client_address, '/10.0.0.1');
  assert.equal(created.data.authenticationInfo.principal, 'User:bob');
  assert.equal(created.data.authorizationInfo.granted, true);
});

test('under load and across failed writes no event is lost', async () => {
  const store = new FakeStore();
  const audit = new AuditLogger(store, 'c', { ...config, events: ['authorization-allowed', 'authorization-denied'] });
  const N = 20_000;
  for (let i = 0; i < N; i++) {
    if (i === 5000) store.failNextAppend = ErrorCode.KAFKA_STORAGE_ERROR;
    audit.authorization({ principal: `User:u${i % 7}`, api: 'Fetch', operation: 'Read', resourceType: 'Topic', resourceName: `t${i}`, granted: i % 3 !== 0, clientAddress: '/127.0.0.1' });
    if (i % 4000 === 0) await audit.flush();
  }
  await audit.stop();
  const events = readEvents(store, config.topic);
  assert.equal(events.length, N);
  assert.equal(audit.written, N);
  assert.equal(new Set(events.map((e) => e.data.authorizationInfo.resourceName)).size, N, 'each event once');
});
