// Java behaviours the group coordinator must reproduce to place and choose
// things exactly as Apache Kafka does: String.hashCode (a group's partition of
// __consumer_offsets) and java.util.HashMap iteration order (which protocol
// wins a tied vote).

/** java.lang.String#hashCode: s[0]*31^(n-1) + ... over UTF-16 code units, in int32 arithmetic. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Math.abs, except that Integer.MIN_VALUE maps to 0. */
export function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

/** The __consumer_offsets partition of a group: abs(groupId.hashCode()) % partitions. */
export function groupPartition(groupId: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitions;
}

/**
 * The order in which a java.util.HashMap<String, ?> built by inserting `keys`
 * (with the default capacity and load factor) iterates them: by bucket
 * (spread hash masked by the table size), then insertion order within a
 * bucket. Resizes keep that relative order, so only the final size matters.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const distinct = [...new Set(keys)];
  let capacity = 16;
  while (distinct.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string): number => {
    const h = javaStringHashCode(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return distinct
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.k);
}
