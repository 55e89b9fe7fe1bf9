// The read-buffer pool: exact lengths, reuse by size class once handed back,
// nothing pooled that is too small or too large, a buffer handed back twice
// taken once, foreign buffers ignored, and the idle cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_IDLE_BYTES, MAX_POOLED_BYTES, MIN_POOLED_BYTES, acquireReadBuffer, idleReadBufferBytes, recycleResponseChunks,
} from '../../src/protocol/read-buffers.js';

/** Takes every idle buffer of len's size class out of the pool (until an acquire has to allocate). */
function drain(len: number): void {
  for (;;) {
    const before = idleReadBufferBytes();
    acquireReadBuffer(len);
    if (idleReadBufferBytes() === before) return;
  }
}

test('a pooled buffer has exactly the length asked for, and is reused once handed back', () => {
  drain(100_000);
  const idle0 = idleReadBufferBytes();
  const a = acquireReadBuffer(100_000);
  assert.equal(a.length, 100_000);
  assert.equal(a.buffer.byteLength, 131_072, 'size class is the next power of two');
  a.fill(0xab);
  recycleResponseChunks([Buffer.alloc(10), a.subarray(10, 5000)]);
  assert.equal(idleReadBufferBytes(), idle0 + 131_072);
  const b = acquireReadBuffer(70_000);
  assert.equal(b.length, 70_000);
  assert.equal(b.buffer, a.buffer, 'the same memory comes back for the same size class');
  assert.equal(idleReadBufferBytes(), idle0);
  const c = acquireReadBuffer(70_000);
  assert.notEqual(c.buffer, b.buffer, 'a lent buffer is never lent twice');
});

test('a buffer handed back twice (or by two views) is taken once', () => {
  drain(200_000);
  const idle0 = idleReadBufferBytes();
  const a = acquireReadBuffer(200_000);
  recycleResponseChunks([a.subarray(0, 100), a.subarray(100), a]);
  recycleResponseChunks([a]);
  assert.equal(idleReadBufferBytes(), idle0 + 262_144);
  const x = acquireReadBuffer(200_000);
  const y = acquireReadBuffer(200_000);
  assert.equal(x.buffer, a.buffer);
  assert.notEqual(y.buffer, a.buffer);
});

test('small and very large reads are not pooled; foreign buffers are ignored', () => {
  const idle0 = idleReadBufferBytes();
  const small = acquireReadBuffer(MIN_POOLED_BYTES - 1);
  assert.equal(small.length, MIN_POOLED_BYTES - 1);
  const huge = acquireReadBuffer(MAX_POOLED_BYTES + 1);
  assert.equal(huge.length, MAX_POOLED_BYTES + 1);
  recycleResponseChunks([small, huge, Buffer.allocUnsafeSlow(300_000), Buffer.alloc(0)]);
  assert.equal(idleReadBufferBytes(), idle0);
});

test('no more than MAX_IDLE_BYTES are kept idle', () => {
  const n = MAX_IDLE_BYTES / MAX_POOLED_BYTES + 2;
  const lent = Array.from({ length: n }, () => acquireReadBuffer(MAX_POOLED_BYTES));
  recycleResponseChunks(lent);
  assert.ok(idleReadBufferBytes() <= MAX_IDLE_BYTES, `${idleReadBufferBytes()} idle bytes`);
  assert.ok(idleReadBufferBytes() >= MAX_IDLE_BYTES - MAX_POOLED_BYTES, 'the pool keeps what fits');
});
