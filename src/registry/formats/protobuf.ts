// Protobuf: a schema is a .proto file, given as text or (as Confluent's
// serializers send it) a base64 FileDescriptorProto. Both are read into
// protobufjs's JSON form, resolved together with the references' files (the
// import paths are the reference names; well-known google/protobuf imports
// come built in), printed back as canonical .proto text (what is stored and
// returned), and serialized as a FileDescriptorProto for `?format=serialized`.
// Compatibility follows Confluent's Protobuf rules: wire-level changes by field
// number (kinds, scalar groups, named types, required fields, oneofs, removed
// messages, reserved numbers) are incompatible; additions and removals of
// optional fields and enum values are not.

import type protobuf from 'protobufjs';
import type { CompatibilityContext, ParsedSchema, ResolvedReference, SchemaFormat } from './format.js';
import { InvalidSchemaError } from './format.js';
import { descriptorLibrary, protobufLibrary } from './libraries.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };
const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ProtobufSchema extends ParsedSchema {
  readonly type: 'PROTOBUF';
  readonly syntax: 'proto2' | 'proto3';
  readonly packageName: string;
  readonly imports: string[];
  /** Standard file options (java_package, go_package, ...), by their .proto names. */
  readonly fileOptions: FileOptions;
  /** The resolved root holding this file's definitions and its dependencies'. */
  readonly root: protobuf.Root;
  /** Full names (no leading dot) of the top-level messages, enums and services this file defines. */
  readonly topLevel: string[];
}

// ---- descriptor (binary) <-> protobufjs JSON ----

interface FieldDescriptorProto {
  name?: string; number?: number; label?: number; type?: number; typeName?: string; oneofIndex?: number; proto3Optional?: boolean;
  defaultValue?: string; options?: Record<string, unknown>; jsonName?: string;
}
interface DescriptorProto {
  name?: string; field?: FieldDescriptorProto[]; nestedType?: DescriptorProto[]; enumType?: EnumDescriptorProto[];
  oneofDecl?: { name?: string }[]; options?: { mapEntry?: boolean } & Record<string, unknown>;
  reservedRange?: { start?: number; end?: number }[]; reservedName?: string[];
}
interface EnumDescriptorProto { name?: string; value?: { name?: string; number?: number }[]; reservedRange?: { start?: number; end?: number }[]; reservedName?: string[] }
interface ServiceDescriptorProto { name?: string; method?: { name?: string; inputType?: string; outputType?: string; clientStreaming?: boolean; serverStreaming?: boolean }[] }
interface FileDescriptorProto {
  name?: string; package?: string; dependency?: string[]; messageType?: DescriptorProto[]; enumType?: EnumDescriptorProto[];
  service?: ServiceDescriptorProto[]; syntax?: string; options?: Record<string, unknown>;
}

/** FieldDescriptorProto.Type numbers to .proto scalar names (11 message, 14 enum, 10 group). */
const SCALARS: Record<number, string> = {
  1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool', 9: 'string',
  12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64',
};
const SCALAR_NUMBERS: Record<string, number> = Object.fromEntries(Object.entries(SCALARS).map(([n, s]) => [s, Number(n)]));

/** google.protobuf.FileOptions kept in the canonical text and the serialized form (custom options are not). */
const FILE_OPTIONS: Record<string, 'string' | 'bool' | 'optimize'> = {
  java_package: 'string', java_outer_classname: 'string', java_multiple_files: 'bool', java_generate_equals_and_hash: 'bool',
  java_string_check_utf8: 'bool', optimize_for: 'optimize', go_package: 'string', cc_generic_services: 'bool',
  java_generic_services: 'bool', py_generic_services: 'bool', deprecated: 'bool', cc_enable_arenas: 'bool',
  objc_class_prefix: 'string', csharp_namespace: 'string', swift_prefix: 'string', php_class_prefix: 'string',
  php_namespace: 'string', php_metadata_namespace: 'string', ruby_package: 'string',
};
const OPTIMIZE_MODES = ['', 'SPEED', 'CODE_SIZE', 'LITE_RUNTIME'];
type FileOptions = Record<string, string | boolean>;

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The standard file options of a parsed file, by their .proto names; anything else is left out. */
function pickFileOptions(raw: Record<string, unknown> | undefined, keysAreCamel: boolean): FileOptions {
  const out: FileOptions = {};
  if (raw === undefined) return out;
  for (const [name, type] of Object.entries(FILE_OPTIONS)) {
    const v = raw[keysAreCamel ? camel(name) : name];
    if (v === undefined || v === null) continue;
    if (type === 'optimize') {
      const mode = typeof v === 'number' ? OPTIMIZE_MODES[v] : String(v);
      if (mode !== undefined && OPTIMIZE_MODES.includes(mode) && mode !== '') out[name] = mode;
    } else if (type === 'bool' && typeof v === 'boolean') out[name] = v;
    else if (type === 'string' && typeof v === 'string') out[name] = v;
  }
  return out;
}

function messageToJson(m: DescriptorProto): JsonObj {
  const entries = new Map<string, DescriptorProto>();
  for (const n of m.nestedType ?? []) if (n.options?.mapEntry === true && n.name !== undefined) entries.set(n.name, n);
  const fields: JsonObj = {};
  const oneofs: JsonObj = {};
  for (const f of m.field ?? []) {
    if (f.name === undefined || f.number === undefined) throw new InvalidSchemaError('Invalid FileDescriptorProto: a field without name or number');
    const type = f.type !== undefined && SCALARS[f.type] !== undefined ? SCALARS[f.type]! : (f.typeName ?? '');
    const field: JsonObj = { type, id: f.number };
    const entryName = type.slice(type.lastIndexOf('.') + 1);
    const entry = f.label === 3 && (f.type === 11 || f.type === undefined) ? entries.get(entryName) : undefined;
    if (entry !== undefined) {
      const key = entry.field?.find((x) => x.number === 1);
      const value = entry.field?.find((x) => x.number === 2);
      field['keyType'] = SCALARS[key?.type ?? 9] ?? 'string';
      field['type'] = value?.type !== undefined && SCALARS[value.type] !== undefined ? SCALARS[value.type]! : (value?.typeName ?? '');
    } else if (f.label === 3) field['rule'] = 'repeated';
    else if (f.label === 2) field['rule'] = 'required';
    if (f.proto3Optional === true) field['options'] = { proto3_optional: true };
    fields[f.name] = field;
    if (f.oneofIndex !== undefined && f.oneofIndex !== null) {
      const name = m.oneofDecl?.[f.oneofIndex]?.name ?? `oneof${f.oneofIndex}`;
      const o = (oneofs[name] ??= { oneof: [] }) as { oneof: string[] };
      o.oneof.push(f.name);
    }
  }
  const out: JsonObj = { fields };
  if (Object.keys(oneofs).length > 0) out['oneofs'] = oneofs;
  const reserved: Json[] = [
    ...(m.reservedRange ?? []).map((r) => [r.start ?? 0, (r.end ?? 1) - 1] as Json),
    ...(m.reservedName ?? []),
  ];
  if (reserved.length > 0) out['reserved'] = reserved;
  const nested: JsonObj = {};
  for (const n of m.nestedType ?? []) if (n.options?.mapEntry !== true && n.name !== undefined) nested[n.name] = messageToJson(n);
  for (const e of m.enumType ?? []) if (e.name !== undefined) nested[e.name] = enumToJson(e);
  if (Object.keys(nested).length > 0) out['nested'] = nested;
  return out;
}

function enumToJson(e: EnumDescriptorProto): JsonObj {
  const values: JsonObj = {};
  for (const v of e.value ?? []) if (v.name !== undefined) values[v.name] = v.number ?? 0;
  const out: JsonObj = { values };
  const reserved: Json[] = [...(e.reservedRange ?? []).map((r) => [r.start ?? 0, r.end ?? 0] as Json), ...(e.reservedName ?? [])];
  if (reserved.length > 0) out['reserved'] = reserved;
  return out;
}

function fileToJson(fdp: FileDescriptorProto): JsonObj {
  const defs: JsonObj = {};
  for (const m of fdp.messageType ?? []) if (m.name !== undefined) defs[m.name] = messageToJson(m);
  for (const e of fdp.enumType ?? []) if (e.name !== undefined) defs[e.name] = enumToJson(e);
  for (const s of fdp.service ?? []) {
    if (s.name === undefined) continue;
    const methods: JsonObj = {};
    for (const m of s.method ?? []) {
      if (m.name === undefined) continue;
      methods[m.name] = {
        requestType: m.inputType ?? '', responseType: m.outputType ?? '',
        ...(m.clientStreaming === true ? { requestStream: true } : {}), ...(m.serverStreaming === true ? { responseStream: true } : {}),
      };
    }
    defs[s.name] = { methods };
  }
  let nested: JsonObj = defs;
  for (const part of (fdp.package ?? '').split('.').filter((p) => p !== '').reverse()) nested = { [part]: { nested } };
  return { nested };
}

interface LoadedFile {
  syntax: 'proto2' | 'proto3';
  packageName: string;
  imports: string[];
  options: FileOptions;
  json: JsonObj;
}

const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

/** Reads a schema given as .proto text or as a base64 FileDescriptorProto. */
function loadFile(schema: string, what: string): LoadedFile {
  if (BASE64.test(schema) && !/\bmessage\b|\bsyntax\b/.test(schema)) {
    let fdp: FileDescriptorProto;
    try {
      const { FileDescriptorProto } = descriptorLibrary();
      fdp = FileDescriptorProto.toObject(FileDescriptorProto.decode(Buffer.from(schema, 'base64')),
        { longs: String, enums: Number, defaults: false }) as FileDescriptorProto;
    } catch (e) {
      throw new InvalidSchemaError(`Invalid Protobuf ${what}: not a serialized FileDescriptorProto (${(e as Error).message})`);
    }
    return {
      syntax: fdp.syntax === 'proto3' ? 'proto3' : 'proto2', packageName: fdp.package ?? '', imports: fdp.dependency ?? [],
      options: pickFileOptions(fdp.options, true), json: fileToJson(fdp),
    };
  }
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobufLibrary().parse(schema, new (protobufLibrary().Root)(), { keepCase: true, alternateCommentMode: true });
  } catch (e) {
    throw new InvalidSchemaError(`Invalid Protobuf ${what}: ${(e as Error).message}`);
  }
  const syntax = /^\s*syntax\s*=\s*["']proto3["']/m.test(schema) ? 'proto3' : 'proto2';
  // protobufjs keeps file options on the package's namespace (the root without a package).
  const holder = parsed.package !== undefined && parsed.package !== '' ? parsed.root.lookup(parsed.package) : parsed.root;
  return {
    syntax, packageName: parsed.package ?? '', imports: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])],
    options: pickFileOptions(holder?.options, false),
    json: (parsed.root.toJSON() as { nested?: JsonObj }).nested === undefined ? { nested: {} } : (parsed.root.toJSON() as JsonObj),
  };
}

/** Full names of the messages, enums and services a file's JSON defines at its top (below the package namespaces). */
function topLevelNames(json: JsonObj, prefix = ''): string[] {
  const out: string[] = [];
  const nested = json['nested'];
  if (!isObj(nested)) return out;
  for (const [name, def] of Object.entries(nested)) {
    if (!isObj(def)) continue;
    const full = prefix === '' ? name : `${prefix}.${name}`;
    if ('fields' in def || 'values' in def || 'methods' in def) out.push(full);
    else out.push(...topLevelNames(def, full));
  }
  return out;
}

function addFile(root: protobuf.Root, file: LoadedFile, what: string): void {
  try {
    if (isObj(file.json['nested'])) root.addJSON(file.json['nested'] as Record<string, protobuf.AnyNestedObject>);
  } catch (e) {
    throw new InvalidSchemaError(`Invalid Protobuf ${what}: ${(e as Error).message}`);
  }
}

function loadDependencies(root: protobuf.Root, refs: ResolvedReference[], loaded: Set<string>): void {
  for (const ref of refs) {
    if (loaded.has(ref.name)) continue;
    loaded.add(ref.name);
    if (ref.schemaType !== 'PROTOBUF') throw new InvalidSchemaError(`Reference ${ref.name} is a ${ref.schemaType} schema, not PROTOBUF`);
    loadDependencies(root, ref.references, loaded);
    const file = loadFile(ref.schema, `reference ${ref.name}`);
    loadWellKnown(root, file.imports, loaded);
    addFile(root, file, `reference ${ref.name}`);
  }
}

/** google/protobuf/*.proto imports that no reference provides come from protobufjs's bundled definitions. */
function loadWellKnown(root: protobuf.Root, imports: string[], loaded: Set<string>): void {
  for (const name of imports) {
    if (loaded.has(name)) continue;
    const common = protobufLibrary().common.get(name) as { nested?: Record<string, protobuf.AnyNestedObject> } | undefined;
    if (common === undefined) continue;
    loaded.add(name);
    if (common.nested !== undefined) root.addJSON(common.nested);
  }
}

export const protobufFormat: SchemaFormat<ProtobufSchema> = {
  type: 'PROTOBUF',

  parse(schema: string, references: ResolvedReference[], _normalize: boolean): ProtobufSchema {
    const file = loadFile(schema, 'schema');
    const root = new (protobufLibrary().Root)();
    const loaded = new Set<string>();
    loadDependencies(root, references, loaded);
    loadWellKnown(root, file.imports, loaded);
    const missing = file.imports.filter((i) => !loaded.has(i));
    if (missing.length > 0) throw new InvalidSchemaError(`Invalid Protobuf schema: import ${missing.map((m) => JSON.stringify(m)).join(', ')} has no reference`);
    addFile(root, file, 'schema');
    try {
      root.resolveAll();
    } catch (e) {
      throw new InvalidSchemaError(`Invalid Protobuf schema: ${(e as Error).message}`);
    }
    const topLevel = topLevelNames(file.json);
    const parsed = {
      type: 'PROTOBUF' as const, syntax: file.syntax, packageName: file.packageName, imports: file.imports,
      fileOptions: file.options, root, topLevel, canonical: '',
    };
    return { ...parsed, canonical: printFile(parsed) };
  },

  check(reader: ProtobufSchema, writer: ProtobufSchema, _ctx: CompatibilityContext): string[] {
    return compareFiles(writer, reader);
  },

  formatted(parsed: ProtobufSchema, format: string): string | null {
    if (format !== 'serialized') return null;
    const fdp = toFileDescriptor(parsed);
    const { FileDescriptorProto } = descriptorLibrary();
    return Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(fdp as Record<string, unknown>)).finish()).toString('base64');
  },
};

// ---- canonical text ----

function lookup(root: protobuf.Root, fullName: string): protobuf.ReflectionObject | null {
  return root.lookup(fullName);
}

/** A map field's key type (protobufjs models map fields as MapField, a Field with keyType). */
function keyTypeOf(field: protobuf.Field): string {
  return (field as unknown as { keyType?: string }).keyType ?? 'string';
}

function typeRef(field: protobuf.Field): string {
  return field.resolvedType !== null ? field.resolvedType.fullName : field.type;
}

function printFile(s: Omit<ProtobufSchema, 'canonical'>): string {
  const lines: string[] = [`syntax = "${s.syntax}";`];
  if (s.packageName !== '') lines.push(`package ${s.packageName};`);
  for (const i of s.imports) lines.push(`import "${i}";`);
  const options = Object.keys(s.fileOptions).sort();
  if (options.length > 0) lines.push('');
  for (const name of options) {
    const v = s.fileOptions[name]!;
    lines.push(`option ${name} = ${typeof v === 'boolean' || FILE_OPTIONS[name] === 'optimize' ? String(v) : JSON.stringify(v)};`);
  }
  for (const name of s.topLevel) {
    const obj = lookup(s.root, name);
    if (obj !== null) lines.push('', ...printDefinition(obj, s.syntax, ''));
  }
  return `${lines.join('\n')}\n`;
}

function printDefinition(obj: protobuf.ReflectionObject, syntax: string, indent: string): string[] {
  if (obj instanceof protobufLibrary().Type) return printMessage(obj, syntax, indent);
  if (obj instanceof protobufLibrary().Enum) return printEnum(obj, indent);
  if (obj instanceof protobufLibrary().Service) {
    const out = [`${indent}service ${obj.name} {`];
    for (const m of obj.methodsArray) {
      m.resolve();
      const req = m.resolvedRequestType?.fullName ?? m.requestType;
      const res = m.resolvedResponseType?.fullName ?? m.responseType;
      out.push(`${indent}  rpc ${m.name}(${m.requestStream === true ? 'stream ' : ''}${req}) returns (${m.responseStream === true ? 'stream ' : ''}${res});`);
    }
    out.push(`${indent}}`);
    return out;
  }
  return [];
}

function printReserved(reserved: (number[] | string)[] | undefined, indent: string, inclusiveEnd: boolean): string[] {
  if (reserved === undefined || reserved.length === 0) return [];
  const ranges = reserved.filter((r): r is number[] => Array.isArray(r)).map(([a, b]) => {
    const end = inclusiveEnd ? b! : b!;
    return a === end ? `${a}` : `${a} to ${end === 536870911 || end === 2147483647 ? 'max' : end}`;
  });
  const names = reserved.filter((r): r is string => typeof r === 'string').map((n) => `"${n}"`);
  const out: string[] = [];
  if (ranges.length > 0) out.push(`${indent}reserved ${ranges.join(', ')};`);
  if (names.length > 0) out.push(`${indent}reserved ${names.join(', ')};`);
  return out;
}

function printMessage(t: protobuf.Type, syntax: string, indent: string): string[] {
  const out = [`${indent}message ${t.name} {`];
  const inner = `${indent}  `;
  const printed = new Set<string>();
  const fieldLine = (f: protobuf.Field, ind: string, inOneof: boolean): string => {
    const type = typeRef(f);
    if (f.map) return `${ind}map<${keyTypeOf(f)}, ${type}> ${f.name} = ${f.id};`;
    let label = '';
    if (f.repeated) label = 'repeated ';
    else if (f.required) label = 'required ';
    else if (!inOneof && (syntax === 'proto2' || f.options?.['proto3_optional'] === true)) label = 'optional ';
    return `${ind}${label}${type} ${f.name} = ${f.id};`;
  };
  for (const f of [...t.fieldsArray].sort((a, b) => a.id - b.id)) {
    if (printed.has(f.name)) continue;
    const oneof = f.partOf;
    // proto3 `optional` is a synthetic one-field oneof named _<field>: printed as the optional field.
    if (oneof !== null && !(oneof.oneof.length === 1 && oneof.name === `_${f.name}`)) {
      out.push(`${inner}oneof ${oneof.name} {`);
      for (const name of oneof.oneof) {
        const member = t.fields[name];
        if (member === undefined) continue;
        out.push(fieldLine(member, `${inner}  `, true));
        printed.add(name);
      }
      out.push(`${inner}}`);
      continue;
    }
    out.push(fieldLine(f, inner, false));
    printed.add(f.name);
  }
  out.push(...printReserved(t.reserved as (number[] | string)[] | undefined, inner, true));
  for (const n of t.nestedArray) out.push(...printDefinition(n, syntax, inner));
  out.push(`${indent}}`);
  return out;
}

function printEnum(e: protobuf.Enum, indent: string): string[] {
  const out = [`${indent}enum ${e.name} {`];
  for (const [name, value] of Object.entries(e.values)) out.push(`${indent}  ${name} = ${value};`);
  out.push(...printReserved(e.reserved as (number[] | string)[] | undefined, `${indent}  `, true));
  out.push(`${indent}}`);
  return out;
}

// ---- FileDescriptorProto for ?format=serialized ----

function fieldDescriptor(f: protobuf.Field, oneofIndex: Map<string, number>, syntax: string): FieldDescriptorProto {
  const out: FieldDescriptorProto = { name: f.name, number: f.id, label: f.repeated || f.map ? 3 : f.required ? 2 : 1 };
  if (f.map) {
    out.type = 11;
    out.typeName = `${f.parent!.fullName}.${mapEntryName(f.name)}`;
  } else if (f.resolvedType instanceof protobufLibrary().Type) {
    out.type = 11;
    out.typeName = f.resolvedType.fullName;
  } else if (f.resolvedType instanceof protobufLibrary().Enum) {
    out.type = 14;
    out.typeName = f.resolvedType.fullName;
  } else {
    out.type = SCALAR_NUMBERS[f.type] ?? 9;
  }
  if (f.partOf !== null && oneofIndex.has(f.partOf.name)) out.oneofIndex = oneofIndex.get(f.partOf.name)!;
  if (syntax === 'proto3' && f.options?.['proto3_optional'] === true) out.proto3Optional = true;
  return out;
}

/** protoc's name for a map field's entry message: the field name in CamelCase plus "Entry". */
function mapEntryName(field: string): string {
  return `${field.split('_').map((p) => (p === '' ? '' : p[0]!.toUpperCase() + p.slice(1))).join('')}Entry`;
}

function messageDescriptor(t: protobuf.Type, syntax: string): DescriptorProto {
  const oneofs = t.oneofsArray;
  // Synthetic oneofs (proto3 optional) come last, as protoc orders them.
  const ordered = [...oneofs.filter((o) => !isSynthetic(o)), ...oneofs.filter(isSynthetic)];
  const oneofIndex = new Map(ordered.map((o, i) => [o.name, i]));
  const nestedType: DescriptorProto[] = [];
  for (const f of t.fieldsArray) {
    if (!f.map) continue;
    const value: FieldDescriptorProto = { name: 'value', number: 2, label: 1 };
    if (f.resolvedType instanceof protobufLibrary().Type) Object.assign(value, { type: 11, typeName: f.resolvedType.fullName });
    else if (f.resolvedType instanceof protobufLibrary().Enum) Object.assign(value, { type: 14, typeName: f.resolvedType.fullName });
    else value.type = SCALAR_NUMBERS[f.type] ?? 9;
    nestedType.push({
      name: mapEntryName(f.name), options: { mapEntry: true },
      field: [{ name: 'key', number: 1, label: 1, type: SCALAR_NUMBERS[keyTypeOf(f)] ?? 9 }, value],
    });
  }
  const enumType: EnumDescriptorProto[] = [];
  for (const n of t.nestedArray) {
    if (n instanceof protobufLibrary().Type) nestedType.push(messageDescriptor(n, syntax));
    else if (n instanceof protobufLibrary().Enum) enumType.push(enumDescriptor(n));
  }
  const reserved = (t.reserved ?? []) as (number[] | string)[];
  return {
    name: t.name,
    field: [...t.fieldsArray].sort((a, b) => a.id - b.id).map((f) => fieldDescriptor(f, oneofIndex, syntax)),
    nestedType, enumType,
    oneofDecl: ordered.map((o) => ({ name: o.name })),
    reservedRange: reserved.filter((r): r is number[] => Array.isArray(r)).map(([a, b]) => ({ start: a!, end: b! + 1 })),
    reservedName: reserved.filter((r): r is string => typeof r === 'string'),
  };
}

function isSynthetic(o: protobuf.OneOf): boolean {
  return o.oneof.length === 1 && o.name === `_${o.oneof[0]}`;
}

function enumDescriptor(e: protobuf.Enum): EnumDescriptorProto {
  const reserved = (e.reserved ?? []) as (number[] | string)[];
  return {
    name: e.name, value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
    reservedRange: reserved.filter((r): r is number[] => Array.isArray(r)).map(([a, b]) => ({ start: a!, end: b! })),
    reservedName: reserved.filter((r): r is string => typeof r === 'string'),
  };
}

function toFileDescriptor(s: ProtobufSchema): FileDescriptorProto {
  const out: FileDescriptorProto = { name: 'default.proto', dependency: s.imports, messageType: [], enumType: [], service: [] };
  if (s.packageName !== '') out.package = s.packageName;
  if (s.syntax === 'proto3') out.syntax = 'proto3';
  if (Object.keys(s.fileOptions).length > 0) {
    out.options = Object.fromEntries(Object.entries(s.fileOptions).map(([k, v]) => [camel(k), FILE_OPTIONS[k] === 'optimize' ? OPTIMIZE_MODES.indexOf(String(v)) : v]));
  }
  for (const name of s.topLevel) {
    const obj = lookup(s.root, name);
    if (obj instanceof protobufLibrary().Type) out.messageType!.push(messageDescriptor(obj, s.syntax));
    else if (obj instanceof protobufLibrary().Enum) out.enumType!.push(enumDescriptor(obj));
    else if (obj instanceof protobufLibrary().Service) {
      out.service!.push({
        name: obj.name,
        method: obj.methodsArray.map((m) => ({
          name: m.name, inputType: m.resolvedRequestType?.fullName ?? m.requestType, outputType: m.resolvedResponseType?.fullName ?? m.responseType,
          clientStreaming: m.requestStream === true, serverStreaming: m.responseStream === true,
        })),
      });
    }
  }
  return out;
}

// ---- compatibility ----

/**
 * Scalar types that decode each other's wire values (Confluent's groups, after protobuf's
 * "updating a message type" rules); an enum counts as a general number.
 */
const SCALAR_GROUPS = [['int32', 'uint32', 'int64', 'uint64', 'bool'], ['sint32', 'sint64'], ['fixed32', 'sfixed32'], ['fixed64', 'sfixed64'], ['string', 'bytes'], ['float'], ['double']];

function scalarGroup(f: { type: string; resolvedType: protobuf.ReflectionObject | null }): number {
  if (f.resolvedType instanceof protobufLibrary().Enum) return 0;
  return SCALAR_GROUPS.findIndex((g) => g.includes(f.type));
}

/** Confluent's field kinds: enums are scalars (they are varints on the wire). */
function fieldKind(f: protobuf.Field): 'scalar' | 'message' | 'map' {
  if (f.map) return 'map';
  return f.resolvedType instanceof protobufLibrary().Type ? 'message' : 'scalar';
}

function isReserved(t: protobuf.Type | protobuf.Enum, id: number): boolean {
  return ((t.reserved ?? []) as (number[] | string)[]).some((r) => Array.isArray(r) && id >= r[0]! && id <= r[1]!);
}

function diff(type: string, path: string): string {
  return `{errorType:"${type}", description:"Found incompatible change: Difference{fullPath='${path}', type=${type}}"}`;
}

/** A type's name within its package: what Confluent compares when a field's message type may have moved files. */
function localName(t: protobuf.ReflectionObject, packageName: string): string {
  const full = t.fullName.replace(/^\./, '');
  return packageName !== '' && full.startsWith(`${packageName}.`) ? full.slice(packageName.length + 1) : full;
}

/** Incompatible differences from `original` (the writer) to `update` (the reader). */
function compareFiles(original: ProtobufSchema, update: ProtobufSchema): string[] {
  const out: string[] = [];
  if (original.packageName !== update.packageName) out.push(diff('PACKAGE_CHANGED', '#/'));
  const messages = (s: ProtobufSchema): Map<string, protobuf.Type> => {
    const map = new Map<string, protobuf.Type>();
    const walk = (obj: protobuf.ReflectionObject | null) => {
      if (!(obj instanceof protobufLibrary().Type)) return;
      map.set(localName(obj, s.packageName), obj);
      for (const n of obj.nestedArray) walk(n);
    };
    for (const name of s.topLevel) walk(lookup(s.root, name));
    return map;
  };
  const om = messages(original);
  const um = messages(update);
  // Removing a message breaks readers that name it; enums may come and go (ENUM_REMOVED is compatible).
  for (const [name, ot] of om) {
    const ut = um.get(name);
    if (ut === undefined) out.push(diff('MESSAGE_REMOVED', `#/${name}`));
    else compareMessages(ot, ut, `#/${name}`, original.packageName, update.packageName, out);
  }
  return out;
}

function compareFieldTypes(f: protobuf.Field, g: protobuf.Field, at: string, oPkg: string, uPkg: string, out: string[]): void {
  const ok = fieldKind(f);
  const uk = fieldKind(g);
  if (ok !== uk) return void out.push(diff('FIELD_KIND_CHANGED', at));
  if (ok === 'map') {
    // Keys and values compare as fields of their own.
    if (scalarGroup({ type: keyTypeOf(f), resolvedType: null }) !== scalarGroup({ type: keyTypeOf(g), resolvedType: null })) out.push(diff('FIELD_SCALAR_KIND_CHANGED', `${at}/key`));
    const fv = f.resolvedType instanceof protobufLibrary().Type ? 'message' : 'scalar';
    const gv = g.resolvedType instanceof protobufLibrary().Type ? 'message' : 'scalar';
    if (fv !== gv) out.push(diff('FIELD_KIND_CHANGED', `${at}/value`));
    else if (fv === 'scalar' && scalarGroup(f) !== scalarGroup(g)) out.push(diff('FIELD_SCALAR_KIND_CHANGED', `${at}/value`));
    else if (fv === 'message' && localName(f.resolvedType!, oPkg) !== localName(g.resolvedType!, uPkg)) out.push(diff('FIELD_NAMED_TYPE_CHANGED', `${at}/value`));
    return;
  }
  if (ok === 'scalar') {
    if (scalarGroup(f) !== scalarGroup(g)) out.push(diff('FIELD_SCALAR_KIND_CHANGED', at));
    return;
  }
  if (localName(f.resolvedType!, oPkg) !== localName(g.resolvedType!, uPkg)) out.push(diff('FIELD_NAMED_TYPE_CHANGED', at));
}

function compareMessages(o: protobuf.Type, u: protobuf.Type, path: string, oPkg: string, uPkg: string, out: string[]): void {
  // Numbers once reserved must stay reserved (names do not protect a number).
  for (const r of (o.reserved ?? []) as (number[] | string)[]) {
    if (!Array.isArray(r)) continue;
    const [from, to] = [r[0]!, r[1]!];
    const covered = ((u.reserved ?? []) as (number[] | string)[]).some((x) => Array.isArray(x) && x[0]! <= from && x[1]! >= to);
    if (!covered) out.push(diff('RESERVED_FIELD_REMOVED', `${path}/${from}`));
  }
  const real = (t: protobuf.Type) => t.oneofsArray.filter((x) => !isSynthetic(x));
  const inOneof = (t: protobuf.Type) => new Map(real(t).flatMap((x) => x.oneof.map((n) => [t.fields[n]?.id ?? -1, x.name] as const)));
  const oOneofOf = inOneof(o);
  const of = new Map(o.fieldsArray.map((f) => [f.id, f]));
  const uf = new Map(u.fieldsArray.map((f) => [f.id, f]));

  // Fields moving into a oneof: one may move into a new oneof; several at once, or one joining fields
  // that were already in a oneof, would make old data ambiguous.
  for (const oneof of real(u)) {
    let moved = 0;
    let existing = 0;
    for (const name of oneof.oneof) {
      const id = u.fields[name]?.id;
      if (id === undefined || !of.has(id)) continue;
      if (oOneofOf.has(id)) existing++;
      else moved++;
    }
    if (moved > 1) out.push(diff('MULTIPLE_FIELDS_MOVED_TO_ONEOF', `${path}/${oneof.name}`));
    else if (moved === 1 && existing > 0) out.push(diff('FIELD_MOVED_TO_EXISTING_ONEOF', `${path}/${oneof.name}`));
  }
  // A oneof kept under its name may gain members, not lose them (a member moved elsewhere is not lost).
  for (const oneof of real(o)) {
    const kept = real(u).find((x) => x.name === oneof.name);
    if (kept === undefined) continue;
    const keptIds = new Set(kept.oneof.map((n) => u.fields[n]?.id));
    for (const name of oneof.oneof) {
      const id = o.fields[name]?.id;
      if (id !== undefined && !keptIds.has(id) && !uf.has(id)) out.push(diff('ONEOF_FIELD_REMOVED', `${path}/${oneof.name}/${id}`));
    }
  }

  for (const [id, f] of of) {
    const g = uf.get(id);
    const at = `${path}/${id}`;
    if (g === undefined) {
      if (f.required) out.push(diff('REQUIRED_FIELD_REMOVED', at));
      continue;
    }
    compareFieldTypes(f, g, at, oPkg, uPkg, out);
  }
  for (const [id, g] of uf) {
    if (of.has(id)) continue;
    if (g.required) out.push(diff('REQUIRED_FIELD_ADDED', `${path}/${id}`));
    if (isReserved(o, id)) out.push(diff('FIELD_CONFLICTS_WITH_RESERVED_FIELD', `${path}/${id}`));
  }
}
