// The kafkajs side of the golden-bytes capture: create a topic, produce three short
// records (acks=-1), read them back. Old, non-flexible API versions.
//
// Against Apache Kafka the records are read by a group consumer. Against Tributary,
// which has no consumer groups yet, they are read through kafkajs's own Cluster/Broker
// fetch path (kafkajs/src/cluster), the same Fetch request its consumer sends.
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';

const CLIENT_ID = 'tributary-capture-kafkajs';

async function createAndProduce(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.fetchTopicOffsets(topic);
  await admin.disconnect();

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({
    topic, acks: -1,
    messages: [1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}`, headers: { h: `${i}` } })),
  });
  await producer.disconnect();
}

export async function runKafkajs(bootstrap: string, topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  await createAndProduce(kafka, topic);

  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kafkajs consumed ${seen} of 3 within 30 s`)), 30_000);
    consumer.run({
      eachMessage: async () => {
        seen++;
        if (seen === 3) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
}

// The parts of kafkajs's internal Cluster and Broker used here (the package ships no types for them).
interface KafkajsBroker {
  fetch(req: {
    maxWaitTime?: number; minBytes?: number; maxBytes?: number; isolationLevel?: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number; messages: unknown[] }[] }[] }>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<KafkajsBroker>;
}

/** A kafkajs Cluster built from the package's own modules, as its Kafka class builds one. */
export function kafkajsCluster(bootstrap: string, clientId: string): KafkajsCluster {
  const require = createRequire(import.meta.url);
  const Cluster = require('kafkajs/src/cluster') as new (opts: Record<string, unknown>) => KafkajsCluster;
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as {
    createLogger: (o: { level: number; logCreator: () => () => void }) => unknown; LEVELS: { NOTHING: number };
  };
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)();
  return new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
    socketFactory, brokers: [bootstrap], clientId, connectionTimeout: 3000, requestTimeout: 10_000,
    enforceRequestTimeout: true, metadataMaxAge: 300_000, retry: { retries: 3 }, allowAutoTopicCreation: false,
    maxInFlightRequests: null, isolationLevel: 1,
  });
}

/** Tributary upstream: no group consumer, the records are fetched by kafkajs's Broker.fetch. */
export async function runKafkajsWithoutGroup(bootstrap: string, topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  await createAndProduce(kafka, topic);

  const cluster = kafkajsCluster(bootstrap, CLIENT_ID);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const [leader] = Object.keys(cluster.findLeaderForPartitions(topic, [0]));
    if (leader === undefined) throw new Error(`no leader for ${topic}/0`);
    const broker = await cluster.findBroker({ nodeId: leader });
    const res = await broker.fetch({
      maxWaitTime: 200, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1 << 20 }] }],
    });
    const got = res.responses[0]?.partitions[0]?.messages.length ?? 0;
    if (got !== 3) throw new Error(`kafkajs fetched ${got} of 3 records: ${JSON.stringify(res.responses)}`);
  } finally {
    await cluster.disconnect();
  }
}
