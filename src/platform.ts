// Starts the embedded platform: the partition store, the Kafka listeners and
// the HTTP server, and stops them in the reverse order.

import type { BrokerConfig } from './config/broker-config.js';
import { Broker, type AdvertisedListener } from './broker/broker.js';
import { HANDLERS } from './broker/handlers/index.js';
import { RequestRouter } from './broker/router.js';
import { KafkaServer } from './broker/server.js';
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

const log = createLogger('platform');

export interface RunningPlatform {
  kafka: { name: string; host: string; port: number }[];
  http: { host: string; port: number } | null;
  dataDir: string;
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

  const kafka = new KafkaServer(broker, router, config.int('socket.request.max.bytes'));
  let http: HttpServer | null = null;
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
    http = await startHttpServer(config.httpHost, config.httpPort, [
      ...httpAuthentication(config, apiKeys),
      healthRoute(() => ({ cluster_id: store.clusterId })),
      iamRoute(apiKeys, { clusterId: store.clusterId, superUsers: superUsers(config) }),
    ]);
  } catch (err) {
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
      // First, so that parked JoinGroup/SyncGroup requests are answered (NOT_COORDINATOR) and connections drain.
      groupCoordinator.stop();
      transactionCoordinator.stop();
      for (const j of jwksSources) j.stop();
      await kafka.close();
      await http?.close();
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
    stop,
  };
}

/**
 * Once a listener uses SASL the HTTP port asks for credentials too (Basic:
 * an API key and secret, or a PLAIN user of a listener's JAAS entry).
 */
function httpAuthentication(config: BrokerConfig, apiKeys: ApiKeyStore): Route[] {
  const saslListeners = config.listeners.filter((l) => usesSasl(l.securityProtocol));
  if (saslListeners.length === 0) return [];
  const jaasUsers = saslListeners.flatMap((l) => plainJaasUsersOf(config, l.name) ?? []);
  return [authenticationRoute(firstAccepting((key, secret) => apiKeys.authenticate(key, secret), ...jaasUsers))];
}

function superUsers(config: BrokerConfig): string[] {
  const raw = config.optional('super.users');
  return typeof raw === 'string' ? raw.split(';').map((s) => s.trim()).filter((s) => s !== '') : [];
}
