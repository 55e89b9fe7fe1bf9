// FindCoordinator, v0-6. v0-3 ask for one key (v0 always a group), v4+ for a
// batch of keys of one type (KIP-699). This broker coordinates every group
// and every transactional id (__consumer_offsets and __transaction_state are
// created on first use). Share groups (key type 2, KIP-932) and unknown key
// types are INVALID_REQUEST.
// v1-3 carry an error message: Kafka's Errors#message, "NONE" on success; v4+
// leave it empty unless the whole request failed.

import {
  ApiKey, ErrorCode, errorMessage,
  type FindCoordinatorRequest, type FindCoordinatorResponseCoordinatorInput, type FindCoordinatorResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation, ResourceType } from '../../security/acl.js';
import { authorize } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import type { CoordinatorKeyType } from '../../coordinator/group-coordinator.js';

const KEY_TYPES: Record<number, CoordinatorKeyType> = { 0: 'group', 1: 'transaction', 2: 'share' };

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponseInput>({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const endpoint = ctx.broker.endpointFor(ctx.connection.listenerName);
    const keyType = KEY_TYPES[version === 0 ? 0 : req.keyType] ?? 'unknown';
    const errorCode = keyType === 'transaction'
      ? await ctx.broker.transactionCoordinator.findCoordinator()
      : await ctx.broker.groupCoordinator.findCoordinator(keyType);
    const node = errorCode === ErrorCode.NONE
      ? { nodeId: ctx.broker.nodeId, host: endpoint.host, port: endpoint.port }
      : { nodeId: -1, host: '', port: -1 };
    // Kafka: DESCRIBE on the group or the transactional id named by the key.
    const refusal = (key: string): ErrorCode => {
      if (keyType === 'group') return authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key) ? ErrorCode.NONE : ErrorCode.GROUP_AUTHORIZATION_FAILED;
      if (keyType === 'transaction') return authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key) ? ErrorCode.NONE : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      return ErrorCode.NONE;
    };
    const refused = (code: ErrorCode) => ({ errorCode: code, nodeId: -1, host: '', port: -1, errorMessage: errorMessage(code) });

    if (version < 4) {
      const denied = refusal(req.key);
      if (denied !== ErrorCode.NONE) return { throttleTimeMs: 0, ...refused(denied) };
      return { throttleTimeMs: 0, errorCode, errorMessage: errorCode === ErrorCode.NONE ? 'NONE' : errorMessage(errorCode), ...node };
    }
    const coordinators: FindCoordinatorResponseCoordinatorInput[] = req.coordinatorKeys.map((key) => {
      const denied = refusal(key);
      if (denied !== ErrorCode.NONE) return { key, ...refused(denied) };
      return {
        key, errorCode, ...node,
        // An unknown key type fails the request, every key with the error's message; other answers carry "".
        errorMessage: keyType === 'unknown' ? errorMessage(errorCode) : '',
      };
    });
    return { throttleTimeMs: 0, coordinators };
  },
});
