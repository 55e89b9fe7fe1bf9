// IncrementalAlterConfigs, v0-1 (KIP-339): SET, DELETE, and APPEND/SUBTRACT
// on list-typed configs, applied to the resource's current overrides (an
// APPEND to an unset list starts from the value in effect). See config-changes.ts.

import {
  ApiKey, ErrorCode,
  type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequestAlterConfigsResource, type IncrementalAlterConfigsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { configResourceRefusal } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import type { Broker } from '../broker.js';
import { alterEachResource, isFailure, resolveTarget, type Failure } from './config-changes.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

function splitList(value: string | null): string[] {
  return value === null ? [] : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function alterOne(broker: Broker, res: IncrementalAlterConfigsRequestAlterConfigsResource, validateOnly: boolean): Failure | null {
  const names = new Set<string>();
  for (const c of res.configs) {
    if (names.has(c.name)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' };
    names.add(c.name);
    if (c.configOperation < SET || c.configOperation > SUBTRACT) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown operation type ${c.configOperation}` };
    }
    if (c.configOperation !== DELETE && c.value === null) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for : ${c.name}` };
    }
  }
  const target = resolveTarget(broker, res.resourceType, res.resourceName);
  if (isFailure(target)) return target;
  const configs = { ...target.current };
  for (const c of res.configs) {
    const value = c.value ?? '';
    switch (c.configOperation) {
      case SET:
        configs[c.name] = value;
        break;
      case DELETE:
        delete configs[c.name];
        break;
      default: {
        const type = target.typeOf(c.name);
        if (type === undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown config name: ${c.name}` };
        if (type !== 'list') {
          const op = c.configOperation === APPEND ? 'APPEND' : 'SUBTRACT';
          return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Can't ${op} to key ${c.name} because its type is not LIST.` };
        }
        const current = splitList(configs[c.name] ?? target.inherited(c.name));
        const given = splitList(value);
        const next = c.configOperation === APPEND
          ? [...current, ...given.filter((v) => !current.includes(v))]
          : current.filter((v) => !given.includes(v));
        configs[c.name] = next.join(',');
      }
    }
  }
  return target.store(configs, validateOnly);
}

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponseInput>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    // Kafka: ALTER_CONFIGS on the topic, group or cluster the resource belongs to.
    const responses = alterEachResource(req.resources, (res) => alterOne(ctx.broker, res, req.validateOnly),
      (res) => configResourceRefusal(ctx, AclOperation.ALTER_CONFIGS, res.resourceType, res.resourceName));
    return { throttleTimeMs: 0, responses };
  },
});
