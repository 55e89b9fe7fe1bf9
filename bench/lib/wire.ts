// The harness's own small Kafka client (the project's codec, through the
// test wire client): topic setup, and the cold-start probe.
import { ApiKey, ErrorCode } from '../../src/protocol/generated/index.js';
import { buildSimpleBatch } from '../../test/helpers/record-batch.js';
import { WireClient } from '../../test/helpers/wire-client.js';
import { sleep } from './proc.js';

// Versions both Kafka 4.1 and Tributary serve.
const CREATE_TOPICS_V = 5;
const METADATA_V = 12;
const PRODUCE_V = 9;

async function connectRetrying(host: string, port: number, deadline: number, pollMs: number): Promise<WireClient> {
  for (;;) {
    try {
      return await WireClient.connect(host, port, 1000);
    } catch (err) {
      if (performance.now() > deadline) throw new Error(`no connection to ${host}:${port}: ${(err as Error).message}`);
      await sleep(pollMs);
    }
  }
}

/**
 * Cold start probe: from before the broker was spawned, retries connecting every
 * pollMs, creates a one-partition topic, and retries an acks=all produce until
 * one is acknowledged. Resolves with performance.now() at that acknowledgement.
 * The same probe runs against both systems.
 */
export async function firstAcknowledgedProduce(host: string, port: number, topic: string, timeoutMs = 120_000, pollMs = 5): Promise<{ ackAt: number; connectedAt: number; attempts: number }> {
  const deadline = performance.now() + timeoutMs;
  let attempts = 0;
  let connectedAt = -1;
  let client: WireClient | null = null;
  let created = false;
  const batch = buildSimpleBatch(1, { valueSize: 100, baseTimestamp: Date.now() });
  try {
    for (;;) {
      if (performance.now() > deadline) throw new Error(`no acknowledged produce within ${timeoutMs} ms`);
      if (client === null || client.isClosed) {
        client = await connectRetrying(host, port, deadline, pollMs);
        if (connectedAt < 0) connectedAt = performance.now();
      }
      try {
        if (!created) {
          const r = await client.request(ApiKey.CreateTopics, CREATE_TOPICS_V, {
            topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
          });
          const code = r.topics[0]?.errorCode ?? -1;
          if (code === ErrorCode.NONE || code === ErrorCode.TOPIC_ALREADY_EXISTS) created = true;
          else { await sleep(pollMs); continue; }
        }
        attempts++;
        const r = await client.request(ApiKey.Produce, PRODUCE_V, {
          transactionalId: null, acks: -1, timeoutMs: 30_000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(batch) }] }],
        });
        const code = r.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
        if (code === ErrorCode.NONE) return { ackAt: performance.now(), connectedAt, attempts };
      } catch {
        // Connection dropped during startup: reconnect and go on.
        client.close();
        client = null;
      }
      await sleep(pollMs);
    }
  } finally {
    client?.close();
  }
}

/** Creates topics (ignoring "already exists") and waits until every partition has a leader. */
export async function createTopics(host: string, port: number, topics: { name: string; partitions: number }[]): Promise<void> {
  const c = await WireClient.connect(host, port);
  try {
    const r = await c.request(ApiKey.CreateTopics, CREATE_TOPICS_V, {
      topics: topics.map((t) => ({ name: t.name, numPartitions: t.partitions, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 30_000, validateOnly: false,
    });
    for (const t of r.topics) {
      if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        throw new Error(`CreateTopics ${t.name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
      }
    }
    const deadline = performance.now() + 30_000;
    for (;;) {
      const m = await c.request(ApiKey.Metadata, METADATA_V, {
        topics: topics.map((t) => ({ name: t.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
        allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
      });
      const ready = topics.every((t) => {
        const mt = m.topics.find((x) => x.name === t.name);
        return mt !== undefined && mt.errorCode === ErrorCode.NONE && mt.partitions.length === t.partitions
          && mt.partitions.every((p) => p.errorCode === ErrorCode.NONE && p.leaderId >= 0);
      });
      if (ready) return;
      if (performance.now() > deadline) throw new Error(`topics ${topics.map((t) => t.name).join(', ')} have no leaders after 30 s`);
      await sleep(50);
    }
  } finally {
    c.close();
  }
}
