// Avro: parsing (names resolved across references, validated with avsc), a
// canonical string in the shape Java's Schema.toString() gives (what Confluent
// stores and compares), and the Avro specification's schema resolution rules
// as the compatibility check (the rules Java's SchemaCompatibility implements).

import type avro from 'avsc';
import type { CompatibilityContext, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';
import { InvalidSchemaError } from './format.js';
import { avscLibrary } from './libraries.js';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export type AvroNode =
  | { kind: 'primitive'; name: string }
  | { kind: 'record'; fullName: string; aliases: string[]; fields: AvroField[] }
  | { kind: 'enum'; fullName: string; aliases: string[]; symbols: string[]; default: string | null }
  | { kind: 'fixed'; fullName: string; aliases: string[]; size: number }
  | { kind: 'array'; items: AvroNode }
  | { kind: 'map'; values: AvroNode }
  | { kind: 'union'; types: AvroNode[] };

export interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
}

type Named = Extract<AvroNode, { fullName: string }>;

export interface AvroSchema extends ParsedSchema {
  readonly type: 'AVRO';
  readonly root: AvroNode;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };

const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Walks a schema's JSON once, resolving names into nodes and writing the canonical JSON. */
class AvroParser {
  /** Named types by full name: those of the references first, then this schema's. */
  readonly names = new Map<string, Named>();
  /** Full names already written in this schema's canonical output (later uses are by name). */
  private written = new Set<string>();

  constructor(private readonly qualifyAll: boolean) {}

  parseRoot(json: Json): { node: AvroNode; canonical: Json } {
    this.written = new Set();
    return this.parse(json, '', '');
  }

  private fullName(name: string, namespace: string): string {
    if (name.includes('.')) return name;
    return namespace === '' ? name : `${namespace}.${name}`;
  }

  private namespaceOf(full: string): string {
    const i = full.lastIndexOf('.');
    return i < 0 ? '' : full.slice(0, i);
  }

  /** How a named type is referred to from inside `namespace` (Java writes the short name in its own namespace). */
  private refName(full: string, namespace: string): string {
    if (this.qualifyAll) return full;
    return this.namespaceOf(full) === namespace ? full.slice(full.lastIndexOf('.') + 1) : full;
  }

  private lookup(name: string, namespace: string): Named | undefined {
    if (!name.includes('.') && namespace !== '') {
      const qualified = this.names.get(`${namespace}.${name}`);
      if (qualified !== undefined) return qualified;
    }
    return this.names.get(name);
  }

  private parse(json: Json, namespace: string, path: string): { node: AvroNode; canonical: Json } {
    if (typeof json === 'string') {
      if (PRIMITIVES.has(json)) return { node: { kind: 'primitive', name: json }, canonical: json };
      const named = this.lookup(json, namespace);
      if (named === undefined) throw new InvalidSchemaError(`Undefined name: "${json}"${path ? ` at ${path}` : ''}`);
      return { node: named, canonical: this.refName(named.fullName, namespace) };
    }
    if (Array.isArray(json)) {
      const types: AvroNode[] = [];
      const canonical: Json[] = [];
      json.forEach((branch, i) => {
        const parsed = this.parse(branch, namespace, `${path}/${i}`);
        if (parsed.node.kind === 'union') throw new InvalidSchemaError('Nested union: a union may not contain a union');
        types.push(parsed.node);
        canonical.push(parsed.canonical);
      });
      return { node: { kind: 'union', types }, canonical };
    }
    if (!isObj(json)) throw new InvalidSchemaError(`Not a schema: ${JSON.stringify(json)}`);
    const type = json['type'];
    if (typeof type !== 'string' && !isObj(type) && !Array.isArray(type)) throw new InvalidSchemaError(`No type: ${JSON.stringify(json)}`);
    const props = (known: string[]): JsonObj => {
      const out: JsonObj = {};
      for (const [k, v] of Object.entries(json)) if (!known.includes(k)) out[k] = v;
      return out;
    };
    // {"type": {...}} wraps another schema; {"type": "long", ...props} is a primitive with properties (e.g. logicalType).
    if (typeof type !== 'string') return this.parse(type, namespace, `${path}/type`);
    if (PRIMITIVES.has(type)) {
      const extra = props(['type']);
      return { node: { kind: 'primitive', name: type }, canonical: Object.keys(extra).length === 0 ? type : { type, ...extra } };
    }
    switch (type) {
      case 'record':
      case 'error':
      case 'enum':
      case 'fixed':
        return this.parseNamed(json, type, namespace, path, props);
      case 'array': {
        if (!('items' in json)) throw new InvalidSchemaError(`Array has no items: ${JSON.stringify(json)}`);
        const items = this.parse(json['items']!, namespace, `${path}/items`);
        return { node: { kind: 'array', items: items.node }, canonical: { type: 'array', items: items.canonical, ...props(['type', 'items']) } };
      }
      case 'map': {
        if (!('values' in json)) throw new InvalidSchemaError(`Map has no values: ${JSON.stringify(json)}`);
        const values = this.parse(json['values']!, namespace, `${path}/values`);
        return { node: { kind: 'map', values: values.node }, canonical: { type: 'map', values: values.canonical, ...props(['type', 'values']) } };
      }
      default: {
        // {"type": "Name"}: a reference to a named type.
        return this.parse(type, namespace, path);
      }
    }
  }

  private parseNamed(json: JsonObj, type: string, enclosing: string, path: string, props: (known: string[]) => JsonObj): { node: AvroNode; canonical: Json } {
    const name = json['name'];
    if (typeof name !== 'string' || name === '') throw new InvalidSchemaError(`No name in schema: ${JSON.stringify(json)}`);
    const ns = typeof json['namespace'] === 'string' ? json['namespace'] : enclosing;
    const full = this.fullName(name, ns);
    const namespace = this.namespaceOf(full);
    if (this.names.has(full) && this.written.has(full)) throw new InvalidSchemaError(`Can't redefine: ${full}`);
    const aliases = Array.isArray(json['aliases'])
      ? json['aliases'].filter((a): a is string => typeof a === 'string').map((a) => this.fullName(a, namespace))
      : [];
    const head: JsonObj = { type: type === 'error' ? 'error' : type, name: this.qualifyAll ? full : full.slice(full.lastIndexOf('.') + 1) };
    if (!this.qualifyAll && namespace !== enclosing) head['namespace'] = namespace;
    if (typeof json['doc'] === 'string') head['doc'] = json['doc'];
    this.written.add(full);
    const tail: JsonObj = Array.isArray(json['aliases']) ? { aliases: json['aliases'] } : {};
    if (type === 'enum') {
      const symbols = json['symbols'];
      if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string')) throw new InvalidSchemaError(`Enum symbols must be a list of strings: ${JSON.stringify(json)}`);
      const def = typeof json['default'] === 'string' ? json['default'] : null;
      const node: Named = { kind: 'enum', fullName: full, aliases, symbols: symbols as string[], default: def };
      this.names.set(full, node);
      const canonical: JsonObj = { ...head, symbols };
      if (def !== null) canonical['default'] = def;
      return { node, canonical: { ...canonical, ...props(['type', 'name', 'namespace', 'doc', 'symbols', 'default', 'aliases']), ...tail } };
    }
    if (type === 'fixed') {
      const size = json['size'];
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new InvalidSchemaError(`Invalid fixed size: ${JSON.stringify(json)}`);
      const node: Named = { kind: 'fixed', fullName: full, aliases, size };
      this.names.set(full, node);
      return { node, canonical: { ...head, size, ...props(['type', 'name', 'namespace', 'doc', 'size', 'aliases']), ...tail } };
    }
    const fieldsJson = json['fields'];
    if (!Array.isArray(fieldsJson)) throw new InvalidSchemaError(`Record has no fields: ${JSON.stringify(json)}`);
    const node: Named = { kind: 'record', fullName: full, aliases, fields: [] };
    this.names.set(full, node); // before the fields: a record may refer to itself
    const fields: Json[] = [];
    const seen = new Set<string>();
    fieldsJson.forEach((f, i) => {
      if (!isObj(f) || typeof f['name'] !== 'string') throw new InvalidSchemaError(`Invalid field at ${path}/fields/${i}: ${JSON.stringify(f)}`);
      const fname = f['name'];
      if (seen.has(fname)) throw new InvalidSchemaError(`Duplicate field ${fname} in record ${full}`);
      seen.add(fname);
      if (!('type' in f)) throw new InvalidSchemaError(`No field type: ${JSON.stringify(f)}`);
      const ftype = this.parse(f['type']!, namespace, `${path}/fields/${i}/type`);
      const faliases = Array.isArray(f['aliases']) ? f['aliases'].filter((a): a is string => typeof a === 'string') : [];
      node.fields.push({ name: fname, aliases: faliases, type: ftype.node, hasDefault: 'default' in f });
      const cf: JsonObj = { name: fname, type: ftype.canonical };
      if (typeof f['doc'] === 'string') cf['doc'] = f['doc'];
      if ('default' in f) cf['default'] = f['default']!;
      if (typeof f['order'] === 'string' && f['order'] !== 'ascending') cf['order'] = f['order'];
      if (Array.isArray(f['aliases'])) cf['aliases'] = f['aliases'];
      for (const [k, v] of Object.entries(f)) if (!['name', 'type', 'doc', 'default', 'order', 'aliases'].includes(k)) cf[k] = v;
      fields.push(cf);
    });
    return { node, canonical: { ...head, fields, ...props(['type', 'name', 'namespace', 'doc', 'fields', 'aliases']), ...tail } };
  }
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new InvalidSchemaError(`Invalid schema: ${(e as Error).message}`);
  }
}

/** Registers the named types of the references (dependencies first) into the parser and avsc's registry. */
function loadReferences(refs: ResolvedReference[], parser: AvroParser, registry: Record<string, avro.Type>, seen: Set<string>): void {
  for (const ref of refs) {
    const key = `${ref.subject}:${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (ref.schemaType !== 'AVRO') throw new InvalidSchemaError(`Reference ${ref.name} is a ${ref.schemaType} schema, not AVRO`);
    loadReferences(ref.references, parser, registry, seen);
    const json = parseJson(ref.schema);
    parser.parseRoot(json);
    try {
      avscLibrary().Type.forSchema(json as avro.Schema, { registry });
    } catch (e) {
      throw new InvalidSchemaError(`Invalid reference ${ref.name}: ${(e as Error).message}`);
    }
  }
}

export const avroFormat: SchemaFormat<AvroSchema> = {
  type: 'AVRO',

  parse(schema: string, references: ResolvedReference[], normalize: boolean): AvroSchema {
    const json = parseJson(schema);
    const parser = new AvroParser(normalize);
    const registry: Record<string, avro.Type> = {};
    loadReferences(references, parser, registry, new Set());
    const { node, canonical } = parser.parseRoot(json);
    try {
      // avsc checks what the walk above does not: name syntax, defaults matching their types, ...
      avscLibrary().Type.forSchema(json as avro.Schema, { registry });
    } catch (e) {
      throw new InvalidSchemaError(`Invalid schema: ${(e as Error).message}`);
    }
    return { type: 'AVRO', canonical: JSON.stringify(canonical), root: node };
  },

  check(reader: AvroSchema, writer: AvroSchema, ctx: CompatibilityContext): string[] {
    const out: string[] = [];
    checkNode(reader.root, writer.root, '', ctx, out, new Set(), new Map());
    return out;
  },
};

function shortName(full: string): string {
  return full.slice(full.lastIndexOf('.') + 1);
}

/** Java's SchemaCompatibility: unqualified names equal, or a reader alias names the writer. */
function namesMatch(reader: Named, writer: Named): boolean {
  return shortName(reader.fullName) === shortName(writer.fullName) || reader.aliases.includes(writer.fullName);
}

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function describeNode(n: AvroNode): string {
  return n.kind === 'primitive' ? n.name : 'fullName' in n ? `${n.kind} ${n.fullName}` : n.kind;
}

/** Collects the reasons `reader` cannot read `writer` data, in Confluent's verbose message shape. */
function checkNode(reader: AvroNode, writer: AvroNode, path: string, ctx: CompatibilityContext, out: string[], inProgress: Set<string>,
  done: Map<string, string[]>): void {
  // Recursive types: a pair already being compared is assumed compatible (Java memoises the same way);
  // a pair compared before gives the same answer, so shared named types are checked once, not once per use.
  if ('fullName' in reader && 'fullName' in writer) {
    const pair = `${reader.fullName}|${writer.fullName}`;
    const known = done.get(pair);
    if (known !== undefined) return void out.push(...known);
    if (inProgress.has(pair)) return;
    inProgress.add(pair);
    const sub: string[] = [];
    try {
      checkNamed(reader, writer, path, ctx, sub, inProgress, done);
    } finally {
      inProgress.delete(pair);
    }
    done.set(pair, sub);
    out.push(...sub);
    return;
  }
  if (writer.kind === 'union') {
    writer.types.forEach((branch, i) => {
      const sub: string[] = [];
      checkNode(reader, branch, `${path}/${i}`, ctx, sub, inProgress, done);
      if (sub.length > 0) {
        out.push(reader.kind === 'union'
          ? `{errorType:'MISSING_UNION_BRANCH', description:'The ${ctx.readerLabel} schema is missing a type inside a union field at path '${path}/${i}' in the ${ctx.writerLabel} schema', additionalInfo:'reader union lacking writer type: ${describeNode(branch).toUpperCase()}'}`
          : sub[0]!);
      }
    });
    return;
  }
  if (reader.kind === 'union') {
    for (const branch of reader.types) {
      const sub: string[] = [];
      checkNode(branch, writer, path, ctx, sub, inProgress, done);
      if (sub.length === 0) return;
    }
    out.push(`{errorType:'MISSING_UNION_BRANCH', description:'The ${ctx.readerLabel} schema is missing a type inside a union field at path '${path}' in the ${ctx.writerLabel} schema', additionalInfo:'reader union lacking writer type: ${describeNode(writer).toUpperCase()}'}`);
    return;
  }
  if (reader.kind === 'primitive' && writer.kind === 'primitive') {
    if (reader.name === writer.name || PROMOTIONS[writer.name]?.includes(reader.name)) return;
    out.push(typeMismatch(path, ctx, reader, writer));
    return;
  }
  if (reader.kind === 'array' && writer.kind === 'array') {
    checkNode(reader.items, writer.items, `${path}/items`, ctx, out, inProgress, done);
    return;
  }
  if (reader.kind === 'map' && writer.kind === 'map') {
    checkNode(reader.values, writer.values, `${path}/values`, ctx, out, inProgress, done);
    return;
  }
  out.push(typeMismatch(path, ctx, reader, writer));
}

function typeMismatch(path: string, ctx: CompatibilityContext, reader: AvroNode, writer: AvroNode): string {
  return `{errorType:'TYPE_MISMATCH', description:'The type (path '${path || '/'}') of a field in the ${ctx.readerLabel} schema does not match with the ${ctx.writerLabel} schema', additionalInfo:'reader type: ${describeNode(reader).toUpperCase()} not compatible with writer type: ${describeNode(writer).toUpperCase()}'}`;
}

function checkNamed(reader: Named, writer: Named, path: string, ctx: CompatibilityContext, out: string[], inProgress: Set<string>,
  done: Map<string, string[]>): void {
  if (reader.kind !== writer.kind) {
    out.push(typeMismatch(path, ctx, reader, writer));
    return;
  }
  if (!namesMatch(reader, writer)) {
    out.push(`{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '${path}/name')', additionalInfo:'expected: ${writer.fullName}'}`);
    return;
  }
  if (reader.kind === 'fixed' && writer.kind === 'fixed') {
    if (reader.size !== writer.size) {
      out.push(`{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '${path}/size' in the ${ctx.readerLabel} schema does not match with the ${ctx.writerLabel} schema', additionalInfo:'expected: ${writer.size}, found: ${reader.size}'}`);
    }
    return;
  }
  if (reader.kind === 'enum' && writer.kind === 'enum') {
    const missing = writer.symbols.filter((s) => !reader.symbols.includes(s));
    // A reader default (Avro 1.9+) absorbs unknown symbols.
    if (missing.length > 0 && (reader.default === null || !reader.symbols.includes(reader.default))) {
      out.push(`{errorType:'MISSING_ENUM_SYMBOLS', description:'The ${ctx.readerLabel} schema is missing enum symbols '${missing.join(',')}' at path '${path}/symbols' in the ${ctx.writerLabel} schema', additionalInfo:'[${missing.join(', ')}]'}`);
    }
    return;
  }
  if (reader.kind === 'record' && writer.kind === 'record') {
    reader.fields.forEach((rf, i) => {
      const wf = writer.fields.find((f) => f.name === rf.name) ?? writer.fields.find((f) => rf.aliases.includes(f.name));
      if (wf === undefined) {
        if (!rf.hasDefault) {
          out.push(`{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field '${rf.name}' at path '${path}/fields/${i}' in the ${ctx.readerLabel} schema has no default value and is missing in the ${ctx.writerLabel} schema', additionalInfo:'${rf.name}'}`);
        }
        return;
      }
      checkNode(rf.type, wf.type, `${path}/fields/${i}/type`, ctx, out, inProgress, done);
    });
  }
}
