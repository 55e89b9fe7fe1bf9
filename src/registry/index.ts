// The Schema Registry as a platform service: a Kafka client keeping its state
// in `_schemas` (ARCHITECTURE.md principle 6), a Route for the HTTP server, and
// the leader election that lets several registries share one topic.

import { KafkaClient, type Transport } from '../client/index.js';
import type { Route } from '../http/server.js';
import { FORMATS } from './formats/index.js';
import { KafkaSchemaLog } from './kafka-schema-log.js';
import { LeaderElector, type RegistryIdentity } from './leader.js';
import { RegistryService } from './registry.js';
import { registryRoute, type WriteForwarder } from './rest.js';
import type { CompatibilityLevel } from './types.js';

export { RegistryService } from './registry.js';
export { registryRoute } from './rest.js';

export interface SchemaRegistryOptions {
  bootstrap: string[];
  /** Connects without TCP (the embedded platform's in-process streams). */
  transport?: Transport;
  topic?: string;
  prefix?: string;
  defaultCompatibility?: CompatibilityLevel;
  clientId?: string;
  /** schema.registry.group.id */
  groupId?: string;
  /** leader.eligibility */
  leaderEligible?: boolean;
  /** How long a write waits for a leader to be elected before 50004 (default 30 s). */
  electionTimeoutMs?: number;
}

export interface SchemaRegistry {
  service: RegistryService;
  route: Route;
  /** This registry's URL, known once the HTTP server is bound; the group is joined on the first write. */
  startElection(url: { scheme: string; host: string; port: number }): void;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Connects, replays `_schemas` (created on the first write), and returns the route to mount. */
export async function startSchemaRegistry(opts: SchemaRegistryOptions): Promise<SchemaRegistry> {
  const client = await KafkaClient.connect({
    bootstrap: opts.bootstrap, clientId: opts.clientId ?? 'schema-registry',
    ...(opts.transport !== undefined ? { transport: opts.transport } : {}),
  });
  const log = new KafkaSchemaLog(client, { createOnFirstWrite: true, ...(opts.topic !== undefined ? { topic: opts.topic } : {}) });
  const service = new RegistryService(log, {
    formats: FORMATS, ...(opts.defaultCompatibility !== undefined ? { defaultCompatibility: opts.defaultCompatibility } : {}),
  });
  try {
    await service.start();
  } catch (err) {
    await client.close();
    throw err;
  }
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  const electionTimeoutMs = opts.electionTimeoutMs ?? 30_000;
  let identity: RegistryIdentity | null = null;
  let elector: LeaderElector | null = null;
  let identityReady: () => void = () => {};
  const identityKnown = new Promise<void>((resolve) => { identityReady = resolve; });
  // The registry joins the group on its first write (reads never need a leader), so that a platform
  // whose registry is never written to has no group and no __consumer_offsets on its account.
  const ensureElector = (): LeaderElector => {
    if (elector === null) {
      elector = new LeaderElector(client, opts.groupId ?? 'schema-registry', identity!);
      elector.start();
    }
    return elector;
  };
  const forwarder: WriteForwarder = async (...args) => {
    await identityKnown;
    return ensureElector().forwarder(electionTimeoutMs, () => service.catchUp())(...args);
  };
  const route = registryRoute(service, { prefix, forwarder });
  return {
    service, route,
    startElection: (url) => {
      identity = {
        version: 1, host: url.host, port: url.port, scheme: url.scheme, leader_eligibility: opts.leaderEligible ?? true,
        ...(prefix !== '' ? { path: prefix } : {}),
      };
      identityReady();
      // A registry that has been written to before joins at once, so that the group's first-join
      // delay (group.initial.rebalance.delay.ms) passes before the next write rather than during it.
      if (service.appliedUpTo > 0) ensureElector();
    },
    isLeader: () => elector?.isLeader() ?? false,
    stop: async () => {
      await elector?.stop();
      await service.stop();
      await client.close();
    },
  };
}
