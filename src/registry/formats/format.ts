// What each schema format (Avro, JSON Schema, Protobuf) provides to the
// registry: parsing with references into a canonical string, and a
// reader/writer compatibility check. The registry composes checks into
// Confluent's levels (BACKWARD = the new schema reads data written with the
// old one; FORWARD = the old reads the new; FULL = both).

import type { SchemaReference, SchemaType } from '../types.js';

/** A reference resolved to the schema text it names, with that schema's own references resolved. */
export interface ResolvedReference extends SchemaReference {
  schemaType: SchemaType;
  schema: string;
  references: ResolvedReference[];
}

export interface ParsedSchema {
  readonly type: SchemaType;
  /** The form stored in `_schemas`, returned by GET and compared when looking a schema up. */
  readonly canonical: string;
}

export interface CompatibilityContext {
  /** How the reader and writer are called in messages ('new'/'old' or 'old'/'new'). */
  readerLabel: string;
  writerLabel: string;
}

export interface SchemaFormat<P extends ParsedSchema = ParsedSchema> {
  readonly type: SchemaType;
  /** Parses and validates; throws InvalidSchemaError with a reason. `normalize` gives the normalized canonical form. */
  parse(schema: string, references: ResolvedReference[], normalize: boolean): P;
  /** Reasons why `reader` cannot read data written with `writer` (empty when it can). */
  check(reader: P, writer: P, ctx: CompatibilityContext): string[];
  /** The schema text in another output format (`?format=` on GET), or null if the format is unknown. */
  formatted?(parsed: P, format: string): string | null;
}

export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}
