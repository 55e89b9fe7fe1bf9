// Which partition a record goes to, as Java's default partitioner decides:
// an explicit partition wins; a keyed record goes to
// toPositive(murmur2(key)) % partitions, so keys land where Java (and
// librdkafka's murmur2_random, kafkajs' default) put them; keyless records
// stick to one partition per send call, moving round-robin from call to call
// (KIP-480's sticky partitioning, by call rather than by batch size).

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): a signed 32-bit hash. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1-3 trailing bytes, as Java's switch with fall-through takes them.
  const tail = length & 3;
  if (tail >= 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Java's default partitioner picks for a keyed record. */
export function partitionForKey(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

export class Partitioner {
  private next = new Map<string, number>();

  /** The partition keyless records of one send call to `topic` go to. */
  stickyPartition(topic: string, partitions: number): number {
    const n = this.next.get(topic) ?? Math.floor(Math.random() * partitions);
    this.next.set(topic, (n + 1) % partitions);
    return n % partitions;
  }
}
