// Java behaviours the coordinator reproduces. Expected values were printed by
// a JVM (String#hashCode, HashMap#keySet order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupPartition, javaHashMapOrder, javaStringHashCode } from '../../src/coordinator/java-compat.js';
import { hasOversizedString, kafkaClientHost } from '../../src/coordinator/request-info.js';

test('String#hashCode and the __consumer_offsets partition of a group (50 partitions)', () => {
  const cases: [string, number, number][] = [
    ['hello', 99162322, 22],
    ['', 0, 0],
    // Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
    ['polygenelubricants', -2147483648, 0],
    ['my-group', -1906497762, 12],
    ['console-consumer-70812', 163941759, 9],
    ['groupé', -1237460406, 6],
    ['\u{1F600}grp', 1276929186, 36],
  ];
  for (const [s, hash, partition] of cases) {
    assert.equal(javaStringHashCode(s), hash, s);
    assert.equal(groupPartition(s, 50), partition, s);
  }
});

test('HashMap iteration order decides tied protocol votes', () => {
  assert.deepEqual(javaHashMapOrder(['roundrobin', 'range', 'cooperative-sticky', 'sticky']), ['sticky', 'range', 'roundrobin', 'cooperative-sticky']);
  assert.deepEqual(javaHashMapOrder(['b', 'a', 'zz', 'protoX', 'protoY']), ['zz', 'a', 'b', 'protoY', 'protoX']);
});

test('client hosts print as Java prints an unresolved InetAddress', () => {
  assert.equal(kafkaClientHost('127.0.0.1'), '/127.0.0.1');
  assert.equal(kafkaClientHost('::ffff:10.0.0.5'), '/10.0.0.5');
  assert.equal(kafkaClientHost('::1'), '/0:0:0:0:0:0:0:1');
  assert.equal(kafkaClientHost('fe80::1:20'), '/fe80:0:0:0:0:0:1:20');
});

test('strings longer than Kafka\'s 32767-byte limit are found anywhere in a request', () => {
  assert.equal(hasOversizedString({ groupId: 'g'.repeat(32767), topics: [{ name: 't' }] }), false);
  assert.equal(hasOversizedString({ groupId: 'g', topics: [{ name: 't'.repeat(32768) }] }), true);
  // 11000 characters of 3 bytes each: short in UTF-16, too long in UTF-8.
  assert.equal(hasOversizedString({ metadata: '€'.repeat(11000) }), true);
  assert.equal(hasOversizedString({ bytes: Buffer.alloc(40000) }), false);
});
