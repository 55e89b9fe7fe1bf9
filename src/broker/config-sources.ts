// DescribeConfigs' numeric config sources, by the names the config module uses.

import type { ConfigEntryInfo } from './partition-store.js';

const CODES: Record<ConfigEntryInfo['source'], number> = {
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

export function configSourceCode(source: ConfigEntryInfo['source']): number {
  return CODES[source];
}

/** DescribeConfigs' config types (v3+), from the config module's type names. */
const TYPES: Record<string, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
};

export function configTypeCode(type: string): number {
  return TYPES[type] ?? 0;
}
