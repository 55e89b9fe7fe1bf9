// Confluent's compatibility levels composed from a format's reader/writer check:
// BACKWARD = the new schema reads data written with the old one, FORWARD = the
// old reads the new, FULL = both; plain levels compare with the latest live
// version, *_TRANSITIVE ones with every live version (newest first).

import type { ParsedSchema, SchemaFormat } from './formats/format.js';
import type { CompatibilityLevel, SchemaVersion } from './types.js';

/** Reasons `candidate` is not compatible at `level` with `previous` (oldest first); empty when it is. */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: SchemaVersion[],
  formatOf: (v: SchemaVersion) => SchemaFormat,
  parseStored: (v: SchemaVersion) => ParsedSchema,
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? [...previous].reverse() : [previous[previous.length - 1]!];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  for (const old of against) {
    if (old.schemaType !== candidate.type) {
      return ['Incompatible because of different schema type', `{oldSchemaVersion: ${old.version}}`, `{compatibility: '${level}'}`];
    }
    const format = formatOf(old);
    let parsedOld: ParsedSchema;
    try {
      parsedOld = parseStored(old);
    } catch {
      continue; // a stored schema this registry cannot parse cannot constrain the new one
    }
    const reasons: string[] = [];
    if (backward) reasons.push(...format.check(candidate, parsedOld, { readerLabel: 'new', writerLabel: 'old' }));
    if (forward) reasons.push(...format.check(parsedOld, candidate, { readerLabel: 'old', writerLabel: 'new' }));
    if (reasons.length > 0) {
      // Confluent's verbose form: the reasons, then which version and level they come from.
      return [...reasons, `{oldSchemaVersion: ${old.version}}`, `{oldSchema: '${old.schema}'}`, `{compatibility: '${level}'}`];
    }
  }
  return [];
}
