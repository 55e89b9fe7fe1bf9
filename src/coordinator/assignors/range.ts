// The "range" server-side assignor: per topic, the members subscribed to it
// (in member id order) get contiguous ranges of partitions, the first
// (partitions % members) of them one more than the others.

import { addPartition, type Assignment, type AssignorMember, type AssignorTopic, type PartitionAssignor } from './assignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Map<string, Assignment> {
    const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    const sortedTopics = [...topics.values()].sort((a, b) => (a.topicId < b.topicId ? -1 : a.topicId > b.topicId ? 1 : 0));
    for (const topic of sortedTopics) {
      const subscribers = members.filter((m) => m.subscribedTopicIds.has(topic.topicId)).map((m) => m.memberId).sort();
      if (subscribers.length === 0) continue;
      const base = Math.floor(topic.partitionCount / subscribers.length);
      const extra = topic.partitionCount % subscribers.length;
      let next = 0;
      subscribers.forEach((memberId, i) => {
        const count = base + (i < extra ? 1 : 0);
        for (let k = 0; k < count; k++) addPartition(out.get(memberId)!, topic.topicId, next++);
      });
    }
    return out;
  }
}
