import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../src/storage/log-manager.js';
import { buildSimpleBatch } from '../helpers/record-batch.js';
import { logConfig, rmDir, tempDir } from './helpers.js';

const NOW = 1_700_000_000_000;

test('creates logs per partition, reopens them, and writes the clean-shutdown marker', async () => {
  const dir = tempDir();
  try {
    const m = await LogManager.open(dir, { now: () => NOW });
    assert.equal(m.cleanShutdown, false);
    for (let p = 0; p < 3; p++) {
      const l = await m.createLog({ topic: 'events', partition: p }, logConfig());
      for (let i = 0; i <= p; i++) l.append(buildSimpleBatch(2), { recordCount: 2 }, NOW);
    }
    assert.ok(fs.existsSync(path.join(dir, 'events-2', '00000000000000000000.log')));
    assert.equal(m.getLog({ topic: 'events', partition: 1 })?.logEndOffset, 4);
    assert.equal(m.getLog({ topic: 'nope', partition: 0 }), undefined);
    await m.flushAll();
    await m.close();
    assert.ok(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)));

    const m2 = await LogManager.open(dir, { now: () => NOW });
    assert.equal(m2.cleanShutdown, true);
    assert.equal(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)), false);
    const l2 = await m2.openLog({ topic: 'events', partition: 2 }, logConfig());
    assert.equal(l2.logEndOffset, 6);
    assert.equal(await m2.openLog({ topic: 'events', partition: 2 }, logConfig()), l2);
    await m2.close();
  } finally {
    rmDir(dir);
  }
});

test('deleteLogs renames directories away at once so the topic can be re-created', async () => {
  const dir = tempDir();
  try {
    const m = await LogManager.open(dir, { now: () => NOW });
    for (let p = 0; p < 2; p++) {
      const l = await m.createLog({ topic: 'gone', partition: p }, logConfig());
      l.append(buildSimpleBatch(3), { recordCount: 3 }, NOW);
    }
    const other = await m.createLog({ topic: 'gone-too', partition: 0 }, logConfig());
    other.append(buildSimpleBatch(1), { recordCount: 1 }, NOW);
    await m.deleteLogs('gone');
    assert.equal(m.getLog({ topic: 'gone', partition: 0 }), undefined);
    assert.equal(fs.existsSync(path.join(dir, 'gone-0')), false);
    assert.ok(fs.existsSync(path.join(dir, 'gone-too-0')));
    const fresh = await m.createLog({ topic: 'gone', partition: 0 }, logConfig());
    assert.equal(fresh.logEndOffset, 0);
    await m.awaitBackgroundDeletes();
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('-delete')), []);
    await m.close();
  } finally {
    rmDir(dir);
  }
});

test('the retention timer applies retention in the background', async () => {
  const dir = tempDir();
  try {
    const m = await LogManager.open(dir, { now: () => NOW, retentionCheckIntervalMs: 10 });
    const l = await m.createLog({ topic: 'r', partition: 0 }, logConfig({ segmentBytes: 1024, retentionBytes: 0 }));
    for (let i = 0; i < 20; i++) l.append(buildSimpleBatch(2, { valueSize: 100 }), { recordCount: 2 }, NOW);
    assert.ok(l.segmentCount > 3);
    const keepAlive = setTimeout(() => undefined, 1000);
    await new Promise((r) => setTimeout(r, 60));
    clearTimeout(keepAlive);
    assert.equal(l.segmentCount, 1);
    assert.equal(l.logStartOffset, l.segmentBaseOffsets()[0]);
    await m.close();
  } finally {
    rmDir(dir);
  }
});
