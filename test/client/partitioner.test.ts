// murmur2 as Java's Utils.murmur2 computes it (the vectors of Kafka's
// UtilsTest), and the default partitioner's choice for keyed and keyless records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioner, murmur2, partitionForKey } from '../../src/client/partitioner.js';

test('murmur2 matches Java on its reference vectors', () => {
  const cases: [Buffer, number][] = [
    [Buffer.from('21'), -973932308],
    [Buffer.from('foobar'), -790332482],
    [Buffer.from('a-little-bit-long-string'), -985981536],
    [Buffer.from('a-little-bit-longer-string'), -1486304829],
    [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [Buffer.from([0x61, 0x62, 0x63]), 479470107],
  ];
  for (const [data, expected] of cases) assert.equal(murmur2(data), expected, data.toString());
});

test('keyed records: positive murmur2 modulo the partition count', () => {
  // -973932308 & 0x7fffffff = 1173551340
  assert.equal(partitionForKey(Buffer.from('21'), 7), 1173551340 % 7);
  assert.equal(partitionForKey(Buffer.alloc(0), 5), (murmur2(Buffer.alloc(0)) & 0x7fffffff) % 5);
});

test('keyless records move round-robin from call to call', () => {
  const p = new Partitioner();
  const first = p.stickyPartition('t', 4);
  const seq = [first, p.stickyPartition('t', 4), p.stickyPartition('t', 4), p.stickyPartition('t', 4), p.stickyPartition('t', 4)];
  assert.deepEqual(seq, [0, 1, 2, 3, 4].map((i) => (first + i) % 4));
  // A topic that grew: the next partition is still in range.
  assert.ok(p.stickyPartition('t', 2) < 2);
});
