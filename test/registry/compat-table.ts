// Runs compatibility tables: each row registers the old versions (level NONE),
// then asks the registry whether the new schema is compatible at each level.
import assert from 'node:assert/strict';
import { FORMATS } from '../../src/registry/formats/index.js';
import { RegistryService } from '../../src/registry/registry.js';
import { InMemorySchemaLog } from '../../src/registry/schema-log.js';
import type { CompatibilityLevel, SchemaReference, SchemaType } from '../../src/registry/types.js';

export type Expectations = Partial<Record<CompatibilityLevel, boolean>>;

export interface CompatRow {
  name: string;
  /** Earlier versions, oldest first. */
  old: string[];
  new: string;
  expect: Expectations;
  references?: SchemaReference[];
}

/** Fills the unset levels from the set ones: FULL = BACKWARD and FORWARD; with a single old version, transitive = plain. */
export function complete(row: CompatRow): Record<CompatibilityLevel, boolean> {
  const e = { ...row.expect };
  if (e.FULL === undefined && e.BACKWARD !== undefined && e.FORWARD !== undefined) e.FULL = e.BACKWARD && e.FORWARD;
  if (row.old.length === 1) {
    e.BACKWARD_TRANSITIVE ??= e.BACKWARD;
    e.FORWARD_TRANSITIVE ??= e.FORWARD;
    e.FULL_TRANSITIVE ??= e.FULL;
  }
  e.NONE = true;
  for (const level of ['BACKWARD', 'FORWARD', 'FULL', 'BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE'] as const) {
    if (e[level] === undefined) throw new Error(`row "${row.name}" has no expectation for ${level}`);
  }
  return e as Record<CompatibilityLevel, boolean>;
}

export async function runCompatRow(type: SchemaType, row: CompatRow): Promise<void> {
  const service = new RegistryService(new InMemorySchemaLog(), { formats: FORMATS, writeTimeoutMs: 5_000 });
  await service.start();
  try {
    const subject = 'table';
    await service.setConfig(subject, { compatibilityLevel: 'NONE' });
    for (const schema of row.old) {
      await service.register(subject, { schema, schemaType: type, references: row.references ?? [], metadata: null, ruleSet: null }, false);
    }
    const expected = complete(row);
    for (const [level, ok] of Object.entries(expected) as [CompatibilityLevel, boolean][]) {
      await service.setConfig(subject, { compatibilityLevel: level });
      const reasons = service.testCompatibility(subject, null,
        { schema: row.new, schemaType: type, references: row.references ?? [], metadata: null, ruleSet: null }, false);
      assert.equal(reasons.length === 0, ok, `${row.name} at ${level}: expected ${ok ? 'compatible' : 'incompatible'}; reasons: ${reasons.join('; ')}`);
    }
  } finally {
    await service.stop();
  }
}
