// DescribeConfigs, v0-4: topic and broker resources, with synonyms (v1+) and
// documentation (v3+). Broker loggers and other resource types are not served yet.

import {
  ApiKey, ErrorCode,
  type DescribeConfigsRequest, type DescribeConfigsResponseDescribeConfigsResultInput, type DescribeConfigsResponseInput,
} from '../../protocol/generated/index.js';
import { AclOperation } from '../../security/acl.js';
import { configResourceRefusal } from '../../security/request-authorization.js';
import { defineHandler } from '../api-handler.js';
import { CONFIG_SOURCE_IDS, CONFIG_TYPE_IDS, type ConfigEntry } from '../../config/values.js';

const TOPIC = 2;
const BROKER = 4;

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponseInput>({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker } = ctx;
    const version = ctx.header.apiVersion;
    const results = req.resources.map((res): DescribeConfigsResponseDescribeConfigsResultInput => {
      const fail = (errorCode: ErrorCode, errorMessage: string) =>
        ({ errorCode, errorMessage, resourceType: res.resourceType, resourceName: res.resourceName, configs: [] });
      // Kafka: DESCRIBE_CONFIGS on the topic, group or cluster, before the resource is looked up.
      const refused = configResourceRefusal(ctx, AclOperation.DESCRIBE_CONFIGS, res.resourceType, res.resourceName);
      if (refused !== ErrorCode.NONE) return { errorCode: refused, errorMessage: null, resourceType: res.resourceType, resourceName: res.resourceName, configs: [] };
      let entries: ConfigEntry[];
      if (res.resourceType === TOPIC) {
        const described = broker.store.describeTopicConfigs(res.resourceName, req.includeSynonyms, req.includeDocumentation);
        if (described.errorCode !== ErrorCode.NONE) return fail(described.errorCode, described.errorMessage ?? `Topic ${res.resourceName} does not exist.`);
        entries = described.entries;
      } else if (res.resourceType === BROKER) {
        if (res.resourceName === '') {
          // The cluster-wide default resource lists only the dynamic cluster defaults, as Kafka does.
          const defaults = broker.store.dynamicBrokerConfigs().clusterDefaults;
          const described = new Map(broker.store.describeBrokerConfigs(false, req.includeDocumentation).map((e) => [e.name, e]));
          entries = Object.keys(defaults).sort().map((name) => {
            const value = defaults[name]!;
            const base = described.get(name);
            return {
              name,
              value,
              source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' as const,
              isSensitive: base?.isSensitive ?? false,
              readOnly: false,
              type: base?.type ?? 'STRING',
              documentation: base?.documentation ?? null,
              synonyms: [{ name, value, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' as const }],
            };
          });
        } else if (res.resourceName !== String(broker.nodeId)) {
          return fail(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${res.resourceName}`);
        } else {
          entries = broker.store.describeBrokerConfigs(req.includeSynonyms, req.includeDocumentation);
        }
      } else {
        return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${res.resourceType}`);
      }
      const wanted = res.configurationKeys === null ? null : new Set(res.configurationKeys);
      const configs = entries
        .filter((e) => wanted === null || wanted.has(e.name))
        .map((e) => ({
          name: e.name,
          value: e.isSensitive ? null : e.value,
          readOnly: e.readOnly,
          isDefault: e.source === 'DEFAULT_CONFIG',
          configSource: CONFIG_SOURCE_IDS[e.source],
          isSensitive: e.isSensitive,
          synonyms: version >= 1 && req.includeSynonyms
            ? e.synonyms.map((s) => ({ name: s.name, value: e.isSensitive ? null : s.value, source: CONFIG_SOURCE_IDS[s.source] }))
            : [],
          configType: CONFIG_TYPE_IDS[e.type],
          documentation: req.includeDocumentation ? e.documentation : null,
        }));
      // Kafka answers an empty message, not null, on success.
      return { errorCode: ErrorCode.NONE, errorMessage: '', resourceType: res.resourceType, resourceName: res.resourceName, configs };
    });
    return { throttleTimeMs: 0, results };
  },
});
