// DescribeUserScramCredentials, v0 (KIP-554): which SCRAM mechanisms each user
// has, with iteration counts; never salts or keys. Null or empty users means
// every user with a credential.

import {
  ApiKey, ErrorCode,
  type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResultInput,
  type DescribeUserScramCredentialsResponseInput,
} from '../../protocol/generated/index.js';
import { scramAlgorithm } from '../../security/scram-credentials.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const describeUserScramCredentialsHandler = defineHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponseInput>({
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    // Kafka: DESCRIBE on the cluster (with an authorizer).
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    const all = ctx.broker.scramCredentials.describe();
    const infos = (user: string) => (all.get(user) ?? []).map((c) => ({ mechanism: scramAlgorithm(c.mechanism)!.type, iterations: c.iterations }));
    const results: DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResultInput[] = [];
    if (req.users === null || req.users.length === 0) {
      for (const user of [...all.keys()].sort()) results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) });
    } else {
      const counts = new Map<string, number>();
      for (const u of req.users) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
      for (const [user, count] of counts) {
        if (count > 1) {
          results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
        } else if (!all.has(user)) {
          results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] });
        } else {
          results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) });
        }
      }
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
