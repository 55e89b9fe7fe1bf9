// Config value types, parsing and validation shared by broker and topic configs.
// Parsing and messages follow Kafka's ConfigDef so errors read the same:
// "Invalid value abc for configuration retention.ms: Not a number of type LONG".

export type ConfigType = 'int' | 'short' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

/** How a property may change at run time, in Kafka's words (the "Update Mode" column of its docs). */
export type DynamicMode = 'read-only' | 'per-broker' | 'cluster-wide';

export type Validator =
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'one-of'; values: readonly string[]; ignoreCase?: boolean }
  /** Every element of a list must be one of `values`. */
  | { kind: 'list-of'; values: readonly string[]; allowEmpty?: boolean }
  | { kind: 'non-empty' };

export interface ConfigDefinition {
  name: string;
  type: ConfigType;
  /** Kafka's string form of the default, or null when there is none. */
  default: string | null;
  validator?: Validator;
  /** One line. */
  doc: string;
  dynamic: DynamicMode;
  /** false: accepted so a Kafka config file works as is, but it has no effect here. */
  implemented: boolean;
  /** Hidden from DescribeConfigs unless set (Kafka's internal configs). */
  internal?: boolean;
}

/** A parsed value. int/short/long are JS numbers; Long.MAX_VALUE becomes Number.MAX_SAFE_INTEGER. */
export type ConfigValue = number | boolean | string | string[];

export interface ParsedValue {
  value: ConfigValue;
  /** Kafka's string form (ConfigDef.convertToString): exact for longs beyond 2^53. */
  text: string;
  /** The exact integer for int/short/long. */
  big?: bigint;
}

/** DescribeConfigs' config type names (the wire's configType values 1-9). */
export type DescribeConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

export type ConfigSource =
  | 'TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG';

/** The wire ids of DescribeConfigs' config sources. */
export const CONFIG_SOURCE_IDS: Readonly<Record<ConfigSource, number>> = {
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

/** The wire ids of DescribeConfigs' config types (0 is UNKNOWN). */
export const CONFIG_TYPE_IDS: Readonly<Record<DescribeConfigType, number>> = {
  BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9,
};

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

/** One entry of a DescribeConfigs result. */
export interface ConfigEntry {
  name: string;
  /** null when sensitive or when unset without a default. */
  value: string | null;
  source: ConfigSource;
  isSensitive: boolean;
  readOnly: boolean;
  type: DescribeConfigType;
  documentation: string | null;
  synonyms: ConfigSynonym[];
}

export function describeType(type: ConfigType): DescribeConfigType {
  return type.toUpperCase() as DescribeConfigType;
}

/** Thrown by parseValue; carries Kafka's message ("Invalid value X for configuration Y: why"). */
export class InvalidValueError extends Error {
  readonly property: string;
  readonly value: string;
  constructor(property: string, value: string, reason: string) {
    super(`Invalid value ${value} for configuration ${property}: ${reason}`);
    this.name = 'InvalidValueError';
    this.property = property;
    this.value = value;
  }
}

const INT_RANGE = { min: -(2n ** 31n), max: 2n ** 31n - 1n, label: 'INT' };
const SHORT_RANGE = { min: -(2n ** 15n), max: 2n ** 15n - 1n, label: 'SHORT' };
const LONG_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n, label: 'LONG' };

export const LONG_MAX_VALUE = '9223372036854775807';

/** Clamps an exact integer to the JS safe range (Long.MAX_VALUE -> Number.MAX_SAFE_INTEGER). */
export function toSafeNumber(big: bigint): number {
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(big);
}

function parseInteger(name: string, raw: string, trimmed: string, range: typeof INT_RANGE): ParsedValue {
  if (!/^[+-]?\d+$/.test(trimmed)) throw new InvalidValueError(name, raw, `Not a number of type ${range.label}`);
  const big = BigInt(trimmed);
  if (big < range.min || big > range.max) throw new InvalidValueError(name, raw, `Not a number of type ${range.label}`);
  return { value: toSafeNumber(big), text: big.toString(), big };
}

/** Parses and validates one value as Kafka's ConfigDef would. Throws InvalidValueError. */
export function parseValue(def: Pick<ConfigDefinition, 'name' | 'type' | 'validator'>, raw: string): ParsedValue {
  const name = def.name;
  const trimmed = raw.trim();
  let parsed: ParsedValue;
  switch (def.type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw new InvalidValueError(name, raw, 'Expected value to be either true or false');
      parsed = { value: lower === 'true', text: lower };
      break;
    }
    case 'int': parsed = parseInteger(name, raw, trimmed, INT_RANGE); break;
    case 'short': parsed = parseInteger(name, raw, trimmed, SHORT_RANGE); break;
    case 'long': parsed = parseInteger(name, raw, trimmed, LONG_RANGE); break;
    case 'double': {
      // Java's Double.parseDouble: decimal or exponent forms, an optional d/f suffix, Infinity, NaN.
      const body = trimmed.replace(/[dDfF]$/, '');
      const ok = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body) || /^[+-]?(Infinity|NaN)$/.test(body);
      if (!ok) throw new InvalidValueError(name, raw, 'Not a number of type DOUBLE');
      parsed = { value: Number(body), text: trimmed };
      break;
    }
    case 'list': {
      const items = trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
      parsed = { value: items, text: items.join(',') };
      break;
    }
    case 'password':
      parsed = { value: raw, text: raw };
      break;
    case 'string':
    case 'class':
      parsed = { value: trimmed, text: trimmed };
      break;
  }
  if (def.validator !== undefined) validate(name, raw, parsed, def.validator);
  return parsed;
}

function validate(name: string, raw: string, parsed: ParsedValue, validator: Validator): void {
  switch (validator.kind) {
    case 'range': {
      const n = typeof parsed.value === 'number' ? parsed.value : NaN;
      const exact = parsed.big;
      const below = validator.min !== undefined && (exact !== undefined ? exact < BigInt(validator.min) : !(n >= validator.min));
      const above = validator.max !== undefined && (exact !== undefined ? exact > BigInt(validator.max) : !(n <= validator.max));
      if (below) throw new InvalidValueError(name, raw, `Value must be at least ${validator.min}`);
      if (above) throw new InvalidValueError(name, raw, `Value must be no more than ${validator.max}`);
      return;
    }
    case 'one-of': {
      const s = String(parsed.value);
      const ok = validator.ignoreCase === true
        ? validator.values.some((v) => v.toLowerCase() === s.toLowerCase())
        : validator.values.includes(s);
      if (!ok) throw new InvalidValueError(name, raw, `String must be one of: ${validator.values.join(', ')}`);
      return;
    }
    case 'list-of': {
      const items = parsed.value as string[];
      if (items.length === 0 && validator.allowEmpty === false) throw new InvalidValueError(name, raw, 'Empty list is not allowed');
      for (const item of items) {
        if (!validator.values.includes(item.toLowerCase())) {
          throw new InvalidValueError(name, raw, `String must be one of: ${validator.values.join(', ')}`);
        }
      }
      return;
    }
    case 'non-empty':
      if (String(parsed.value) === '') throw new InvalidValueError(name, raw, 'String may not be empty');
      return;
  }
}

/** A one-line description of a validator, for help and docs. */
export function describeValidator(validator: Validator | undefined): string {
  if (validator === undefined) return '';
  switch (validator.kind) {
    case 'range':
      if (validator.min !== undefined && validator.max !== undefined) return `[${validator.min},...,${validator.max}]`;
      if (validator.min !== undefined) return `[${validator.min},...]`;
      return `[...,${validator.max}]`;
    case 'one-of':
    case 'list-of':
      return `[${validator.values.join(', ')}]`;
    case 'non-empty':
      return 'non-empty string';
  }
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The known name closest to `name`, if one is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 4));
  return bestDistance <= limit ? best : undefined;
}
