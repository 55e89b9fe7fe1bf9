// The generated codec against the JSON specs: for every message and every
// valid version, bytes from an independent spec interpreter decode to the same
// values and re-encode to the same bytes (field order, versions, tags,
// compact/flexible encodings); truncated and garbage input gives a
// ProtocolDecodeError, never another exception, a hang or a huge allocation.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as generated from '../../src/protocol/generated/index.js';
import type { MessageDescriptor } from '../../src/protocol/message.js';
import { ProtocolDecodeError, Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { loadSpecs, matchesReference, randomMessage, referenceEncode, versionsOf, type RawSpec } from '../helpers/spec-reference-codec.js';
import { repoRoot } from '../helpers/repo-root.js';

const specDir = [join(repoRoot(), '../shared/kafka-protocol/messages'), join(repoRoot(), 'shared/kafka-protocol/messages')].find(existsSync);
assert.ok(specDir !== undefined, 'Kafka message specs not found beside the checkout');
const specs = loadSpecs(specDir);

function descriptorFor(spec: RawSpec): MessageDescriptor<any, any> {
  const d = (generated as unknown as Record<string, MessageDescriptor<any, any>>)[`${spec.name}Message`];
  assert.ok(d !== undefined, `no generated module for ${spec.name}`);
  return d;
}

function encodeGenerated(d: MessageDescriptor<any, any>, version: number, value: unknown): Buffer {
  const w = new Writer();
  d.encode(w, version, value);
  return w.toBuffer();
}

describe('generated codec matches the specs', () => {
  it('has a module for every spec, with the spec versions', () => {
    assert.equal(specs.length, 186);
    for (const spec of specs) {
      const d = descriptorFor(spec);
      const versions = versionsOf(spec);
      assert.equal(d.minVersion, versions[0], spec.name);
      assert.equal(d.maxVersion, versions[versions.length - 1], spec.name);
      assert.equal(d.apiKey, spec.apiKey ?? -1, spec.name);
    }
  });

  for (const spec of specs) {
    it(`${spec.name}: every version round-trips against the reference encoding`, () => {
      const d = descriptorFor(spec);
      for (const version of versionsOf(spec)) {
        for (let trial = 0; trial < 8; trial++) {
          const value = randomMessage(spec, version);
          const bytes = referenceEncode(spec, version, value);
          const r = new Reader(bytes);
          const decoded = d.decode(r, version) as Record<string, unknown>;
          assert.equal(r.pos, bytes.length, `${spec.name} v${version}: decoder left ${bytes.length - r.pos} bytes`);
          const mismatch = matchesReference(spec, version, value, decoded);
          assert.equal(mismatch, null, `${spec.name} v${version}: ${mismatch}`);
          const again = encodeGenerated(d, version, decoded);
          assert.ok(again.equals(bytes), `${spec.name} v${version}: re-encoding differs`);
          const direct = encodeGenerated(d, version, value);
          assert.ok(direct.equals(bytes), `${spec.name} v${version}: encoding differs from the reference`);
        }
      }
    });
  }
});

describe('hostile input', () => {
  it('every strict prefix of a valid message is a decode error', () => {
    for (const spec of specs) {
      const d = descriptorFor(spec);
      for (const version of versionsOf(spec)) {
        const bytes = referenceEncode(spec, version, randomMessage(spec, version));
        // Sample prefixes: all for short messages, a spread for long ones.
        const step = Math.max(1, Math.floor(bytes.length / 24));
        for (let n = 0; n < bytes.length; n += step) {
          assert.throws(() => d.decode(new Reader(bytes.subarray(0, n)), version), ProtocolDecodeError, `${spec.name} v${version} prefix ${n}/${bytes.length}`);
        }
      }
    }
  });

  it('random garbage decodes or fails with ProtocolDecodeError, quickly', () => {
    const started = Date.now();
    for (const spec of specs) {
      const d = descriptorFor(spec);
      for (const version of versionsOf(spec)) {
        for (let i = 0; i < 20; i++) {
          const garbage = randomBytes(Math.floor(Math.random() * 64));
          try {
            d.decode(new Reader(garbage), version);
          } catch (err) {
            assert.ok(err instanceof ProtocolDecodeError, `${spec.name} v${version}: ${String(err)}`);
          }
        }
      }
    }
    assert.ok(Date.now() - started < 20000);
  });

  it('lengths that claim more than the input are rejected before allocating', () => {
    // A Metadata v1 request claiming 2^31-1 topics in 8 bytes.
    const claim = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    assert.throws(() => generated.MetadataRequestMessage.decode(new Reader(claim), 1), /array length 2147483647 exceeds/);
    // A Produce v3 request whose transactional id claims 32767 bytes.
    const str = Buffer.from([0x7f, 0xff, 0x61]);
    assert.throws(() => generated.ProduceRequestMessage.decode(new Reader(str), 3), /string length 32767 exceeds/);
    // A compact bytes field in Fetch v12 claiming 2^28 bytes of records.
    const w = new Writer();
    w.uvarint(2 ** 28);
    assert.throws(() => new Reader(w.toBuffer()).compactNullableBytes(), /compact bytes length 268435455 exceeds/);
    // A varint that never ends.
    assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).uvarint(), ProtocolDecodeError);
  });

  it('tagged fields out of order or overrunning their size are rejected', () => {
    // ApiVersions v3 request: two compact strings, then tagged fields.
    const w = new Writer();
    w.compactNullableString('a');
    w.compactNullableString('b');
    w.uvarint(2);
    w.uvarint(5); w.uvarint(0);
    w.uvarint(3); w.uvarint(0);
    assert.throws(() => generated.ApiVersionsRequestMessage.decode(new Reader(w.toBuffer()), 3), /out of order/);
  });
});
