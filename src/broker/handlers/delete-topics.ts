// DeleteTopics, v0-6. v6 names topics by name or by id. Refused with
// TOPIC_DELETION_DISABLED when delete.topic.enable is false.

import {
  ApiKey, ErrorCode, errorMessage,
  type DeleteTopicsRequest, type DeleteTopicsResponseDeletableTopicResultInput, type DeleteTopicsResponseInput,
} from '../../protocol/generated/index.js';
import { UUID_ZERO } from '../../protocol/codec-runtime.js';
import { defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize, type AuthorizationContext } from '../../security/request-authorization.js';

const AUTHORIZATION_FAILED = errorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED);

async function deleteOne(broker: Broker, ctx: AuthorizationContext, name: string | null, topicId: string): Promise<DeleteTopicsResponseDeletableTopicResultInput> {
  // Kafka: DELETE on the topic. A name is checked before it is looked up; an id once it is known, and
  // without DESCRIBE the answer keeps the name to itself.
  if (name !== null && !authorize(ctx, AclOperation.DELETE, ResourceType.TOPIC, name)) {
    return { name, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: AUTHORIZATION_FAILED };
  }
  const topic = name !== null ? broker.store.getTopic(name) : topicId !== UUID_ZERO ? broker.store.getTopicById(topicId) : undefined;
  if (topic !== undefined && name === null) {
    if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name)) {
      return { name: null, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: AUTHORIZATION_FAILED };
    }
    if (!authorize(ctx, AclOperation.DELETE, ResourceType.TOPIC, topic.name)) {
      return { name: topic.name, topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: AUTHORIZATION_FAILED };
    }
  }
  if (topic === undefined) {
    return name !== null
      ? { name, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' }
      : { name: null, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' };
  }
  if (!broker.settings.deleteTopicEnable) {
    return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
  }
  const deleted = await broker.store.deleteTopic(topic.name);
  // Committed offsets of a deleted topic go with it, as in Kafka.
  if (deleted.errorCode === ErrorCode.NONE) await broker.groupCoordinator.onTopicsDeleted([topic.name]);
  if (deleted.errorCode !== ErrorCode.NONE) return { name: topic.name, topicId: topic.topicId, errorCode: deleted.errorCode, errorMessage: deleted.errorMessage };
  return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponseInput>({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const targets = ctx.header.apiVersion >= 6
      ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
      : req.topicNames.map((name) => ({ name, topicId: UUID_ZERO }));
    const responses: DeleteTopicsResponseDeletableTopicResultInput[] = [];
    for (const t of targets) responses.push(await deleteOne(ctx.broker, ctx, t.name, t.topicId));
    return { throttleTimeMs: 0, responses };
  },
});
