// Service accounts and API keys in the metadata log: a key authenticates as
// its owner with its secret only, the secret is never stored, deletion (of the
// key or its owner) ends it, and everything survives a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKeyStore, IamError } from '../../src/security/api-keys.js';
import { MetadataStore, METADATA_LOG_FILE } from '../../src/storage/metadata-log.js';

test('an API key authenticates as its service account; wrong or deleted keys do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-apikeys-'));
  try {
    let metadata = await MetadataStore.open(dir);
    let store = new ApiKeyStore(metadata);
    const sa = store.createServiceAccount('orders-service', 'writes orders');
    assert.match(sa.id, /^sa-[a-z0-9]{6}$/);
    const k1 = store.createApiKey(sa.id, 'k1', 'first');
    const k2 = store.createApiKey(sa.id, 'k2', 'second');
    assert.match(k1.key, /^[A-Z0-9]{16}$/);
    assert.equal(k1.secret.length, 64);
    assert.deepEqual(store.authenticate(k1.key, k1.secret), { principalType: 'User', name: sa.id });
    assert.equal(store.authenticate(k1.key, k2.secret), null, "another key's secret");
    assert.equal(store.authenticate('NOSUCHKEY0000000', k1.secret), null);
    assert.equal(store.authenticate(k1.key, ''), null);
    assert.ok(!readFileSync(join(dir, METADATA_LOG_FILE), 'utf8').includes(k1.secret), 'the secret is not stored');

    store.deleteApiKey(k1.key);
    assert.equal(store.authenticate(k1.key, k1.secret), null, 'a deleted key stops working');
    await metadata.close();

    metadata = await MetadataStore.open(dir);
    store = new ApiKeyStore(metadata);
    assert.deepEqual(store.listServiceAccounts().map((a) => a.displayName), ['orders-service']);
    assert.deepEqual(store.listApiKeys().map((k) => k.key), [k2.key], 'survives a reopen');
    assert.ok(store.authenticate(k2.key, k2.secret) !== null);
    store.deleteServiceAccount(sa.id);
    assert.equal(store.authenticate(k2.key, k2.secret), null, "deleting the owner deletes its keys");
    assert.deepEqual(store.listApiKeys(), []);
    await metadata.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: empty or duplicate names, unknown owners and ids, non-string fields', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-apikeys-'));
  try {
    const metadata = await MetadataStore.open(dir);
    const store = new ApiKeyStore(metadata);
    const status = (f: () => unknown): number => {
      try {
        f();
      } catch (e) {
        if (e instanceof IamError) return e.status;
        throw e;
      }
      return 200;
    };
    assert.equal(status(() => store.createServiceAccount('', '')), 400);
    assert.equal(status(() => store.createServiceAccount(42, '')), 400);
    assert.equal(status(() => store.createServiceAccount('x'.repeat(300), '')), 400);
    store.createServiceAccount('dup', '');
    assert.equal(status(() => store.createServiceAccount('dup', '')), 409);
    assert.equal(status(() => store.createApiKey('sa-nope00', '', '')), 404);
    assert.equal(status(() => store.createApiKey(undefined, '', '')), 400);
    assert.equal(status(() => store.deleteApiKey('NOPE')), 404);
    assert.equal(status(() => store.getServiceAccount('sa-nope00')), 404);
    await metadata.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
