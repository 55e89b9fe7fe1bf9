// ApiVersions, v0-4. The advertised list is the router's table, so only what is
// implemented is offered. v3+ carries the client's software name and version,
// which Kafka validates (KIP-511); an unsupported request version is answered
// in v0 by the connection before it reaches here.

import { ApiKey, ErrorCode, type ApiVersionsRequest, type ApiVersionsResponseInput } from '../../protocol/generated/index.js';
import { defineHandler } from '../api-handler.js';

const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponseInput>({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const apiKeys = ctx.broker.router.advertisedVersions();
    if (ctx.header.apiVersion >= 3 && (!SOFTWARE_FIELD.test(req.clientSoftwareName) || !SOFTWARE_FIELD.test(req.clientSoftwareVersion))) {
      // Apache Kafka lists no APIs with this error.
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
