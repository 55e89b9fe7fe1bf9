// The registry's domain types: what a registered schema version is, and the
// values of the subject/global settings. Shapes follow Confluent's REST JSON.

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** Data contracts: free-form metadata and rule sets are stored and returned as given. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One version of one subject, as stored in `_schemas`. */
export interface SchemaVersion {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  metadata: JsonObject | null;
  ruleSet: JsonObject | null;
  deleted: boolean;
}

export const COMPATIBILITY_LEVELS = [
  'NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper) ? (upper as CompatibilityLevel) : null;
}

export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type Mode = (typeof MODES)[number];

export function parseMode(value: unknown): Mode | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return (MODES as readonly string[]).includes(upper) ? (upper as Mode) : null;
}

/** A subject's or the global config (Confluent's ConfigValue; unset fields inherit from the global one). */
export interface RegistryConfig {
  compatibilityLevel?: CompatibilityLevel;
  normalize?: boolean;
  alias?: string;
  validateFields?: boolean;
  compatibilityGroup?: string;
  defaultMetadata?: JsonObject;
  overrideMetadata?: JsonObject;
  defaultRuleSet?: JsonObject;
  overrideRuleSet?: JsonObject;
}
