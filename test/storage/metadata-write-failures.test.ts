// The metadata log on a full disk or a failing device: a change whose record
// cannot be written or synced throws MetadataWriteError, leaves the file as it
// was (nothing for a restart to replay) and the state untouched; the same
// change succeeds once writes work again. The failures are injected into
// node:fs (the module the metadata log writes through) for the test's duration.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { MetadataStore } from '../../src/storage/metadata-log.js';
import { MetadataWriteError, metadataWriteFailure } from '../../src/storage/metadata-write-error.js';
import { ErrorCode } from '../../src/protocol/generated/index.js';
import { rmDir, tempDir } from './helpers.js';

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: injected, ${syscall}`);
  err.code = code;
  err.syscall = syscall;
  return err;
}

/** Replaces fs functions until the returned function is called. */
function breakFs(replacements: { writeSync?: typeof fs.writeSync; fdatasyncSync?: typeof fs.fdatasyncSync }): () => void {
  if (replacements.writeSync !== undefined) mock.method(fs, 'writeSync', replacements.writeSync);
  if (replacements.fdatasyncSync !== undefined) mock.method(fs, 'fdatasyncSync', replacements.fdatasyncSync);
  syncBuiltinESMExports();
  return () => {
    mock.restoreAll();
    syncBuiltinESMExports();
  };
}

/** A full disk: the first write of a record gets 5 bytes through, every later one fails with ENOSPC. */
function fullDisk(): () => void {
  const original = fs.writeSync;
  let calls = 0;
  return breakFs({
    writeSync: ((fd: number, buffer: Buffer, offset: number, _length: number, position: number) => {
      if (calls++ === 0) return original(fd, buffer, offset, 5, position);
      throw errno('ENOSPC', 'write');
    }) as typeof fs.writeSync,
  });
}

function stateOf(s: MetadataStore): unknown {
  return {
    topics: s.listTopics(), brokerConfigs: s.brokerConfigs(), producerIdBlockEnd: s.producerIdBlockEnd,
    scram: s.scramCredentials(), accounts: s.listServiceAccounts(), apiKeys: s.listApiKeys(), acls: s.acls(),
  };
}

const ACL = { id: 'acl-1', resourceType: 2, resourceName: 'orders', patternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };

test('a record cut short by a full disk: MetadataWriteError, the file and state unchanged, the same change works once there is room', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'metadata.log');
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('orders', 2, {});
    const bytes = fs.readFileSync(file);
    const restore = fullDisk();
    let thrown: unknown;
    try {
      s.deleteTopic('orders');
    } catch (err) {
      thrown = err;
    } finally {
      restore();
    }
    assert.ok(thrown instanceof MetadataWriteError, `threw ${String(thrown)}`);
    assert.match(thrown.message, /^Could not write the metadata log: ENOSPC/);
    assert.equal((thrown.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.deepEqual(metadataWriteFailure(thrown), { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: thrown.message });
    assert.equal(s.getTopic('orders')?.partitionCount, 2, 'the topic is still there');
    assert.ok(fs.readFileSync(file).equals(bytes), 'the 5 bytes that reached the file were cut off again');

    s.deleteTopic('orders');
    s.createTopic('after', 1, {});
    await s.close();
    const r = await MetadataStore.open(dir);
    assert.deepEqual(r.listTopics().map((t) => t.name), ['after']);
    await r.close();
  } finally {
    rmDir(dir);
  }
});

test('a record written whole but not synced (EIO from fdatasync) is not applied and not replayed after a restart', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'metadata.log');
  try {
    const s = await MetadataStore.open(dir);
    const size = fs.statSync(file).size;
    const restore = breakFs({ fdatasyncSync: () => { throw errno('EIO', 'fdatasync'); } });
    try {
      assert.throws(() => s.alterAcls([ACL], []), (e: unknown) => e instanceof MetadataWriteError && /EIO/.test(e.message));
    } finally {
      restore();
    }
    assert.deepEqual(s.acls(), []);
    assert.equal(fs.statSync(file).size, size);
    await s.close();
    const r = await MetadataStore.open(dir);
    assert.deepEqual(r.acls(), [], 'the unsynced record is gone');
    r.alterAcls([ACL], []);
    await r.close();
    const again = await MetadataStore.open(dir);
    assert.deepEqual(again.acls().map((a) => a.id), ['acl-1']);
    await again.close();
  } finally {
    rmDir(dir);
  }
});

test('every kind of metadata change fails the same way and changes nothing', async () => {
  const dir = tempDir();
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('t', 1, { 'retention.ms': '1000' });
    s.putServiceAccount({ id: 'sa-1', displayName: 'one', description: '', createdAt: 1 });
    s.putApiKey({ key: 'KEY1', owner: 'sa-1', displayName: '', description: '', salt: 'c2FsdA==', secretHash: 'aGFzaA==', createdAt: 1 });
    s.alterAcls([ACL], []);
    const credential = { user: 'alice', mechanism: 'SCRAM-SHA-256', salt: 'c2FsdA==', storedKey: 'a2V5', serverKey: 'a2V5', iterations: 4096 };
    s.alterScramCredentials([credential], []);
    const before = stateOf(s);
    const changes: [string, () => void][] = [
      ['createTopic', () => s.createTopic('new', 1, {})],
      ['setTopicConfigs', () => s.setTopicConfigs('t', { 'retention.ms': '5' })],
      ['setPartitionCount', () => s.setPartitionCount('t', 3)],
      ['reserveProducerIds', () => s.reserveProducerIds(5000)],
      ['setBrokerConfigs', () => s.setBrokerConfigs({ 'log.retention.ms': '5' })],
      ['alterScramCredentials', () => s.alterScramCredentials([], [{ user: 'alice', mechanism: 'SCRAM-SHA-256' }])],
      ['putServiceAccount', () => s.putServiceAccount({ id: 'sa-2', displayName: 'two', description: '', createdAt: 2 })],
      ['deleteServiceAccount', () => s.deleteServiceAccount('sa-1')],
      ['putApiKey', () => s.putApiKey({ key: 'KEY2', owner: 'sa-1', displayName: '', description: '', salt: '', secretHash: '', createdAt: 2 })],
      ['deleteApiKey', () => s.deleteApiKey('KEY1')],
      ['alterAcls', () => s.alterAcls([], ['acl-1'])],
      ['deleteTopic', () => s.deleteTopic('t')],
    ];
    const restore = breakFs({ writeSync: (() => { throw errno('ENOSPC', 'write'); }) as typeof fs.writeSync });
    try {
      for (const [name, change] of changes) {
        assert.throws(change, MetadataWriteError, name);
        assert.deepEqual(stateOf(s), before, `${name} changed the state`);
      }
    } finally {
      restore();
    }
    // With room again, each of them goes through.
    for (const [, change] of changes) change();
    assert.equal(s.getTopic('t'), undefined);
    assert.equal(s.producerIdBlockEnd, 5000);
    assert.deepEqual(s.acls(), []);
    await s.close();
  } finally {
    rmDir(dir);
  }
});

test('the metadata log opens on a full disk even when it would compact (compaction is skipped, no temp file left)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'metadata.log');
  try {
    const s = await MetadataStore.open(dir);
    s.createTopic('t', 1, {});
    for (let i = 0; i < 200; i++) s.setBrokerConfigs({ n: String(i) });
    await s.close();
    const bytes = fs.readFileSync(file);
    const restore = breakFs({ writeSync: (() => { throw errno('ENOSPC', 'write'); }) as typeof fs.writeSync });
    let r: MetadataStore;
    try {
      r = await MetadataStore.open(dir);
    } finally {
      restore();
    }
    assert.deepEqual(r.brokerConfigs(), { n: '199' });
    assert.equal(r.getTopic('t')?.partitionCount, 1);
    assert.ok(fs.readFileSync(file).equals(bytes), 'the log is as it was');
    assert.equal(fs.existsSync(`${file}.tmp`), false);
    // Once there is room, it compacts as usual.
    r.compact();
    assert.ok(r.sizeInBytes < bytes.length / 5);
    await r.close();
  } finally {
    rmDir(dir);
  }
});
