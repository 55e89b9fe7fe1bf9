// DeleteAcls, v0-3: per filter, the bindings it matched and removed (all
// filters' deletions are stored together; when the metadata log cannot take
// them, each valid filter gets KAFKA_STORAGE_ERROR and nothing is removed). SECURITY_DISABLED without an
// authorizer; CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster; an
// invalid filter gets INVALID_REQUEST.

import { ApiKey, ErrorCode, type DeleteAclsRequest, type DeleteAclsResponseInput } from '../../protocol/generated/index.js';
import { AclOperation, validateFilter, type AclBindingFilter } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { metadataWriteFailure, type StorageFailure } from '../../storage/metadata-write-error.js';
import { defineHandler } from '../api-handler.js';
import { NO_AUTHORIZER } from './create-acls.js';

export const deleteAclsHandler = defineHandler<DeleteAclsRequest, DeleteAclsResponseInput>({
  apiKey: ApiKey.DeleteAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const authorizer = ctx.broker.authorizer;
    if (authorizer === null) {
      return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, matchingAcls: [] })) };
    }
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, matchingAcls: [] })) };
    }
    const filters: (AclBindingFilter | string)[] = req.filters.map((f) => {
      const filter: AclBindingFilter = {
        resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
        principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType,
      };
      return validateFilter(filter) ?? filter;
    });
    const valid = filters.filter((f): f is AclBindingFilter => typeof f !== 'string');
    let deleted: ReturnType<typeof authorizer.delete> = [];
    let failed: StorageFailure | null = null;
    try {
      deleted = authorizer.delete(valid);
    } catch (err) {
      failed = metadataWriteFailure(err);
    }
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: filters.map((f) => {
        if (typeof f === 'string') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: f, matchingAcls: [] };
        if (failed !== null) return { ...failed, matchingAcls: [] };
        const matched = deleted[next++] ?? [];
        return {
          errorCode: ErrorCode.NONE, errorMessage: null,
          matchingAcls: matched.map((a) => ({
            errorCode: ErrorCode.NONE, errorMessage: null, resourceType: a.resourceType, resourceName: a.resourceName,
            patternType: a.patternType, principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType,
          })),
        };
      }),
    };
  },
});
