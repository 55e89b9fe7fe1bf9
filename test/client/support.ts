// Shared setup for the client's tests: one in-process broker per test file
// (failing the file if it logged an ERROR) and a connected KafkaClient.
// The files that use it (produce-fetch, groups, kafkajs-crosscheck,
// producer-recovery) also pass against Apache Kafka 4.1.1:
// TRIBUTARY_TEST_BOOTSTRAP=127.0.0.1:19092 with compat/kafka-server/start.sh.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { KafkaClient, KafkaClientError, type KafkaClientOptions } from '../../src/client/index.js';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../helpers/embedded-broker.js';
import { watchBrokerErrors } from '../integration/support.js';

export { uniqueTopic, sleep } from '../integration/support.js';

export interface ClientFixture {
  broker: EmbeddedBroker;
  client: KafkaClient;
  /** Another client of the same broker, closed after the file's tests. */
  connect(opts?: Partial<KafkaClientOptions>): Promise<KafkaClient>;
}

export function useBrokerAndKafkaClient(onStart: (f: ClientFixture) => void, opts: EmbeddedBrokerOptions = {}): void {
  let broker: EmbeddedBroker | undefined;
  const clients: KafkaClient[] = [];
  const watch = watchBrokerErrors();
  before(async () => {
    const b = await startEmbeddedBroker(opts);
    broker = b;
    const connect = async (o: Partial<KafkaClientOptions> = {}): Promise<KafkaClient> => {
      const c = await KafkaClient.connect({ bootstrap: [b.bootstrap], requestTimeoutMs: 10_000, ...o });
      clients.push(c);
      return c;
    };
    onStart({ broker: b, client: await connect(), connect });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await broker?.stop();
    watch.stop();
    assert.deepEqual(watch.errors(), [], 'the broker logged errors');
  });
}

/** Asserts that `p` rejects with a KafkaClientError of `code` whose message matches `message`. */
export async function rejectsWith(p: Promise<unknown>, code: number, message: RegExp): Promise<KafkaClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KafkaClientError, `expected a KafkaClientError, got ${String(e)}`);
    assert.equal(e.code, code, `error code of "${e.message}"`);
    assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a rejection');
}
