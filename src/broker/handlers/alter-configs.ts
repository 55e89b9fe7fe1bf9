// AlterConfigs, v0-2 (the legacy, non-incremental form): the given configs
// replace every override the resource had. See config-changes.ts for the resources.

import {
  ApiKey, ErrorCode,
  type AlterConfigsRequest, type AlterConfigsRequestAlterConfigsResource, type AlterConfigsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { configResourceRefusal } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { alterEachResource, isFailure, resolveTarget, type Failure } from './config-changes.js';

function alterOne(broker: Broker, res: AlterConfigsRequestAlterConfigsResource, validateOnly: boolean): Failure | null {
  const target = resolveTarget(broker, res.resourceType, res.resourceName);
  if (isFailure(target)) return target;
  const configs: Record<string, string> = {};
  for (const c of res.configs) {
    if (c.name in configs) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' };
    if (c.value === null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${c.name}` };
    configs[c.name] = c.value;
  }
  return target.store(configs, validateOnly);
}

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponseInput>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    // Kafka: ALTER_CONFIGS on the topic, group or cluster the resource belongs to.
    const responses = alterEachResource(req.resources, (res) => alterOne(ctx.broker, res, req.validateOnly),
      (res) => configResourceRefusal(ctx, AclOperation.ALTER_CONFIGS, res.resourceType, res.resourceName));
    return { throttleTimeMs: 0, responses };
  },
});
