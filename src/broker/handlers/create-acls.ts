// CreateAcls, v0-3 (v1+ carries the pattern type, KIP-290). One result per
// creation, in order; an invalid binding gets INVALID_REQUEST with Kafka's
// reason, the valid ones are stored together (when the metadata log cannot
// take them, each gets KAFKA_STORAGE_ERROR and none is added). Without an authorizer
// (authorizer.class.name unset) every creation gets SECURITY_DISABLED; without
// ALTER on the cluster, CLUSTER_AUTHORIZATION_FAILED.

import { ApiKey, ErrorCode, type CreateAclsRequest, type CreateAclsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, validateNewAcl, type AclBinding } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { metadataWriteFailure } from '../../storage/metadata-write-error.js';
import { defineHandler } from '../api-handler.js';

export const NO_AUTHORIZER = 'No Authorizer is configured.';

export const createAclsHandler = defineHandler<CreateAclsRequest, CreateAclsResponseInput>({
  apiKey: ApiKey.CreateAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const authorizer = ctx.broker.authorizer;
    if (authorizer === null) {
      return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER })) };
    }
    // Kafka: ALTER on the cluster.
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const valid: AclBinding[] = [];
    const results = req.creations.map((c) => {
      const binding: AclBinding = {
        resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
        principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType,
      };
      const problem = validateNewAcl(binding);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
      valid.push(binding);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    });
    try {
      authorizer.create(valid);
    } catch (err) {
      const failed = metadataWriteFailure(err);
      return { throttleTimeMs: 0, results: results.map((r) => (r.errorCode === ErrorCode.NONE ? failed : r)) };
    }
    return { throttleTimeMs: 0, results };
  },
});
