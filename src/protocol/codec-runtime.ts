// Helpers shared by the generated codecs in ./generated: arrays, nullable
// checks and tagged-field sections. Kept small: the generated code does the rest inline.

import { ProtocolDecodeError, type Reader } from './reader.js';
import { Writer } from './writer.js';

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
/** The all-zero UUID in Kafka's printed form. */
export const UUID_ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';

export function readArray<T>(r: Reader, compact: boolean, nullable: false, field: string, element: (r: Reader) => T): T[];
export function readArray<T>(r: Reader, compact: boolean, nullable: boolean, field: string, element: (r: Reader) => T): T[] | null;
export function readArray<T>(r: Reader, compact: boolean, nullable: boolean, field: string, element: (r: Reader) => T): T[] | null {
  const n = r.arrayLength(compact);
  if (n < 0) {
    if (!nullable) throw new ProtocolDecodeError(`null for the non-nullable array ${field}`);
    return null;
  }
  // Grow as elements decode rather than trusting n: memory follows the bytes actually read.
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(element(r));
  return out;
}

export function readStruct<T>(r: Reader, nullable: boolean, field: string, read: (r: Reader) => T): T | null {
  if (!nullable) return read(r);
  const marker = r.int8();
  if (marker < 0) return null;
  if (marker !== 1) throw new ProtocolDecodeError(`invalid presence marker ${marker} for struct ${field}`);
  return read(r);
}

function nullViolation(field: string): never {
  throw new TypeError(`field ${field} is null but not nullable in this version`);
}

export function writeString(w: Writer, compact: boolean, nullable: boolean, field: string, s: string | null): void {
  if (s === null && !nullable) nullViolation(field);
  if (compact) w.compactNullableString(s);
  else w.nullableString(s);
}

export function writeBytes(w: Writer, compact: boolean, nullable: boolean, field: string, b: Buffer | null): void {
  if (b === null && !nullable) nullViolation(field);
  if (compact) w.compactNullableBytes(b);
  else w.nullableBytes(b);
}

export function writeArray<T>(
  w: Writer, compact: boolean, nullable: boolean, field: string, items: readonly T[] | null, element: (w: Writer, item: T) => void,
): void {
  if (items === null) {
    if (!nullable) nullViolation(field);
    w.arrayLength(-1, compact);
    return;
  }
  w.arrayLength(items.length, compact);
  for (let i = 0; i < items.length; i++) element(w, items[i]!);
}

export function writeStruct<T>(w: Writer, nullable: boolean, field: string, value: T | null, write: (w: Writer, v: T) => void): void {
  if (!nullable) {
    if (value === null) nullViolation(field);
    write(w, value);
    return;
  }
  if (value === null) {
    w.int8(-1);
    return;
  }
  w.int8(1);
  write(w, value);
}

/** A tagged field ready to be written: its tag and its encoded value. */
export type TaggedField = [tag: number, data: Buffer];

/** Encodes one tagged field's value on its own, as the section needs its size first. */
export function encodeTagged(tag: number, write: (w: Writer) => void): TaggedField {
  const w = new Writer(64);
  write(w);
  return [tag, w.toBuffer()];
}

export function writeTaggedFields(w: Writer, fields: readonly TaggedField[]): void {
  w.uvarint(fields.length);
  for (const [tag, data] of fields) {
    w.uvarint(tag);
    w.uvarint(data.length);
    w.raw(data);
  }
}

/** Structural equality for deciding whether a tagged struct differs from its default. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const va = (a as Record<string, unknown>)[k];
      const vb = (b as Record<string, unknown>)[k];
      // An absent input field means its default.
      if (va === undefined || vb === undefined) continue;
      if (!deepEqual(va, vb)) return false;
    }
    return true;
  }
  return false;
}
