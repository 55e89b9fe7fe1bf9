// The "uniform" server-side assignor (Kafka's default): spreads partitions as
// evenly as possible over the members subscribed to them, and is sticky:
// a member keeps the partitions of its previous target assignment up to its
// fair share, so a rebalance moves as few partitions as it can.

import { addPartition, type Assignment, type AssignorMember, type AssignorTopic, type PartitionAssignor } from './assignor.js';

export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Map<string, Assignment> {
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const out = new Map<string, Assignment>(sorted.map((m) => [m.memberId, new Map()]));
    const counts = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
    const sortedTopics = [...topics.values()].sort((a, b) => (a.topicId < b.topicId ? -1 : a.topicId > b.topicId ? 1 : 0));

    // Fair share: total partitions a member can take over the subscribers of its topics, counted per topic.
    const quota = new Map<string, number>();
    for (const m of sorted) {
      let q = 0;
      for (const t of sortedTopics) {
        if (!m.subscribedTopicIds.has(t.topicId)) continue;
        const n = sorted.filter((o) => o.subscribedTopicIds.has(t.topicId)).length;
        q += t.partitionCount / n;
      }
      quota.set(m.memberId, Math.ceil(q));
    }

    // Sticky pass: keep previous partitions that still exist and are still subscribed, up to the quota.
    const taken = new Set<string>();
    for (const m of sorted) {
      for (const [topicId, parts] of m.previous) {
        const topic = topics.get(topicId);
        if (topic === undefined || !m.subscribedTopicIds.has(topicId)) continue;
        for (const p of [...parts].sort((a, b) => a - b)) {
          if (p >= topic.partitionCount || counts.get(m.memberId)! >= quota.get(m.memberId)!) continue;
          const key = `${topicId}:${p}`;
          if (taken.has(key)) continue;
          taken.add(key);
          addPartition(out.get(m.memberId)!, topicId, p);
          counts.set(m.memberId, counts.get(m.memberId)! + 1);
        }
      }
    }

    // The rest go, one at a time, to the least loaded subscriber (member id breaks ties).
    for (const t of sortedTopics) {
      const subscribers = sorted.filter((m) => m.subscribedTopicIds.has(t.topicId));
      if (subscribers.length === 0) continue;
      for (let p = 0; p < t.partitionCount; p++) {
        if (taken.has(`${t.topicId}:${p}`)) continue;
        let best = subscribers[0]!;
        for (const m of subscribers) if (counts.get(m.memberId)! < counts.get(best.memberId)!) best = m;
        addPartition(out.get(best.memberId)!, t.topicId, p);
        counts.set(best.memberId, counts.get(best.memberId)! + 1);
      }
    }

    // Stickiness may leave one member two or more above another on a shared topic; even out by moving.
    for (const t of sortedTopics) {
      const subscribers = sorted.filter((m) => m.subscribedTopicIds.has(t.topicId));
      for (;;) {
        let max = subscribers[0];
        let min = subscribers[0];
        for (const m of subscribers) {
          if (counts.get(m.memberId)! > counts.get(max!.memberId)!) max = m;
          if (counts.get(m.memberId)! < counts.get(min!.memberId)!) min = m;
        }
        if (max === undefined || min === undefined || counts.get(max.memberId)! - counts.get(min.memberId)! <= 1) break;
        const from = out.get(max.memberId)!.get(t.topicId);
        if (from === undefined || from.size === 0) break;
        const p = Math.max(...from);
        from.delete(p);
        addPartition(out.get(min.memberId)!, t.topicId, p);
        counts.set(max.memberId, counts.get(max.memberId)! - 1);
        counts.set(min.memberId, counts.get(min.memberId)! + 1);
      }
    }
    return out;
  }
}
