// ConsumerGroupDescribe, v0 (KIP-848): a consumer group's epochs, assignor and
// members with their current and target assignments. Unknown groups and
// classic groups are GROUP_ID_NOT_FOUND, as in Kafka 4. Without an
// authorizer, every group operation is allowed.

import { ApiKey, ErrorCode, type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponseInput } from '../../protocol/generated/index.js';
import { CLOSE_CONNECTION, defineHandler } from '../api-handler.js';
import { hasOversizedString } from '../../coordinator/request-info.js';

const OMITTED_OPERATIONS = -2147483648;
/** Bit field of AclOperation codes READ (3), DELETE (6), DESCRIBE (8), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11): 3400, as Kafka 4.1 answers. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponseInput>({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    if (hasOversizedString(req)) return CLOSE_CONNECTION;
    const groups = ctx.broker.groupCoordinator.consumerGroupDescribe(req.groupIds).map((g) => ({
      ...g,
      authorizedOperations: req.includeAuthorizedOperations && g.errorCode === ErrorCode.NONE ? GROUP_OPERATIONS : OMITTED_OPERATIONS,
    }));
    return { throttleTimeMs: 0, groups };
  },
});
