// Metadata, v0-12. One broker leads every partition. A null topic list (v1+) or
// an empty one in v0 means all topics. Unknown topics are auto-created when the
// request allows it (v4+; always in v0-3) and auto.create.topics.enable is on.
// v12 may name topics by id (a null name for an unknown id); v10-11 carry ids
// only in responses, so a request naming one is invalid.

import {
  ApiKey, ErrorCode,
  type MetadataRequest, type MetadataResponseInput, type MetadataResponseTopicInput,
} from '../../protocol/generated/index.js';
import { UUID_ZERO } from '../../protocol/codec-runtime.js';
import { defineHandler } from '../api-handler.js';
import { LEADER_EPOCH } from '../leader-epoch.js';
import type { Broker } from '../broker.js';
import type { TopicInfo } from '../partition-store.js';
import { validateTopicName } from '../topic-names.js';
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js';
import { authorize, authorizationEnabled, authorizedOperations, clusterAuthorized, type AuthorizationContext } from '../../security/request-authorization.js';

const OMITTED_OPERATIONS = -2147483648;

function topicAuthorizationFailed(name: string | null, topicId: string): MetadataResponseTopicInput {
  return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId, isInternal: false, partitions: [] };
}

function describeTopic(broker: Broker, t: TopicInfo): MetadataResponseTopicInput {
  const partitions = [];
  for (let p = 0; p < t.partitionCount; p++) {
    partitions.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: p,
      leaderId: broker.nodeId,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    });
  }
  return { errorCode: ErrorCode.NONE, name: t.name, topicId: t.topicId, isInternal: t.internal, partitions };
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponseInput>({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const store = broker.store;
    const allTopics = req.topics === null || (version === 0 && req.topics.length === 0);
    const allowAutoCreate = broker.settings.autoCreateTopics && (version < 4 || req.allowAutoTopicCreation);
    const topics: MetadataResponseTopicInput[] = [];
    const secured = authorizationEnabled(ctx);
    // Kafka: DESCRIBE on each topic. Topics a principal may not describe are never listed; one named
    // explicitly is answered TOPIC_AUTHORIZATION_FAILED before it is looked up, so its existence stays
    // unknown (by id, the id is known anyway, so the answer may say so).
    const mayDescribe = (name: string, logIfDenied: boolean) => !secured || authorize(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name, { logIfDenied });
    // Creating a topic on the fly needs CREATE on the cluster or on the topic.
    const mayCreate = (name: string) => !secured
      || clusterAuthorized(ctx, AclOperation.CREATE, { logIfDenied: false })
      || authorize(ctx, AclOperation.CREATE, ResourceType.TOPIC, name);

    // Only v12 may name topics by id; Kafka fails the whole request otherwise.
    if (!allTopics && version < 12 && req.topics!.some((t) => t.name === null || t.topicId !== UUID_ZERO)) {
      return {
        throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1,
        topics: req.topics!.map((t) => ({ errorCode: ErrorCode.INVALID_REQUEST, name: t.name ?? '', topicId: t.topicId, partitions: [] })),
      };
    }

    if (allTopics) {
      for (const t of store.listTopics()) if (mayDescribe(t.name, false)) topics.push(describeTopic(broker, t));
    } else {
      for (const requested of req.topics!) {
        // A topic id, when given, wins over the name (as in Kafka). Before v12 the response
        // cannot carry the null name of an unknown id: an empty name there is just an invalid name.
        if (requested.name === null || requested.topicId !== UUID_ZERO || (version >= 12 && requested.name === '')) {
          const byId = requested.topicId === UUID_ZERO ? undefined : store.getTopicById(requested.topicId);
          if (byId === undefined) {
            topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: requested.topicId, partitions: [] });
          } else if (!mayDescribe(byId.name, true)) {
            topics.push(topicAuthorizationFailed(null, byId.topicId));
          } else {
            topics.push(describeTopic(broker, byId));
          }
          continue;
        }
        const name = requested.name;
        if (!mayDescribe(name, true)) {
          topics.push(topicAuthorizationFailed(name, UUID_ZERO));
          continue;
        }
        const existing = store.getTopic(name);
        if (existing !== undefined) {
          topics.push(describeTopic(broker, existing));
        } else if (allowAutoCreate && validateTopicName(name) === null && !mayCreate(name)) {
          topics.push(topicAuthorizationFailed(name, UUID_ZERO));
        } else if (allowAutoCreate) {
          const created = await broker.autoCreateTopic(name);
          if ('topic' in created) topics.push(describeTopic(broker, created.topic));
          else topics.push({ errorCode: created.errorCode, name, partitions: [] });
        } else {
          // An illegal name is reported as such even when nothing would be created.
          const errorCode = validateTopicName(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
          topics.push({ errorCode, name, partitions: [] });
        }
      }
    }

    // KIP-430: the caller's rights, when asked (v8+); without an authorizer, every supported operation.
    if (version >= 8 && req.includeTopicAuthorizedOperations) {
      for (const t of topics) if (t.errorCode === ErrorCode.NONE && t.name != null) t.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, t.name);
    }
    const endpoint = broker.endpointFor(ctx.connection.listenerName);
    return {
      throttleTimeMs: 0,
      clusterAuthorizedOperations: version >= 8 && version <= 10 && req.includeClusterAuthorizedOperations ? clusterOperations(ctx) : OMITTED_OPERATIONS,
      brokers: [{ nodeId: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: broker.settings.rack }],
      clusterId: store.clusterId,
      controllerId: broker.nodeId,
      topics,
    };
  },
});

/** Kafka answers 0 rather than the rights of a principal that may not even describe the cluster. */
export function clusterOperations(ctx: AuthorizationContext): number {
  return clusterAuthorized(ctx, AclOperation.DESCRIBE, { logIfDenied: false, logIfAllowed: false })
    ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
    : 0;
}
