// JSON Schema: parsing (a JSON object or boolean, `$ref`s resolvable locally or
// through the registered references), Confluent's canonical form (compact JSON,
// key order kept), and Confluent's documented compatibility rules: a diff of the
// original (writer) schema against the update (reader) that lists typed
// differences, some compatible (e.g. MAX_LENGTH_INCREASED,
// OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL), the rest not (e.g.
// PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL). Open, closed and partially open
// content models (additionalProperties / patternProperties) decide what adding
// or removing a property means.

import type { CompatibilityContext, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';
import { InvalidSchemaError } from './format.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };
const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface JsonSchemaDoc extends ParsedSchema {
  readonly type: 'JSON';
  readonly root: Json;
  /** Documents by the names `$ref` may use: the references' names (and their `$id`s). */
  readonly documents: Map<string, Json>;
}

const COMPATIBLE = new Set([
  'ID_CHANGED', 'DESCRIPTION_CHANGED', 'TITLE_CHANGED', 'DEFAULT_CHANGED', 'SCHEMA_REMOVED', 'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED', 'MAX_LENGTH_REMOVED', 'MIN_LENGTH_DECREASED', 'MIN_LENGTH_REMOVED', 'PATTERN_REMOVED',
  'MAXIMUM_INCREASED', 'MAXIMUM_REMOVED', 'MINIMUM_DECREASED', 'MINIMUM_REMOVED', 'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED', 'EXCLUSIVE_MINIMUM_DECREASED', 'EXCLUSIVE_MINIMUM_REMOVED', 'MULTIPLE_OF_REDUCED', 'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED', 'REQUIRED_ATTRIBUTE_REMOVED', 'DEPENDENCY_ARRAY_NARROWED', 'DEPENDENCY_ARRAY_REMOVED',
  'DEPENDENCY_SCHEMA_REMOVED', 'MAX_PROPERTIES_INCREASED', 'MAX_PROPERTIES_REMOVED', 'MIN_PROPERTIES_DECREASED', 'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED', 'ADDITIONAL_PROPERTIES_EXTENDED', 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL', 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED', 'MAX_ITEMS_REMOVED', 'MIN_ITEMS_DECREASED', 'MIN_ITEMS_REMOVED', 'UNIQUE_ITEMS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED', 'ADDITIONAL_ITEMS_EXTENDED', 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL', 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED', 'COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED', 'SUM_TYPE_EXTENDED', 'NOT_TYPE_NARROWED',
]);

const TYPES = new Set(['string', 'number', 'integer', 'object', 'array', 'boolean', 'null']);

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new InvalidSchemaError(`Invalid JSON ${what}: ${(e as Error).message}`);
  }
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObj(v)) return v;
  const out: JsonObj = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
  return out;
}

/** Structural checks Confluent's loader (everit) also makes; enough to refuse what no validator would load. */
function validate(node: Json, path: string): void {
  if (typeof node === 'boolean') return;
  if (!isObj(node)) throw new InvalidSchemaError(`Invalid JSON Schema at ${path || '#'}: expected an object or a boolean`);
  const type = node['type'];
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type];
    for (const t of list) if (typeof t !== 'string' || !TYPES.has(t)) throw new InvalidSchemaError(`Invalid JSON Schema at ${path || '#'}: unknown type ${JSON.stringify(t)}`);
  }
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']) {
    const v = node[key];
    if (v === undefined) continue;
    if (!isObj(v)) throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/${key}: expected an object`);
    for (const [k, sub] of Object.entries(v)) {
      if (key === 'patternProperties') {
        try {
          new RegExp(k, 'u');
        } catch {
          throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/${key}: invalid pattern ${JSON.stringify(k)}`);
        }
      }
      validate(sub, `${path}/${key}/${k}`);
    }
  }
  if (node['required'] !== undefined && (!Array.isArray(node['required']) || !node['required'].every((r) => typeof r === 'string'))) {
    throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/required: expected an array of strings`);
  }
  for (const key of ['additionalProperties', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else']) {
    if (node[key] !== undefined) validate(node[key]!, `${path}/${key}`);
  }
  const items = node['items'];
  if (Array.isArray(items)) items.forEach((s, i) => validate(s, `${path}/items/${i}`));
  else if (items !== undefined) validate(items, `${path}/items`);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const v = node[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length === 0) throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/${key}: expected a non-empty array`);
    v.forEach((s, i) => validate(s, `${path}/${key}/${i}`));
  }
  if (node['enum'] !== undefined && !Array.isArray(node['enum'])) throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/enum: expected an array`);
  if (node['pattern'] !== undefined) {
    if (typeof node['pattern'] !== 'string') throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/pattern: expected a string`);
    try {
      new RegExp(node['pattern'], 'u');
    } catch {
      throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/pattern: invalid pattern`);
    }
  }
  for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const v = node[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/${key}: expected a non-negative integer`);
    }
  }
  for (const key of ['minimum', 'maximum', 'multipleOf']) {
    const v = node[key];
    if (v !== undefined && typeof v !== 'number') throw new InvalidSchemaError(`Invalid JSON Schema at ${path}/${key}: expected a number`);
  }
}

/** Resolves `$ref`s: local JSON pointers and the documents of references. */
class Resolver {
  constructor(private readonly root: Json, private readonly documents: Map<string, Json>) {}

  resolve(ref: string, base: Json): Json {
    return this.resolveIn(ref, base).node;
  }

  /** The node a `$ref` names and the document it lies in (the base for the `$ref`s inside it). */
  resolveIn(ref: string, base: Json): { node: Json; doc: Json } {
    const hash = ref.indexOf('#');
    const docName = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let doc: Json | undefined = docName === '' ? base : this.documents.get(docName);
    if (doc === undefined && docName !== '') {
      // A reference named by a relative path may be used by its last segment, or vice versa.
      for (const [name, d] of this.documents) if (name.endsWith(`/${docName}`) || docName.endsWith(`/${name}`)) doc = d;
    }
    if (doc === undefined) throw new InvalidSchemaError(`Invalid JSON Schema: cannot resolve $ref ${JSON.stringify(ref)}`);
    return { node: this.pointer(doc, pointer, ref), doc };
  }

  private pointer(doc: Json, pointer: string, ref: string): Json {
    if (pointer === '' || pointer === '/') return doc;
    let node: Json | undefined = doc;
    for (const raw of pointer.replace(/^\//, '').split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(node)) node = node[Number(key)];
      else if (isObj(node)) node = node[key];
      else node = undefined;
      if (node === undefined) throw new InvalidSchemaError(`Invalid JSON Schema: cannot resolve $ref ${JSON.stringify(ref)}`);
    }
    return node;
  }

  /** Every `$ref` in the schema resolves (checked at registration; 42201 otherwise). */
  checkAll(node: Json, base: Json, seen = new Set<Json>()): void {
    if (seen.has(node)) return;
    if (Array.isArray(node)) {
      seen.add(node);
      for (const n of node) this.checkAll(n, base, seen);
      return;
    }
    if (!isObj(node)) return;
    seen.add(node);
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        this.resolve(v, base);
        continue;
      }
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue;
      this.checkAll(v, base, seen);
    }
  }

  get rootDoc(): Json {
    return this.root;
  }
}

function loadDocuments(refs: ResolvedReference[], into: Map<string, Json>, parsed: Map<string, Json>): void {
  for (const ref of refs) {
    const key = `${ref.subject}:${ref.version}`;
    if (ref.schemaType !== 'JSON') throw new InvalidSchemaError(`Reference ${ref.name} is a ${ref.schemaType} schema, not JSON`);
    let doc = parsed.get(key);
    if (doc === undefined) {
      // Each referenced version is read (and its own references followed) once, whatever names point at it.
      doc = parseJson(ref.schema, `reference ${ref.name}`);
      parsed.set(key, doc);
      if (isObj(doc) && typeof doc['$id'] === 'string') into.set(doc['$id'], doc);
      loadDocuments(ref.references, into, parsed);
    }
    into.set(ref.name, doc);
  }
}

export const jsonSchemaFormat: SchemaFormat<JsonSchemaDoc> = {
  type: 'JSON',

  parse(schema: string, references: ResolvedReference[], normalize: boolean): JsonSchemaDoc {
    const root = parseJson(schema, 'schema');
    validate(root, '');
    const documents = new Map<string, Json>();
    loadDocuments(references, documents, new Map());
    if (isObj(root) && typeof root['$id'] === 'string') documents.set(root['$id'], root);
    new Resolver(root, documents).checkAll(root, root);
    return { type: 'JSON', canonical: JSON.stringify(normalize ? sortKeys(root) : root), root, documents };
  },

  check(reader: JsonSchemaDoc, writer: JsonSchemaDoc, _ctx: CompatibilityContext): string[] {
    const diff = new JsonDiff(new Resolver(writer.root, writer.documents), new Resolver(reader.root, reader.documents));
    diff.compare(writer.root, reader.root, '#', writer.root, reader.root);
    return diff.differences
      .filter((d) => !COMPATIBLE.has(d.type))
      .map((d) => `{errorType:"${d.type}", description:"Found incompatible change: Difference{jsonPath='${d.path}', type=${d.type}}"}`);
  },
};

type Kind = 'empty' | 'false' | 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'enum' | 'combined' | 'not';

interface Difference { path: string; type: string }

/** Confluent's SchemaDiff, written for plain JSON: compare(original, update) collects Differences. */
class JsonDiff {
  readonly differences: Difference[] = [];
  constructor(
    private readonly originalRefs: Resolver,
    private readonly updateRefs: Resolver,
    private readonly inProgress = new Set<string>(),
    private readonly ids = new Map<Json, number>(),
    /** Differences of pairs already compared: a definition `$ref`'d from many places is compared once. */
    private readonly done = new Map<string, Difference[]>(),
  ) {}

  private add(path: string, type: string): void {
    this.differences.push({ path, type });
  }

  private idOf(node: Json): number {
    let id = this.ids.get(node);
    if (id === undefined) this.ids.set(node, (id = this.ids.size));
    return id;
  }

  /** A sub-comparison: its differences, and whether they are all compatible. It shares the memo and the pairs in progress. */
  private sub(fn: (d: JsonDiff) => void): { differences: Difference[]; compatible: boolean } {
    const d = new JsonDiff(this.originalRefs, this.updateRefs, this.inProgress, this.ids, this.done);
    fn(d);
    return { differences: d.differences, compatible: d.differences.every((x) => COMPATIBLE.has(x.type)) };
  }

  private deref(node: Json, refs: Resolver, base: Json): { node: Json; base: Json } {
    let current = node;
    let doc = base;
    for (let hops = 0; isObj(current) && typeof current['$ref'] === 'string' && hops < 32; hops++) {
      const r = refs.resolveIn(current['$ref'], doc);
      current = r.node;
      doc = r.doc;
    }
    return { node: current, base: doc };
  }

  compare(originalIn: Json | undefined, updateIn: Json | undefined, path: string, oBase: Json, uBase: Json): void {
    if (originalIn === undefined && updateIn === undefined) return;
    if (originalIn === undefined) return this.add(path, 'SCHEMA_ADDED');
    if (updateIn === undefined) return this.add(path, 'SCHEMA_REMOVED');
    const o = this.deref(originalIn, this.originalRefs, oBase);
    const u = this.deref(updateIn, this.updateRefs, uBase);
    const key = `${this.idOf(o.node)}|${this.idOf(u.node)}`;
    const known = this.done.get(key);
    if (known !== undefined) return void this.differences.push(...known);
    if (this.inProgress.has(key)) return; // recursive schemas: the pair is being compared further up
    this.inProgress.add(key);
    const before = this.differences.length;
    try {
      this.compareResolved(o.node, u.node, path, o.base, u.base);
    } finally {
      this.inProgress.delete(key);
    }
    // Only object nodes are worth remembering (booleans and primitives are cheap and share identities).
    if (isObj(o.node) && isObj(u.node)) this.done.set(key, this.differences.slice(before));
  }

  private kind(node: Json): Kind {
    if (node === true) return 'empty';
    if (node === false) return 'false';
    if (!isObj(node)) return 'empty';
    if (node['allOf'] !== undefined || node['anyOf'] !== undefined || node['oneOf'] !== undefined) return 'combined';
    const type = node['type'];
    if (Array.isArray(type) && type.length > 1) return 'combined';
    if (node['not'] !== undefined) return 'not';
    if (node['enum'] !== undefined || node['const'] !== undefined) return 'enum';
    const t = Array.isArray(type) ? type[0] : type;
    if (typeof t === 'string') return t === 'integer' ? 'number' : (t as Kind);
    if (['properties', 'additionalProperties', 'patternProperties', 'required', 'minProperties', 'maxProperties', 'dependencies'].some((k) => k in node)) return 'object';
    if (['items', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems'].some((k) => k in node)) return 'array';
    if (['minLength', 'maxLength', 'pattern'].some((k) => k in node)) return 'string';
    if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some((k) => k in node)) return 'number';
    return 'empty';
  }

  /** The branches and criterion of a combined schema (`type: [a, b]` is an anyOf of typed copies). */
  private combined(node: JsonObj): { criterion: 'allOf' | 'anyOf' | 'oneOf'; subschemas: Json[] } {
    for (const c of ['allOf', 'anyOf', 'oneOf'] as const) {
      const v = node[c];
      if (Array.isArray(v)) {
        const rest: JsonObj = { ...node };
        delete rest[c];
        const others = Object.keys(rest).filter((k) => !['title', 'description', '$id', '$schema', 'default', 'definitions', '$defs'].includes(k));
        // Keywords beside the combiner apply too: everit makes that an allOf of both.
        return others.length > 0 && c !== 'allOf' ? { criterion: 'allOf', subschemas: [rest, { [c]: v }] } : { criterion: c, subschemas: c === 'allOf' && others.length > 0 ? [...v, rest] : v };
      }
    }
    const types = node['type'] as string[];
    return { criterion: 'anyOf', subschemas: types.map((t) => ({ ...node, type: t })) };
  }

  private compareResolved(original: Json, update: Json, path: string, oBase: Json, uBase: Json): void {
    const ok = this.kind(original);
    const uk = this.kind(update);
    if (ok !== 'combined' && uk === 'combined') {
      const { criterion, subschemas } = this.combined(update as JsonObj);
      if (subschemas.length === 1) {
        const r = this.sub((d) => d.compare(original, subschemas[0], path, oBase, uBase));
        if (r.compatible) return void this.differences.push(...r.differences);
      } else if (criterion === 'anyOf' || criterion === 'oneOf') {
        for (const s of subschemas) {
          const r = this.sub((d) => d.compare(original, s, path, oBase, uBase));
          if (r.compatible) {
            this.differences.push(...r.differences);
            return this.add(path, 'SUM_TYPE_EXTENDED');
          }
        }
      }
    } else if (ok === 'combined' && uk !== 'combined') {
      const { subschemas } = this.combined(original as JsonObj);
      if (subschemas.length === 1) {
        const r = this.sub((d) => d.compare(subschemas[0], update, path, oBase, uBase));
        if (r.compatible) return void this.differences.push(...r.differences);
      }
    }
    if (ok !== uk) {
      // Anything reads as the empty schema; nothing was ever valid under false.
      if (ok === 'false' || uk === 'empty') return;
      return this.add(path, 'TYPE_CHANGED');
    }
    if (!isObj(original) || !isObj(update)) return;
    if (original['$id'] !== update['$id']) this.add(path, 'ID_CHANGED');
    if (original['title'] !== update['title']) this.add(path, 'TITLE_CHANGED');
    if (original['description'] !== update['description']) this.add(path, 'DESCRIPTION_CHANGED');
    if (JSON.stringify(original['default']) !== JSON.stringify(update['default'])) this.add(path, 'DEFAULT_CHANGED');
    switch (ok) {
      case 'string': return this.compareString(original, update, path);
      case 'number': return this.compareNumber(original, update, path);
      case 'enum': return this.compareEnum(original, update, path);
      case 'combined': return this.compareCombined(original, update, path, oBase, uBase);
      case 'not': return this.compare(update['not'], original['not'], `${path}/not`, uBase, oBase); // reversed: narrowing `not` widens
      case 'object': return this.compareObject(original, update, path, oBase, uBase);
      case 'array': return this.compareArray(original, update, path, oBase, uBase);
      default: return;
    }
  }

  /** A numeric bound: added, removed, increased or decreased, named as Confluent names them. */
  private bound(o: JsonObj, u: JsonObj, key: string, name: string, path: string): void {
    const a = o[key];
    const b = u[key];
    if (a === b) return;
    if (typeof a !== 'number' && typeof b === 'number') return this.add(`${path}/${key}`, `${name}_ADDED`);
    if (typeof a === 'number' && typeof b !== 'number') return this.add(`${path}/${key}`, `${name}_REMOVED`);
    if (typeof a === 'number' && typeof b === 'number') this.add(`${path}/${key}`, a < b ? `${name}_INCREASED` : `${name}_DECREASED`);
  }

  private compareString(o: JsonObj, u: JsonObj, path: string): void {
    this.bound(o, u, 'maxLength', 'MAX_LENGTH', path);
    this.bound(o, u, 'minLength', 'MIN_LENGTH', path);
    if (o['pattern'] !== u['pattern']) {
      if (o['pattern'] === undefined) this.add(`${path}/pattern`, 'PATTERN_ADDED');
      else if (u['pattern'] === undefined) this.add(`${path}/pattern`, 'PATTERN_REMOVED');
      else this.add(`${path}/pattern`, 'PATTERN_CHANGED');
    }
  }

  private compareNumber(o: JsonObj, u: JsonObj, path: string): void {
    this.bound(o, u, 'maximum', 'MAXIMUM', path);
    this.bound(o, u, 'minimum', 'MINIMUM', path);
    // Draft 6+: numeric exclusive bounds.
    if (typeof o['exclusiveMaximum'] === 'number' || typeof u['exclusiveMaximum'] === 'number') this.bound(o, u, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', path);
    if (typeof o['exclusiveMinimum'] === 'number' || typeof u['exclusiveMinimum'] === 'number') this.bound(o, u, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', path);
    const a = o['multipleOf'];
    const b = u['multipleOf'];
    if (a !== b) {
      if (typeof a !== 'number') this.add(`${path}/multipleOf`, 'MULTIPLE_OF_ADDED');
      else if (typeof b !== 'number') this.add(`${path}/multipleOf`, 'MULTIPLE_OF_REMOVED');
      else if (a % b === 0) this.add(`${path}/multipleOf`, 'MULTIPLE_OF_REDUCED');
      else if (b % a === 0) this.add(`${path}/multipleOf`, 'MULTIPLE_OF_EXPANDED');
      else this.add(`${path}/multipleOf`, 'MULTIPLE_OF_CHANGED');
    }
    const oInt = o['type'] === 'integer';
    const uInt = u['type'] === 'integer';
    if (oInt && !uInt) this.add(path, 'TYPE_EXTENDED');
    else if (!oInt && uInt) this.add(path, 'TYPE_NARROWED');
  }

  private compareEnum(o: JsonObj, u: JsonObj, path: string): void {
    const values = (n: JsonObj) => (n['enum'] !== undefined ? (n['enum'] as Json[]) : [n['const']!]).map((v) => JSON.stringify(v));
    const a = values(o);
    const b = new Set(values(u));
    if (a.length === b.size && a.every((v) => b.has(v))) return;
    if (a.every((v) => b.has(v))) this.add(`${path}/enum`, 'ENUM_ARRAY_EXTENDED');
    else if ([...b].every((v) => a.includes(v))) this.add(`${path}/enum`, 'ENUM_ARRAY_NARROWED');
    else this.add(`${path}/enum`, 'ENUM_ARRAY_CHANGED');
  }

  private compareCombined(o: JsonObj, u: JsonObj, path: string, oBase: Json, uBase: Json): void {
    const a = this.combined(o);
    const b = this.combined(u);
    if (a.criterion !== b.criterion) {
      // oneOf -> anyOf accepts more; every other change of combiner is incompatible.
      if (a.criterion === 'oneOf' && b.criterion === 'anyOf') this.add(path, 'COMBINED_TYPE_EXTENDED');
      else return this.add(path, 'COMBINED_TYPE_CHANGED');
    }
    // Pair each original branch with a compatible update branch (each used once).
    const used = new Set<number>();
    let matched = 0;
    a.subschemas.forEach((os, i) => {
      for (let j = 0; j < b.subschemas.length; j++) {
        if (used.has(j)) continue;
        const r = this.sub((d) => d.compare(os, b.subschemas[j], `${path}/${a.criterion}/${i}`, oBase, uBase));
        if (r.compatible) {
          used.add(j);
          matched++;
          this.differences.push(...r.differences);
          return;
        }
      }
    });
    if (b.criterion === 'allOf') {
      // Fewer conjuncts accept more (narrowed product); more conjuncts accept less.
      if (b.subschemas.length > a.subschemas.length) this.add(path, 'PRODUCT_TYPE_EXTENDED');
      else if (matched < b.subschemas.length) this.add(path, 'COMBINED_TYPE_SUBSCHEMAS_CHANGED');
      else if (b.subschemas.length < a.subschemas.length) this.add(path, 'PRODUCT_TYPE_NARROWED');
    } else {
      if (matched < a.subschemas.length) this.add(path, b.subschemas.length < a.subschemas.length ? 'SUM_TYPE_NARROWED' : 'COMBINED_TYPE_SUBSCHEMAS_CHANGED');
      else if (b.subschemas.length > a.subschemas.length) this.add(path, 'SUM_TYPE_EXTENDED');
    }
  }

  private static isOpen(n: JsonObj): boolean {
    const pattern = n['patternProperties'];
    const additional = n['additionalProperties'];
    return (pattern === undefined || (isObj(pattern) && Object.keys(pattern).length === 0)) && (additional === undefined || additional === true);
  }

  private static permitsAdditional(n: JsonObj): boolean {
    return n['additionalProperties'] !== false;
  }

  private static additionalSchema(n: JsonObj): Json | undefined {
    const a = n['additionalProperties'];
    return isObj(a) ? a : undefined;
  }

  /** The schema a partially open model gives an undeclared property (a matching pattern, else additionalProperties). */
  private static partial(n: JsonObj, property: string): Json | undefined {
    const pattern = n['patternProperties'];
    if (isObj(pattern)) {
      for (const [p, s] of Object.entries(pattern)) {
        try {
          if (new RegExp(p, 'u').test(property)) return s;
        } catch { /* validated on registration */ }
      }
    }
    return JsonDiff.additionalSchema(n);
  }

  private compareObject(o: JsonObj, u: JsonObj, path: string, oBase: Json, uBase: Json): void {
    const oProps = isObj(o['properties']) ? o['properties'] : {};
    const uProps = isObj(u['properties']) ? u['properties'] : {};
    const oReq = new Set(Array.isArray(o['required']) ? (o['required'] as string[]) : []);
    const uReq = new Set(Array.isArray(u['required']) ? (u['required'] as string[]) : []);
    const hasDefault = (s: Json | undefined) => isObj(s) && 'default' in s;

    for (const p of Object.keys(oProps)) {
      if (!(p in uProps)) continue;
      if (oReq.has(p) && !uReq.has(p)) this.add(`${path}/required/${p}`, 'REQUIRED_ATTRIBUTE_REMOVED');
      else if (!oReq.has(p) && uReq.has(p)) {
        this.add(`${path}/required/${p}`, hasDefault(uProps[p]) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED');
      }
    }

    for (const p of new Set([...Object.keys(oProps), ...Object.keys(uProps)])) {
      const at = `${path}/properties/${p}`;
      const os = oProps[p];
      const us = uProps[p];
      if (us === undefined) {
        // Removing is judged by the update's content model.
        if (JsonDiff.isOpen(u)) this.add(at, 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL');
        else {
          const partial = JsonDiff.partial(u, p);
          if (partial !== undefined) {
            const r = this.sub((d) => d.compare(os, partial, at, oBase, uBase));
            this.differences.push(...r.differences);
            this.add(at, r.compatible ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
          } else {
            this.add(at, os === false ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL');
          }
        }
      } else if (os === undefined) {
        // Adding is judged by the original's content model: open data may already carry the name with any value.
        if (JsonDiff.isOpen(o)) {
          this.add(at, this.kind(this.deref(us, this.updateRefs, uBase).node) === 'empty' ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
        } else {
          const partial = JsonDiff.partial(o, p);
          if (partial !== undefined) {
            const r = this.sub((d) => d.compare(partial, us, at, oBase, uBase));
            this.differences.push(...r.differences);
            this.add(at, r.compatible ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
          }
          if (uReq.has(p)) {
            this.add(at, hasDefault(us) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
          } else {
            this.add(at, 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
          }
        }
      } else {
        this.compare(os, us, at, oBase, uBase);
      }
    }

    const oDeps = isObj(o['dependencies']) ? o['dependencies'] : {};
    const uDeps = isObj(u['dependencies']) ? u['dependencies'] : {};
    for (const p of new Set([...Object.keys(oDeps), ...Object.keys(uDeps)])) {
      const at = `${path}/dependencies/${p}`;
      const a = oDeps[p];
      const b = uDeps[p];
      const isArray = Array.isArray(a) || Array.isArray(b);
      if (b === undefined) this.add(at, isArray ? 'DEPENDENCY_ARRAY_REMOVED' : 'DEPENDENCY_SCHEMA_REMOVED');
      else if (a === undefined) this.add(at, isArray ? 'DEPENDENCY_ARRAY_ADDED' : 'DEPENDENCY_SCHEMA_ADDED');
      else if (Array.isArray(a) && Array.isArray(b)) {
        const sa = new Set(a.map(String));
        const sb = new Set(b.map(String));
        if (sa.size === sb.size && [...sa].every((x) => sb.has(x))) continue;
        if ([...sa].every((x) => sb.has(x))) this.add(at, 'DEPENDENCY_ARRAY_EXTENDED');
        else if ([...sb].every((x) => sa.has(x))) this.add(at, 'DEPENDENCY_ARRAY_NARROWED');
        else this.add(at, 'DEPENDENCY_ARRAY_CHANGED');
      } else this.compare(a, b, at, oBase, uBase);
    }

    const at = `${path}/additionalProperties`;
    const oPermits = JsonDiff.permitsAdditional(o);
    const uPermits = JsonDiff.permitsAdditional(u);
    const oAdd = JsonDiff.additionalSchema(o);
    const uAdd = JsonDiff.additionalSchema(u);
    if (oPermits !== uPermits) this.add(at, uPermits ? 'ADDITIONAL_PROPERTIES_ADDED' : 'ADDITIONAL_PROPERTIES_REMOVED');
    else if (oAdd === undefined && uAdd !== undefined) this.add(at, 'ADDITIONAL_PROPERTIES_NARROWED');
    else if (oAdd !== undefined && uAdd === undefined) this.add(at, 'ADDITIONAL_PROPERTIES_EXTENDED');
    else if (oAdd !== undefined && uAdd !== undefined) this.compare(oAdd, uAdd, at, oBase, uBase);

    this.bound(o, u, 'maxProperties', 'MAX_PROPERTIES', path);
    this.bound(o, u, 'minProperties', 'MIN_PROPERTIES', path);
  }

  private compareArray(o: JsonObj, u: JsonObj, path: string, oBase: Json, uBase: Json): void {
    this.bound(o, u, 'maxItems', 'MAX_ITEMS', path);
    this.bound(o, u, 'minItems', 'MIN_ITEMS', path);
    const ou = o['uniqueItems'] === true;
    const uu = u['uniqueItems'] === true;
    if (ou && !uu) this.add(`${path}/uniqueItems`, 'UNIQUE_ITEMS_REMOVED');
    else if (!ou && uu) this.add(`${path}/uniqueItems`, 'UNIQUE_ITEMS_ADDED');

    const oItems = o['items'];
    const uItems = u['items'];
    if (!Array.isArray(oItems) && !Array.isArray(uItems)) {
      // A list schema: the one item schema compared (absent = any item).
      if (oItems === undefined && uItems === undefined) return;
      return this.compare(oItems ?? true, uItems ?? true, `${path}/items`, oBase, uBase);
    }
    // Tuples: positional items with additionalItems as the content model.
    const oList = Array.isArray(oItems) ? oItems : [];
    const uList = Array.isArray(uItems) ? uItems : [];
    const oAdditional = o['additionalItems'];
    const uAdditional = u['additionalItems'];
    const open = (a: Json | undefined) => a === undefined || a === true;
    for (let i = 0; i < Math.max(oList.length, uList.length); i++) {
      const at = `${path}/items/${i}`;
      if (i >= uList.length) {
        if (open(uAdditional)) this.add(at, 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL');
        else if (isObj(uAdditional)) {
          const r = this.sub((d) => d.compare(oList[i], uAdditional, at, oBase, uBase));
          this.differences.push(...r.differences);
          this.add(at, r.compatible ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
        } else this.add(at, oList[i] === false ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL');
      } else if (i >= oList.length) {
        if (open(oAdditional)) {
          this.add(at, this.kind(uList[i]!) === 'empty' ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL');
        } else if (isObj(oAdditional)) {
          const r = this.sub((d) => d.compare(oAdditional, uList[i], at, oBase, uBase));
          this.differences.push(...r.differences);
          this.add(at, r.compatible ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL');
        } else this.add(at, 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL');
      } else this.compare(oList[i], uList[i], at, oBase, uBase);
    }
    const at = `${path}/additionalItems`;
    if (open(oAdditional) !== open(uAdditional) || (oAdditional === false) !== (uAdditional === false)) {
      if (uAdditional === false) this.add(at, 'ADDITIONAL_ITEMS_REMOVED');
      else if (oAdditional === false) this.add(at, 'ADDITIONAL_ITEMS_ADDED');
      else if (isObj(uAdditional)) this.add(at, 'ADDITIONAL_ITEMS_NARROWED');
      else this.add(at, 'ADDITIONAL_ITEMS_EXTENDED');
    } else if (isObj(oAdditional) && isObj(uAdditional)) this.compare(oAdditional, uAdditional, at, oBase, uBase);
  }
}
