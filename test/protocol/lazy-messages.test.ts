// The generated index loads a message module on its descriptor's first decode
// or encode: a broker that has started and answered ApiVersions and Metadata
// has loaded those messages and the headers, nothing else; every lazy
// descriptor describes its message exactly as the module does, and after the
// first use calls the module's own codec (the same module instance an import
// gets). This file runs in its own process (node --test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as generated from '../../src/protocol/generated/index.js';
import { ApiKey, loadedMessageModules } from '../../src/protocol/generated/index.js';
import type { MessageDescriptor } from '../../src/protocol/message.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { startEmbeddedBroker } from '../helpers/embedded-broker.js';
import { WireClient } from '../helpers/wire-client.js';

type Descriptor = MessageDescriptor<unknown, unknown>;

function descriptors(): [string, Descriptor][] {
  return Object.entries(generated)
    .filter(([k, v]) => k.endsWith('Message') && typeof v === 'object' && v !== null && 'encode' in v)
    .map(([k, v]) => [k, v as Descriptor]);
}

test('a broker that answered ApiVersions and Metadata has loaded only those messages and the headers', async () => {
  assert.deepEqual(loadedMessageModules(), [], 'importing the index loads no message module');
  // Without the Schema Registry, whose own client would talk to the broker at start.
  const broker = await startEmbeddedBroker({ overrides: ['schema.registry.enable=false'] });
  try {
    assert.deepEqual(loadedMessageModules(), [], 'starting the broker loads none either');
    const c = await WireClient.connect(broker.host, broker.port);
    try {
      await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'lazy', clientSoftwareVersion: '1' });
      await c.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    } finally {
      c.close();
    }
    assert.deepEqual(loadedMessageModules(), [
      'ApiVersionsRequest', 'ApiVersionsResponse', 'MetadataRequest', 'MetadataResponse', 'RequestHeader', 'ResponseHeader',
    ]);
  } finally {
    await broker.stop();
  }
});

test('every lazy descriptor says what its module says, and after its first use calls the module codec', async () => {
  const all = descriptors();
  assert.equal(all.length, 186);
  for (const [exportName, lazy] of all) {
    const mod = (await import(`../../src/protocol/generated/${lazy.name}.js`)) as Record<string, Descriptor>;
    const real = mod[exportName]!;
    const { decode: _d, encode: _e, ...info } = real;
    const { decode: _ld, encode: _le, ...lazyInfo } = lazy;
    assert.deepEqual(lazyInfo, info, exportName);

    // Encode the version's defaults through the lazy descriptor, decode them back.
    const version = lazy.maxVersion;
    const w = new Writer(64);
    lazy.encode(w, version, {});
    const bytes = w.toBuffer();
    const back = lazy.decode(new Reader(bytes), version);
    const again = new Writer(64);
    real.encode(again, version, back);
    assert.ok(again.toBuffer().equals(bytes), `${exportName} round trip`);
    assert.equal(lazy.encode, real.encode, `${exportName}: the module's own encode once loaded`);
    assert.equal(lazy.decode, real.decode, `${exportName}: the module's own decode once loaded`);
  }
});
