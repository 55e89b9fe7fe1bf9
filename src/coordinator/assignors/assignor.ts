// Server-side assignors of KIP-848 consumer groups: the coordinator computes
// every member's target assignment from the members' subscriptions and the
// subscribed topics' partitions.

/** topicId -> partitions. */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Ids of the topics the member subscribes to (that exist). */
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment, so assignors can stay sticky. */
  previous: Assignment;
}

export interface AssignorTopic {
  topicId: string;
  partitionCount: number;
}

export interface PartitionAssignor {
  readonly name: string;
  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): Map<string, Assignment>;
}

export function addPartition(a: Assignment, topicId: string, partition: number): void {
  let set = a.get(topicId);
  if (set === undefined) a.set(topicId, (set = new Set()));
  set.add(partition);
}

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const s of a.values()) n += s.size;
  return n;
}

export function copyAssignment(a: Assignment): Assignment {
  return new Map([...a].filter(([, s]) => s.size > 0).map(([t, s]) => [t, new Set(s)]));
}

export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  const norm = (x: Assignment) => [...x].filter(([, s]) => s.size > 0);
  const na = norm(a);
  if (na.length !== norm(b).length) return false;
  for (const [t, s] of na) {
    const o = b.get(t);
    if (o === undefined || o.size !== s.size) return false;
    for (const p of s) if (!o.has(p)) return false;
  }
  return true;
}
