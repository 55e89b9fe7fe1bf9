// The state the request handlers share: settings, the partition store, the
// fetch session cache and the router (for ApiVersions). Handlers keep none of their own.

import { ErrorCode } from '../protocol/generated/index.js';
import { createLogger } from '../observability/logger.js';
import { FetchSessionCache } from './fetch-sessions.js';
import type { PartitionStore, TopicInfo } from './partition-store.js';
import type { RequestRouter } from './router.js';
import { isInternalTopic, validateTopicName } from './topic-names.js';
import type { ProducerIdAllocator } from '../coordinator/producer-ids.js';
import type { GroupCoordinator } from '../coordinator/group-coordinator.js';
import type { TransactionCoordinator } from '../coordinator/transaction-coordinator.js';
import type { ScramCredentialStore } from '../security/scram-credentials.js';
import type { Authorizer } from '../security/authorizer.js';

const log = createLogger('broker');

export interface AdvertisedListener {
  listenerName: string;
  host: string;
  port: number;
}

export interface BrokerSettings {
  nodeId: number;
  rack: string | null;
  /** Where clients reach this broker, per listener name. */
  advertised: AdvertisedListener[];
  autoCreateTopics: boolean;
  numPartitions: number;
  deleteTopicEnable: boolean;
  /** fetch.max.bytes: the broker's cap on one Fetch response. */
  fetchMaxBytes: number;
  /** max.incremental.fetch.session.cache.slots (KIP-227). */
  fetchSessionCacheSlots: number;
}

export class Broker {
  readonly fetchSessions: FetchSessionCache;

  constructor(
    readonly settings: BrokerSettings,
    readonly store: PartitionStore,
    readonly router: RequestRouter,
    readonly producerIds: ProducerIdAllocator,
    /** Classic groups and committed offsets (FindCoordinator, JoinGroup, OffsetCommit, ...). */
    readonly groupCoordinator: GroupCoordinator,
    /** Transactional ids (InitProducerId with an id, AddPartitionsToTxn, EndTxn, ...). */
    readonly transactionCoordinator: TransactionCoordinator,
    /** SCRAM credentials (AlterUserScramCredentials, SCRAM authentication). */
    readonly scramCredentials: ScramCredentialStore,
    /** ACLs, when authorizer.class.name is set; null otherwise (the ACL APIs answer SECURITY_DISABLED). */
    readonly authorizer: Authorizer | null = null,
  ) {
    this.fetchSessions = new FetchSessionCache(settings.fetchSessionCacheSlots);
  }

  get nodeId(): number {
    return this.settings.nodeId;
  }

  /** The endpoint of this broker on the listener a client came in on (Kafka answers per listener). */
  endpointFor(listenerName: string): AdvertisedListener {
    return this.settings.advertised.find((a) => a.listenerName === listenerName) ?? this.settings.advertised[0]!;
  }

  /**
   * Creates a topic that a client asked for by name when auto.create.topics.enable
   * allows it (Metadata with allow_auto_topic_creation). Returns the error to report otherwise.
   */
  async autoCreateTopic(name: string): Promise<{ topic: TopicInfo } | { errorCode: ErrorCode }> {
    if (validateTopicName(name) !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
    // Internal topics are created by their coordinators with their own settings, never by a client's Metadata.
    if (isInternalTopic(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const created = await this.store.createTopic({ name, partitions: this.settings.numPartitions, configs: {}, validateOnly: false });
    if (created.errorCode === ErrorCode.NONE) {
      log.info('auto-created topic', { topic: name, partitions: this.settings.numPartitions });
      return { topic: created.topic };
    }
    if (created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
      const existing = this.store.getTopic(name);
      if (existing !== undefined) return { topic: existing };
    }
    return { errorCode: created.errorCode };
  }
}
