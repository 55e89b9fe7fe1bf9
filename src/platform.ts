// Starts the embedded platform: the partition store, the Kafka listeners, the
// platform services (Schema Registry) as clients of those listeners, and the
// HTTP server; stops them in the reverse order.

import type { Duplex } from 'node:stream';
import type { BrokerConfig } from './config/broker-config.js';
import { Broker, type AdvertisedListener } from './broker/broker.js';
import { HANDLERS } from './broker/handlers/index.js';
import { RequestRouter } from './broker/router.js';
import { KafkaServer } from './broker/server.js';
import { BlockProducerIdAllocator } from './coordinator/producer-ids.js';
import { GroupCoordinator, groupCoordinatorConfigFrom } from './coordinator/group-coordinator.js';
import { healthRoute, startHttpServer, type HttpServer, type Route } from './http/server.js';
import { createLogger } from './observability/logger.js';
import { LocalPartitionStore } from './storage/local-store.js';
import { startSchemaRegistry, type SchemaRegistry } from './registry/index.js';
import { parseCompatibilityLevel } from './registry/types.js';

const log = createLogger('platform');

export interface RunningPlatform {
  kafka: { name: string; host: string; port: number }[];
  http: { host: string; port: number } | null;
  dataDir: string;
  /** A connection to the first Kafka listener without TCP, for the platform's own services (a KafkaClient transport). */
  connectInProcess(): Duplex;
  stop(): Promise<void>;
}

export async function startPlatform(config: BrokerConfig): Promise<RunningPlatform> {
  const store = await LocalPartitionStore.open(config);
  const router = new RequestRouter(HANDLERS);
  // Advertised endpoints are known only once the listeners are bound (port 0 = ephemeral).
  const advertised: AdvertisedListener[] = [];
  const producerIds = new BlockProducerIdAllocator(store.metadata.producerIdBlockEnd, (end) => store.metadata.reserveProducerIds(end));
  const groupCoordinator = new GroupCoordinator(store, groupCoordinatorConfigFrom(config));
  const broker = new Broker({
    nodeId: config.nodeId,
    rack: config.optional('broker.rack') as string | null,
    advertised,
    autoCreateTopics: config.bool('auto.create.topics.enable'),
    numPartitions: config.int('num.partitions'),
    deleteTopicEnable: config.bool('delete.topic.enable'),
    fetchMaxBytes: config.int('fetch.max.bytes'),
    fetchSessionCacheSlots: config.int('max.incremental.fetch.session.cache.slots'),
  }, store, router, producerIds, groupCoordinator);
  // Loads __consumer_offsets in the background; group requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile.
  void groupCoordinator.start();

  const kafka = new KafkaServer(broker, router, config.int('socket.request.max.bytes'));
  let http: HttpServer | null = null;
  let registry: SchemaRegistry | null = null;
  try {
    for (const listener of config.listeners) {
      const bound = await kafka.listen({ name: listener.name, host: listener.host, port: listener.port });
      const adv = config.advertisedListeners.find((a) => a.name === listener.name);
      advertised.push({
        listenerName: listener.name,
        host: adv?.host ?? bound.host,
        port: adv === undefined || adv.port === 0 ? bound.port : adv.port,
      });
    }
    const routes: Route[] = [healthRoute(() => ({ cluster_id: store.clusterId }))];
    if (config.bool('schema.registry.enable')) {
      const external = registryExternalBootstrap(config);
      const ownListener = kafka.listeners[0]!.name;
      registry = await startSchemaRegistry({
        // Embedded, the registry reaches its own broker in-process; kafkastore.bootstrap.servers points it elsewhere.
        bootstrap: external ?? registryBootstrap(advertised),
        ...(external === null ? { transport: () => kafka.connectInProcess(ownListener) } : {}),
        topic: config.string('kafkastore.topic'),
        groupId: config.string('schema.registry.group.id'),
        leaderEligible: config.bool('leader.eligibility'),
        prefix: config.string('schema.registry.path.prefix'),
        defaultCompatibility: parseCompatibilityLevel(config.string('schema.compatibility.level')) ?? 'BACKWARD',
      });
      routes.push(registry.route);
    }
    http = await startHttpServer(config.httpHost, config.httpPort, routes);
    const httpHost = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
    registry?.startElection({ scheme: 'http', host: httpHost, port: http.port });
  } catch (err) {
    await registry?.stop();
    await kafka.close(0);
    groupCoordinator.stop();
    await store.close();
    throw err;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // The services first: they are clients of the listeners closed below.
      await http?.close();
      await registry?.stop();
      // Then the coordinator, so that parked JoinGroup/SyncGroup requests are answered (NOT_COORDINATOR) and connections drain.
      groupCoordinator.stop();
      await kafka.close();
      await store.close();
      log.info('stopped cleanly');
    })();
    return stopping;
  };
  return {
    kafka: kafka.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })),
    http: { host: http.host, port: http.port },
    dataDir: config.dataDir,
    connectInProcess: () => kafka.connectInProcess(kafka.listeners[0]!.name),
    stop,
  };
}

/** kafkastore.bootstrap.servers (Confluent's `PLAINTEXT://host:port` form accepted), or null when unset. */
function registryExternalBootstrap(config: BrokerConfig): string[] | null {
  const configured = config.optional('kafkastore.bootstrap.servers');
  const list = Array.isArray(configured) ? configured.map(String).filter((s) => s !== '') : [];
  return list.length > 0 ? list.map((s) => s.replace(/^[A-Z_]+:\/\//, '')) : null;
}

/** This process's first listener, as its metadata advertises it (the in-process transport ignores the address). */
function registryBootstrap(advertised: AdvertisedListener[]): string[] {
  const own = advertised[0];
  if (own === undefined) throw new Error('the Schema Registry needs a Kafka listener');
  const host = own.host === '0.0.0.0' || own.host === '::' || own.host === '' ? '127.0.0.1' : own.host;
  return [`${host}:${own.port}`];
}
