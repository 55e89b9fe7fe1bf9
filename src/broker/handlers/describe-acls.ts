// DescribeAcls, v0-3: the bindings a filter matches (AclBindingFilter
// semantics, including MATCH and ANY pattern types), grouped by resource
// pattern. SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED
// without DESCRIBE on the cluster.

import {
  ApiKey, ErrorCode,
  type DescribeAclsRequest, type DescribeAclsResponseDescribeAclsResourceInput, type DescribeAclsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation, validateFilter } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { NO_AUTHORIZER } from './create-acls.js';

export const describeAclsHandler = defineHandler<DescribeAclsRequest, DescribeAclsResponseInput>({
  apiKey: ApiKey.DescribeAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const authorizer = ctx.broker.authorizer;
    if (authorizer === null) return { throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, resources: [] };
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, resources: [] };
    const filter = {
      resourceType: req.resourceTypeFilter, resourceName: req.resourceNameFilter, patternType: req.patternTypeFilter,
      principal: req.principalFilter, host: req.hostFilter, operation: req.operation, permissionType: req.permissionType,
    };
    const problem = validateFilter(filter);
    if (problem !== null) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, resources: [] };
    const byResource = new Map<string, DescribeAclsResponseDescribeAclsResourceInput & { acls: NonNullable<DescribeAclsResponseDescribeAclsResourceInput['acls']> }>();
    for (const a of authorizer.describe(filter)) {
      const key = `${a.resourceType}\u0000${a.patternType}\u0000${a.resourceName}`;
      let r = byResource.get(key);
      if (r === undefined) byResource.set(key, (r = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] }));
      r.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byResource.values()] };
  },
});
