// What AlterConfigs and IncrementalAlterConfigs share: resolving a resource
// to the overrides it holds, and storing the new set. Topic resources hold
// the topic's overrides; BROKER "<node id>" the dynamic per-broker configs and
// BROKER "" the cluster-wide dynamic defaults. Broker config errors (read-only,
// bad value, per-broker only at the default) are INVALID_REQUEST, topic config
// errors INVALID_CONFIG, as Kafka answers. Deliberate differences: BROKER_LOGGER
// is INVALID_REQUEST in both APIs (Kafka's IncrementalAlterConfigs sets log4j
// levels; ours are not adjustable over the protocol), and an unknown broker
// config name is rejected (Kafka stores it for plugins; nothing here reads one).

import { ErrorCode } from '../../protocol/generated/index.js';
import { brokerConfigDefinition } from '../../config/broker-config.js';
import { topicConfigDefinition } from '../../config/topic-config.js';
import type { Broker } from '../broker.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

export type Failure = { errorCode: Exclude<ErrorCode, ErrorCode.NONE>; errorMessage: string };

export interface ConfigTarget {
  /** The overrides the resource holds now. */
  current: Record<string, string>;
  /** The config's type ('list', 'int', ...), or undefined for an unknown name. */
  typeOf(name: string): string | undefined;
  /** The value in effect when there is no override (for APPEND/SUBTRACT), or null. */
  inherited(name: string): string | null;
  /** Validates, and unless validateOnly persists and applies, the resource's new overrides. */
  store(configs: Record<string, string>, validateOnly: boolean): Failure | null;
}

export function resolveTarget(broker: Broker, resourceType: number, resourceName: string): ConfigTarget | Failure {
  const { store } = broker;
  if (resourceType === RESOURCE_TOPIC) {
    const topic = store.getTopic(resourceName);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${resourceName}' does not exist.` };
    return {
      current: { ...topic.configs },
      typeOf: (name) => topicConfigDefinition(name)?.type,
      inherited(name) {
        const d = store.describeTopicConfigs(resourceName, false, false);
        if (d.errorCode !== ErrorCode.NONE) return null;
        return d.entries.find((e) => e.name === name)?.value ?? null;
      },
      store(configs, validateOnly) {
        const r = store.setTopicConfigs(resourceName, configs, validateOnly);
        return r.errorCode === ErrorCode.NONE ? null : { errorCode: r.errorCode, errorMessage: r.errorMessage ?? 'Invalid config.' };
      },
    };
  }
  if (resourceType === RESOURCE_BROKER) {
    const clusterDefault = resourceName === '';
    if (!clusterDefault && !/^-?\d+$/.test(resourceName)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Node id must be an integer, but it is: ${resourceName}` };
    }
    if (!clusterDefault && Number(resourceName) !== broker.nodeId) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.nodeId}, but received ${resourceName}` };
    }
    const dynamic = store.dynamicBrokerConfigs();
    return {
      current: { ...(clusterDefault ? dynamic.clusterDefaults : dynamic.perBroker) },
      typeOf: (name) => brokerConfigDefinition(name)?.type,
      inherited(name) {
        return store.describeBrokerConfigs(false, false).find((e) => e.name === name)?.value ?? null;
      },
      store(configs, validateOnly) {
        const r = store.setDynamicBrokerConfigs(clusterDefault ? { ...dynamic, clusterDefaults: configs } : { ...dynamic, perBroker: configs }, validateOnly);
        if (r.errorCode === ErrorCode.NONE) return null;
        return { errorCode: r.errorCode === ErrorCode.INVALID_CONFIG ? ErrorCode.INVALID_REQUEST : r.errorCode, errorMessage: r.errorMessage ?? 'Invalid config.' };
      },
    };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown resource type ${resourceType}` };
}

export function isFailure(x: ConfigTarget | Failure): x is Failure {
  return 'errorCode' in x;
}

/** Kafka answers each duplicated (type, name) resource of one request with INVALID_REQUEST. */
export const DUPLICATE_RESOURCE = 'Each resource must appear at most once.';

export function duplicateResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`;
    (seen.has(key) ? dup : seen).add(key);
  }
  return dup;
}

/**
 * The per-resource results of an AlterConfigs-style request: a resource named
 * twice fails as a whole (INVALID_REQUEST), the others are altered one by one.
 */
export function alterEachResource<R extends { resourceType: number; resourceName: string }>(
  resources: readonly R[],
  alterOne: (res: R) => Failure | null,
  /** The authorization error for a resource, or NONE (ALTER_CONFIGS; Kafka answers it without a message). */
  refusal: (res: R) => ErrorCode = () => ErrorCode.NONE,
): { errorCode: ErrorCode; errorMessage: string | null; resourceType: number; resourceName: string }[] {
  const dup = duplicateResources(resources);
  return resources.map((res) => {
    if (dup.has(`${res.resourceType}:${res.resourceName}`)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: DUPLICATE_RESOURCE, resourceType: res.resourceType, resourceName: res.resourceName };
    }
    const refused = refusal(res);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, errorMessage: null, resourceType: res.resourceType, resourceName: res.resourceName };
    const failed = alterOne(res);
    return {
      errorCode: failed?.errorCode ?? ErrorCode.NONE,
      errorMessage: failed?.errorMessage ?? null,
      resourceType: res.resourceType,
      resourceName: res.resourceName,
    };
  });
}
