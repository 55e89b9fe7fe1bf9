import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetadataError, MetadataStore, randomUuid } from '../../src/storage/metadata-log.js';
import { rmDir, tempDir } from './helpers.js';

test('cluster id is generated once and kept', async () => {
  const dir = tempDir();
  try {
    const a = await MetadataStore.open(dir);
    assert.match(a.clusterId, /^[A-Za-z0-9_-]{22}$/);
    const id = a.clusterId;
    await a.close();
    const b = await MetadataStore.open(dir);
    assert.equal(b.clusterId, id);
    await b.close();
  } finally {
    rmDir(dir);
  }
});

test('random uuids are 22-char base64url of 16 bytes, never zero, never leading dash', () => {
  for (let i = 0; i < 2000; i++) {
    const id = randomUuid();
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    assert.equal(id.length, 22);
    assert.notEqual(id, 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.ok(!id.startsWith('-'));
  }
});

test('create, alter and delete topics; state survives reopen', async () => {
  const dir = tempDir();
  try {
    const s = await MetadataStore.open(dir);
    const t = s.createTopic('orders', 3, { 'retention.ms': '1000' });
    assert.equal(t.partitionCount, 3);
    assert.equal(Buffer.from(t.topicId, 'base64url').length, 16);
    s.createTopic('payments', 1, {});
    assert.throws(() => s.createTopic('orders', 1, {}), (e: unknown) => e instanceof MetadataError && e.errorCode === 36);
    assert.throws(() => s.createTopic('bad', 0, {}), (e: unknown) => e instanceof MetadataError && e.errorCode === 37);
    s.setTopicConfigs('orders', { 'cleanup.policy': 'compact' });
    s.setPartitionCount('orders', 5);
    assert.throws(() => s.setPartitionCount('orders', 2), MetadataError);
    s.deleteTopic('payments');
    assert.throws(() => s.deleteTopic('payments'), (e: unknown) => e instanceof MetadataError && e.errorCode === 3);
    s.setBrokerConfigs({ 'log.retention.ms': '5000' });
    // Returned objects are copies.
    const got = s.getTopic('orders');
    if (got !== undefined) got.configs.x = 'y';
    assert.deepEqual(s.getTopic('orders')?.configs, { 'cleanup.policy': 'compact' });
    await s.close();

    const r = await MetadataStore.open(dir);
    assert.deepEqual(r.listTopics().map((x) => x.name), ['orders']);
    const orders = r.getTopic('orders');
    assert.equal(orders?.partitionCount, 5);
    assert.equal(orders?.topicId, t.topicId);
    assert.deepEqual(orders?.configs, { 'cleanup.policy': 'compact' });
    assert.equal(r.getTopicById(t.topicId)?.name, 'orders');
    assert.equal(r.getTopic('payments'), undefined);
    assert.deepEqual(r.brokerConfigs(), { 'log.retention.ms': '5000' });
    // Re-creating a deleted topic gives a new id.
    const again = r.createTopic('payments', 2, {});
    assert.equal(again.partitionCount, 2);
    await r.close();
  } finally {
    rmDir(dir);
  }
});

test('a torn tail is truncated on open and earlier records survive', async () => {
  const dir = tempDir();
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('a', 1, {});
    s.createTopic('b', 2, {});
    await s.close();
    const file = path.join(dir, 'metadata.log');
    const full = fs.readFileSync(file);
    // Cut the last record in half.
    fs.truncateSync(file, full.length - 10);
    const r = await MetadataStore.open(dir);
    assert.deepEqual(r.listTopics().map((x) => x.name), ['a']);
    r.createTopic('c', 1, {});
    await r.close();
    // Garbage after valid records, including a huge claimed length.
    const junk = Buffer.alloc(12);
    junk.writeUInt32BE(0xfffffff0, 0);
    fs.appendFileSync(file, junk);
    const r2 = await MetadataStore.open(dir);
    assert.deepEqual(r2.listTopics().map((x) => x.name).sort(), ['a', 'c']);
    await r2.close();
  } finally {
    rmDir(dir);
  }
});

test('compaction keeps the state and shrinks the file', async () => {
  const dir = tempDir();
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('keep', 4, { 'retention.ms': '1' });
    for (let i = 0; i < 300; i++) s.setTopicConfigs('keep', { 'retention.ms': String(i) });
    s.setBrokerConfigs({ a: 'b' });
    const before = s.sizeInBytes;
    const clusterId = s.clusterId;
    s.compact();
    assert.ok(s.sizeInBytes < before / 10, `${s.sizeInBytes} vs ${before}`);
    s.createTopic('after', 1, {});
    await s.close();
    const r = await MetadataStore.open(dir);
    assert.equal(r.clusterId, clusterId);
    assert.deepEqual(r.getTopic('keep')?.configs, { 'retention.ms': '299' });
    assert.equal(r.getTopic('keep')?.partitionCount, 4);
    assert.equal(r.getTopic('after')?.partitionCount, 1);
    assert.deepEqual(r.brokerConfigs(), { a: 'b' });
    await r.close();
  } finally {
    rmDir(dir);
  }
});

test('open compacts a log that is mostly dead records; unknown record types survive compaction', async () => {
  const dir = tempDir();
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('t', 1, {});
    for (let i = 0; i < 200; i++) s.setBrokerConfigs({ n: String(i) });
    await s.close();
    // A record of a type this version does not know (written by a newer one).
    const { crc32c } = await import('../../src/protocol/records/crc32c.js');
    const payload = Buffer.from(JSON.stringify({ type: 'acl', principal: 'User:alice' }));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(payload.length, 0);
    head.writeUInt32BE(crc32c(payload), 4);
    fs.appendFileSync(path.join(dir, 'metadata.log'), Buffer.concat([head, payload]));
    const sizeBefore = fs.statSync(path.join(dir, 'metadata.log')).size;
    const r = await MetadataStore.open(dir);
    assert.ok(r.sizeInBytes < sizeBefore / 5);
    assert.deepEqual(r.brokerConfigs(), { n: '199' });
    await r.close();
    const text = fs.readFileSync(path.join(dir, 'metadata.log'), 'latin1');
    assert.ok(text.includes('User:alice'));
  } finally {
    rmDir(dir);
  }
});
