// The consumer group settings (group.consumer.*) of KIP-848 groups.

export interface ConsumerGroupConfig {
  /** group.consumer.session.timeout.ms */
  consumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms */
  consumerHeartbeatIntervalMs: number;
  /** group.consumer.max.size */
  consumerMaxSize: number;
  /** group.consumer.assignors: the first is the default. */
  consumerAssignors: string[];
  /** group.consumer.migration.policy (KIP-848 online upgrade/downgrade between classic and consumer groups). */
  consumerMigrationPolicy: ConsumerGroupMigrationPolicy;
}

export type ConsumerGroupMigrationPolicy = 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional';

export const DEFAULT_CONSUMER_GROUP_CONFIG: ConsumerGroupConfig = {
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5000,
  consumerMaxSize: 2147483647,
  consumerAssignors: ['uniform', 'range'],
  consumerMigrationPolicy: 'bidirectional',
};
