// How consumer groups see the cluster's topics, and assignments as the
// ConsumerGroupHeartbeat wire carries them (topic ids with sorted partitions).

import { addPartition, type Assignment } from './assignors/assignor.js';

export interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  partitionCount: number;
}

/** How the manager sees the cluster's topics. */
export interface TopicSource {
  listTopics(): TopicMetadata[];
  getTopic(name: string): TopicMetadata | undefined;
  getTopicById(topicId: string): TopicMetadata | undefined;
}

export function signatureOf(topics: readonly TopicMetadata[]): string {
  return topics.map((t) => `${t.name}/${t.topicId}/${t.partitionCount}`).join(',');
}

export function toWire(a: Assignment): TopicPartitions[] {
  return [...a].filter(([, s]) => s.size > 0).map(([topicId, s]) => ({ topicId, partitions: [...s].sort((x, y) => x - y) }));
}

export function fromWire(list: readonly TopicPartitions[]): Assignment {
  const a: Assignment = new Map();
  for (const t of list) for (const p of t.partitions) addPartition(a, t.topicId, p);
  return a;
}
