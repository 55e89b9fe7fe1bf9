// The assignment side of a consumer group: the target assignment the
// server-side assignor computes for a group epoch (Kafka's
// TargetAssignmentBuilder), and the reconciliation that moves each member one
// step towards its target, revoking before assigning (Kafka's
// CurrentAssignmentBuilder).
//
// The consumer group manager (consumer-group-manager.ts) runs them; the
// assignor it chose and the rebalance timeout of revoking members come through
// AssignmentContext.

import { addPartition, copyAssignment, type Assignment, type AssignorMember, type AssignorTopic, type PartitionAssignor } from './assignors/assignor.js';
import { compileSubscriptionRegex, type ConsumerGroup, type ConsumerGroupMember } from './consumer-group.js';
import { signatureOf, type TopicMetadata, type TopicSource } from './consumer-group-topics.js';

/** What the target assignment and the reconciliation need of the consumer group manager. */
export interface AssignmentContext {
  readonly topics: TopicSource;
  /** The server-side assignor the group uses. */
  assignorFor(group: ConsumerGroup): PartitionAssignor;
  /** The member must revoke partitions: it is fenced unless it confirms within its rebalance timeout. */
  scheduleRebalanceTimeout(group: ConsumerGroup, member: ConsumerGroupMember): void;
  /** The member confirmed its revocation. */
  cancelRebalanceTimeout(group: ConsumerGroup, member: ConsumerGroupMember): void;
}

function overlaps(a: Assignment, b: Assignment): boolean {
  for (const [t, s] of a) {
    const o = b.get(t);
    if (o !== undefined) for (const p of s) if (o.has(p)) return true;
  }
  return false;
}

/** The subscribed topics (name -> metadata) of all members. */
function subscribedTopics(topics: TopicSource, group: ConsumerGroup): Map<string, TopicMetadata> {
  const out = new Map<string, TopicMetadata>();
  let all: TopicMetadata[] | null = null;
  for (const m of group.members.values()) {
    for (const name of m.subscribedTopicNames) {
      const t = topics.getTopic(name);
      if (t !== undefined) out.set(name, t);
    }
    const re = compileSubscriptionRegex(m.subscribedTopicRegex);
    if (re !== null) {
      all ??= topics.listTopics().filter((t) => !t.name.startsWith('__'));
      for (const t of all) if (re.test(t.name)) out.set(t.name, t);
    }
  }
  return out;
}

/** The subscribed topics as ConsumerGroupPartitionMetadata records them, sorted by name. */
export function subscriptionMetadata(topics: TopicSource, group: ConsumerGroup): TopicMetadata[] {
  return [...subscribedTopics(topics, group).values()].map((t) => ({ name: t.name, topicId: t.topicId, partitionCount: t.partitionCount }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * After a member's subscription is updated: topics created, deleted or grown since the last assignment change
 * the group epoch too, and a group epoch ahead of the assignment epoch gets a new target assignment.
 */
export function updateTargetAssignment(ctx: AssignmentContext, group: ConsumerGroup): void {
  const metadata = subscriptionMetadata(ctx.topics, group);
  if (signatureOf(metadata) !== signatureOf(group.subscriptionMetadata)) {
    if (group.groupEpoch === group.assignmentEpoch) group.groupEpoch++;
    group.subscriptionMetadata = metadata;
  }
  if (group.groupEpoch > group.assignmentEpoch) computeTargetAssignment(ctx, group);
}

function computeTargetAssignment(ctx: AssignmentContext, group: ConsumerGroup): void {
  const subscribed = subscribedTopics(ctx.topics, group);
  const topics = new Map<string, AssignorTopic>([...subscribed.values()].map((t) => [t.topicId, { topicId: t.topicId, partitionCount: t.partitionCount }]));
  const members: AssignorMember[] = [...group.members.values()].map((m) => {
    const re = compileSubscriptionRegex(m.subscribedTopicRegex);
    const ids = new Set<string>();
    for (const t of subscribed.values()) if (m.subscribesTo(t.name, re)) ids.add(t.topicId);
    return { memberId: m.memberId, subscribedTopicIds: ids, previous: group.targetOf(m.memberId) };
  });
  const target = ctx.assignorFor(group).assign(members, topics);
  group.targetAssignment.clear();
  for (const [id, a] of target) group.targetAssignment.set(id, a);
  group.assignmentEpoch = group.groupEpoch;
  group.allMembersDirty = true;
}

/** Kafka's CurrentAssignmentBuilder: moves a member one step towards its target. */
export function reconcile(ctx: AssignmentContext, group: ConsumerGroup, member: ConsumerGroupMember, owned: Assignment | null): void {
  if (member.state === 'unrevoked') {
    // Still owning something it must give up: wait for the member to confirm.
    if (owned === null || overlaps(owned, member.pendingRevocation)) {
      computeRevocationIfTargetMoved(group, member);
      return;
    }
    member.pendingRevocation = new Map();
    member.state = 'stable';
    ctx.cancelRebalanceTimeout(group, member);
  }
  if (member.state === 'stable' && member.memberEpoch === group.assignmentEpoch) return;

  const target = group.targetOf(member.memberId);
  const keep: Assignment = new Map();
  const revoke: Assignment = new Map();
  for (const [t, s] of member.assigned) {
    for (const p of s) addPartition(target.get(t)?.has(p) ? keep : revoke, t, p);
  }
  if (revoke.size > 0) {
    member.assigned = keep;
    member.pendingRevocation = revoke;
    member.state = 'unrevoked';
    ctx.scheduleRebalanceTimeout(group, member);
    return;
  }
  const others = group.ownedByOthers(member.memberId);
  const next = copyAssignment(keep);
  let unreleased = false;
  for (const [t, s] of target) {
    for (const p of s) {
      if (keep.get(t)?.has(p)) continue;
      if (others.has(`${t}:${p}`)) unreleased = true;
      else addPartition(next, t, p);
    }
  }
  member.assigned = next;
  if (member.memberEpoch !== group.assignmentEpoch) {
    member.previousMemberEpoch = member.memberEpoch;
    member.memberEpoch = group.assignmentEpoch;
  }
  member.state = unreleased ? 'unreleased' : 'stable';
}

/** While a member revokes, a newer target may ask it to give up more (or less): keep what it still keeps. */
function computeRevocationIfTargetMoved(group: ConsumerGroup, member: ConsumerGroupMember): void {
  const target = group.targetOf(member.memberId);
  for (const [t, s] of member.assigned) {
    for (const p of [...s]) {
      if (target.get(t)?.has(p)) continue;
      s.delete(p);
      addPartition(member.pendingRevocation, t, p);
    }
  }
}
