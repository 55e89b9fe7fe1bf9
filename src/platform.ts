// Starts the embedded platform: the partition store, the Kafka listeners, the
// platform services (Schema Registry) as clients of those listeners, and the
// HTTP server; stops them in the reverse order.

import type { Duplex } from 'node:stream';
import type { BrokerConfig } from './config/broker-config.js';
import { Broker, type AdvertisedListener } from './broker/broker.js';
import { HANDLERS } from './broker/handlers/index.js';
import { RequestRouter } from './broker/router.js';
import { KafkaServer } from './broker/server.js';
import { RequestMemory } from './broker/request-memory.js';
import { connectionLimitsFrom } from './broker/connection-quotas.js';
import { BlockProducerIdAllocator } from './coordinator/producer-ids.js';
import { GroupCoordinator, groupCoordinatorConfigFrom } from './coordinator/group-coordinator.js';
import { TransactionCoordinator, transactionCoordinatorConfigFrom } from './coordinator/transaction-coordinator.js';
import { healthRoute, startHttpServer, type HttpServer, type Route } from './http/server.js';
import { authenticationRoute } from './http/auth.js';
import { ApiKeyStore } from './security/api-keys.js';
import { AuditLogger, auditLogConfigFrom } from './security/audit-log.js';
import { iamRoute } from './security/iam-rest.js';
import { firstAccepting } from './security/sasl/plain.js';
import { createLogger } from './observability/logger.js';
import { LocalPartitionStore } from './storage/local-store.js';
import { listenerSecurityFor, plainJaasUsersOf, usesSasl, type ListenerSecurity } from './security/listener-security.js';
import { LoggedScramCredentialStore } from './security/scram-credentials.js';
import { Authorizer, parseSuperUsers } from './security/authorizer.js';
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
  const scramCredentials = new LoggedScramCredentialStore(store.metadata);
  const apiKeys = new ApiKeyStore(store.metadata);
  const audit = config.bool('audit.log.enable') ? new AuditLogger(store, store.clusterId, auditLogConfigFrom(config)) : undefined;
  const authorizerClass = config.optional('authorizer.class.name');
  const authorizer = typeof authorizerClass === 'string' && authorizerClass.trim() !== ''
    ? new Authorizer(store.metadata, { superUsers: parseSuperUsers(config.optional('super.users') as string | null), allowEveryoneIfNoAclFound: config.bool('allow.everyone.if.no.acl.found') })
    : null;
  // Authorization decisions are audited where they are made (src/security/request-authorization.ts).
  if (authorizer !== null && audit !== undefined) authorizer.audit = audit;
  // Key stores and mechanisms are checked before any listener opens: a bad path is a ConfigError, not a half-started broker.
  let security: Map<string, ListenerSecurity | undefined>;
  try {
    security = new Map(config.listeners.map((l) => [l.name, l.securityProtocol === 'PLAINTEXT' ? undefined : listenerSecurityFor(config, l, { scramCredentials, apiKeys, ...(audit !== undefined ? { audit } : {}) })]));
  } catch (err) {
    await store.close();
    throw err;
  }
  const jwksSources = [...security.values()].flatMap((s) => s?.jwks ?? []);
  // The first JWKS fetch before clients come: a failure is logged and retried when a token needs a key.
  await Promise.all(jwksSources.map((j) => j.start()));
  // Advertised endpoints are known only once the listeners are bound (port 0 = ephemeral).
  const advertised: AdvertisedListener[] = [];
  const producerIds = new BlockProducerIdAllocator(store.metadata.producerIdBlockEnd, (end) => store.metadata.reserveProducerIds(end));
  const groupCoordinator = new GroupCoordinator(store, groupCoordinatorConfigFrom(config));
  const transactionCoordinator = new TransactionCoordinator(store, producerIds, transactionCoordinatorConfigFrom(config));
  // Markers in __consumer_offsets settle the transactional offset commits they end.
  transactionCoordinator.onMarker((topic, partition, producerId, commit) => groupCoordinator.onTransactionMarker(topic, partition, producerId, commit));
  const broker = new Broker({
    nodeId: config.nodeId,
    rack: config.optional('broker.rack') as string | null,
    advertised,
    autoCreateTopics: config.bool('auto.create.topics.enable'),
    numPartitions: config.int('num.partitions'),
    deleteTopicEnable: config.bool('delete.topic.enable'),
    fetchMaxBytes: config.int('fetch.max.bytes'),
    fetchSessionCacheSlots: config.int('max.incremental.fetch.session.cache.slots'),
  }, store, router, producerIds, groupCoordinator, transactionCoordinator, scramCredentials, authorizer);
  // Loads __consumer_offsets in the background; group requests answer COORDINATOR_LOAD_IN_PROGRESS meanwhile.
  void groupCoordinator.start();
  void transactionCoordinator.start();

  const kafka = new KafkaServer({
    broker, router,
    maxRequestBytes: config.int('socket.request.max.bytes'),
    maxInFlightRequests: config.int('queued.max.requests'),
    requestMemory: new RequestMemory(config.long('queued.max.request.bytes')),
    idleTimeoutMs: config.long('connections.max.idle.ms'),
    // Dynamic: read from the config in effect at each accept.
    connectionLimits: () => connectionLimitsFrom(store.brokerConfig),
  });
  store.onBrokerConfigChange(() => kafka.connectionLimitsChanged());
  let http: HttpServer | null = null;
  let registry: SchemaRegistry | null = null;
  try {
    for (const listener of config.listeners) {
      const listenerSecurity = security.get(listener.name);
      const bound = await kafka.listen({
        name: listener.name, host: listener.host, port: listener.port,
        ...(listenerSecurity !== undefined ? { security: listenerSecurity } : {}),
      });
      const adv = config.advertisedListeners.find((a) => a.name === listener.name);
      advertised.push({
        listenerName: listener.name,
        host: adv?.host ?? bound.host,
        port: adv === undefined || adv.port === 0 ? bound.port : adv.port,
      });
    }
    const routes: Route[] = [
      ...httpAuthentication(config, apiKeys, security),
      healthRoute(() => ({ cluster_id: store.clusterId })),
      iamRoute(apiKeys, { clusterId: store.clusterId, superUsers: superUsers(config) }),
    ];
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
    transactionCoordinator.stop();
    for (const j of jwksSources) j.stop();
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
      transactionCoordinator.stop();
      for (const j of jwksSources) j.stop();
      await kafka.close();
      await audit?.stop();
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

/**
 * Once a listener uses SASL the HTTP port asks for credentials too: Basic (an
 * API key and secret, or a PLAIN user of a listener's JAAS entry) or Bearer (a
 * JWT, validated as the first SASL listener enabling OAUTHBEARER validates it).
 */
function httpAuthentication(config: BrokerConfig, apiKeys: ApiKeyStore, security: Map<string, ListenerSecurity | undefined>): Route[] {
  const saslListeners = config.listeners.filter((l) => usesSasl(l.securityProtocol));
  if (saslListeners.length === 0) return [];
  const jaasUsers = saslListeners.flatMap((l) => plainJaasUsersOf(config, l.name) ?? []);
  const bearer = saslListeners.map((l) => security.get(l.name)?.oauthBearer ?? null).find((v) => v !== null) ?? null;
  return [authenticationRoute({ basic: firstAccepting((key, secret) => apiKeys.authenticate(key, secret), ...jaasUsers), bearer })];
}

function superUsers(config: BrokerConfig): string[] {
  const raw = config.optional('super.users');
  return typeof raw === 'string' ? raw.split(';').map((s) => s.trim()).filter((s) => s !== '') : [];
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
