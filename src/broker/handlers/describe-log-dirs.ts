// DescribeLogDirs, v0-4: the one data directory with the size of each
// (requested) partition; a single replica has no lag. Total and usable bytes
// (v4) come from the file system. Unknown topics and partitions are left out, as in Kafka.

import {
  ApiKey, ErrorCode,
  type DescribeLogDirsRequest, type DescribeLogDirsResponseDescribeLogDirsTopicInput, type DescribeLogDirsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponseInput>({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    // Kafka: DESCRIBE on the cluster, or no log dirs at all.
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const dir = await ctx.broker.store.describeLogDir();
    let wanted: Map<string, Set<number>> | null = null;
    if (req.topics !== null) {
      wanted = new Map();
      for (const t of req.topics) {
        const set = wanted.get(t.topic) ?? new Set<number>();
        for (const p of t.partitions) set.add(p);
        wanted.set(t.topic, set);
      }
    }
    const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopicInput & { partitions: object[] }>();
    for (const p of dir.partitions) {
      if (wanted !== null && wanted.get(p.topic)?.has(p.partition) !== true) continue;
      let t = byTopic.get(p.topic);
      if (t === undefined) {
        t = { name: p.topic, partitions: [] };
        byTopic.set(p.topic, t);
      }
      t.partitions.push({ partitionIndex: p.partition, partitionSize: p.size, offsetLag: 0, isFutureKey: false });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{
        errorCode: ErrorCode.NONE,
        logDir: dir.path,
        topics: [...byTopic.values()],
        totalBytes: dir.totalBytes,
        usableBytes: dir.usableBytes,
      }],
    };
  },
});
