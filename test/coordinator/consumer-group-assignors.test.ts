// The server-side assignors: balance, stickiness and range layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RangeAssignor } from '../../src/coordinator/assignors/range.js';
import { UniformAssignor } from '../../src/coordinator/assignors/uniform.js';
import type { Assignment, AssignorMember, AssignorTopic } from '../../src/coordinator/assignors/assignor.js';

const topics = (spec: Record<string, number>) => new Map<string, AssignorTopic>(Object.entries(spec).map(([topicId, partitionCount]) => [topicId, { topicId, partitionCount }]));
const member = (memberId: string, subs: string[], previous: Assignment = new Map()): AssignorMember => ({ memberId, subscribedTopicIds: new Set(subs), previous });
const show = (out: Map<string, Assignment>) => Object.fromEntries([...out].map(([m, a]) => [m, [...a].flatMap(([t, s]) => [...s].sort((x, y) => x - y).map((p) => `${t}${p}`))]));

test('uniform: six partitions over three members, two each, every partition once', () => {
  const out = new UniformAssignor().assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], topics({ t: 6 }));
  const s = show(out);
  assert.deepEqual(Object.values(s).map((l) => l.length), [2, 2, 2]);
  assert.equal(new Set(Object.values(s).flat()).size, 6);
});

test('uniform: sticky when a member joins (the old members keep what they can)', () => {
  const prevA: Assignment = new Map([['t', new Set([0, 1, 2])]]);
  const prevB: Assignment = new Map([['t', new Set([3, 4, 5])]]);
  const s = show(new UniformAssignor().assign([member('a', ['t'], prevA), member('b', ['t'], prevB), member('c', ['t'])], topics({ t: 6 })));
  assert.deepEqual(s['a'], ['t0', 't1']);
  assert.deepEqual(s['b'], ['t3', 't4']);
  assert.deepEqual(s['c'], ['t2', 't5']);
});

test('uniform: heterogeneous subscriptions give topics only to their subscribers', () => {
  const s = show(new UniformAssignor().assign([member('a', ['t']), member('b', ['t', 'u'])], topics({ t: 2, u: 2 })));
  assert.deepEqual(s['b']!.filter((x) => x.startsWith('u')), ['u0', 'u1']);
  assert.equal(s['a']!.length + s['b']!.filter((x) => x.startsWith('t')).length, 2);
});

test('range: contiguous ranges per topic, the first members one more', () => {
  const s = show(new RangeAssignor().assign([member('b', ['t', 'u']), member('a', ['t', 'u'])], topics({ t: 3, u: 2 })));
  assert.deepEqual(s, { b: ['t2', 'u1'], a: ['t0', 't1', 'u0'] });
});
