// DescribeCluster, v0-1 (KIP-700). This node is the only broker; v1 may ask for
// controllers (endpoint type 2), which a client reaches only through brokers here.

import { ApiKey, ErrorCode, type DescribeClusterRequest, type DescribeClusterResponseInput } from '../../protocol/generated/index.js';
import { clusterOperations } from './metadata.js';
import { defineHandler } from '../api-handler.js';

const BROKER_ENDPOINTS = 1;

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponseInput>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const { broker } = ctx;
    if (req.endpointType !== BROKER_ENDPOINTS) {
      return {
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${req.endpointType}`,
        endpointType: req.endpointType,
        clusterId: broker.store.clusterId,
      };
    }
    const endpoint = broker.endpointFor(ctx.connection.listenerName);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKER_ENDPOINTS,
      clusterId: broker.store.clusterId,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: broker.settings.rack }],
      // KIP-430: the caller's rights on the cluster when asked (0 without DESCRIBE on it); nothing else needs an ACL.
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? clusterOperations(ctx) : -2147483648,
    };
  },
});
