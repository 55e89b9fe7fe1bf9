// The kafkajs side of the golden-bytes capture: create a topic, produce three short
// records (acks=-1), consume them back with a group. Old, non-flexible API versions.
import { Kafka, logLevel } from 'kafkajs';

export async function runKafkajs(bootstrap: string, topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'tributary-capture-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
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
