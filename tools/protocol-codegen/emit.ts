// Emits one TypeScript module per message spec: interfaces (decoded and input
// shapes), defaults, and a decoder and encoder covering every valid version.

import type { FieldSpec, MessageSpec, StructSpec, VersionRange } from './spec.js';
import { intersect, isEmpty } from './spec.js';

const NUMBER_READ: Record<string, string> = {
  bool: 'bool', int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', int64: 'int64', float64: 'float64', uuid: 'uuid',
};

export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** TypeScript-safe local variable name for a field. */
function local(f: FieldSpec): string {
  return `f_${camel(f.name)}`;
}

class Emitter {
  private out: string[] = [];
  private readonly flexMin: number | null;

  constructor(private readonly msg: MessageSpec) {
    this.flexMin = isEmpty(msg.flexibleVersions) ? null : msg.flexibleVersions.min;
  }

  private line(s = ''): void {
    this.out.push(s);
  }

  typeName(struct: StructSpec | string): string {
    const n = typeof struct === 'string' ? struct : struct.name;
    // Struct names that already carry the message name (MetadataRequestTopic) are kept as they are.
    return n.startsWith(this.msg.name) ? n : `${this.msg.name}${n}`;
  }

  /** A boolean expression in `version` that is true exactly for versions in r (within valid versions). */
  versionCheck(r: VersionRange): string {
    const valid = this.msg.validVersions;
    const eff = intersect(r, valid);
    if (isEmpty(eff)) return 'false';
    const parts: string[] = [];
    if (eff.min > valid.min) parts.push(`version >= ${eff.min}`);
    if (eff.max < valid.max) parts.push(`version <= ${eff.max}`);
    return parts.length === 0 ? 'true' : parts.join(' && ');
  }

  private compactExpr(f: FieldSpec): string {
    if (f.flexibleOverride !== null) return this.versionCheck(intersect(f.flexibleOverride, this.msg.flexibleVersions));
    return 'flexible';
  }

  private baseTsType(f: FieldSpec, input: boolean): string {
    if (f.isStruct) return this.typeName(f.type) + (input ? 'Input' : '');
    switch (f.type) {
      case 'bool': return 'boolean';
      case 'string': case 'uuid': return 'string';
      case 'bytes': case 'records': return 'Buffer';
      default: return 'number';
    }
  }

  tsType(f: FieldSpec, input: boolean): string {
    let t = this.baseTsType(f, input);
    if (f.isArray) t = `${t}[]`;
    if (!isEmpty(f.nullableVersions)) t = `${t} | null`;
    return t;
  }

  /** The default value expression of a field (its spec default or its type's zero value). */
  defaultExpr(f: FieldSpec): string {
    const d = f.defaultText;
    if (d === 'null') return 'null';
    if (f.isArray) return '[]';
    if (f.isStruct) return `default${this.typeName(f.type)}()`;
    switch (f.type) {
      case 'bool': return d === 'true' ? 'true' : 'false';
      case 'string': return JSON.stringify(d ?? '');
      case 'uuid': return 'UUID_ZERO';
      case 'bytes': case 'records': return 'EMPTY_BYTES';
      default: {
        if (d === undefined || d === '') return '0';
        const n = Number(d);
        if (!Number.isFinite(n)) throw new Error(`${this.msg.name}.${f.name}: bad default ${d}`);
        return String(n);
      }
    }
  }

  /** Whether the value in `x` equals the field's default (for omitting tagged fields). */
  isDefaultExpr(f: FieldSpec, x: string): string {
    const d = this.defaultExpr(f);
    if (d === 'null') return `${x} == null`;
    if (f.isArray) return `${x} === undefined || (${x} !== null && ${x}.length === 0)`;
    if (f.isStruct) return `${x} === undefined || deepEqual(${x}, ${d})`;
    if (f.type === 'bytes' || f.type === 'records') return `${x} === undefined || (${x} !== null && ${x}.length === 0)`;
    return `${x} === undefined || ${x} === ${d}`;
  }

  private nullableExpr(f: FieldSpec): string {
    return isEmpty(f.nullableVersions) ? 'false' : this.versionCheck(f.nullableVersions);
  }

  /** An expression reading one element of the field's (element) type. */
  private readElement(f: FieldSpec, c: string): string {
    if (f.isStruct) return `read${this.typeName(f.type)}(r, version)`;
    if (f.type === 'string') return `r.string(${c})`;
    if (f.type === 'bytes' || f.type === 'records') return `r.bytes(${c})`;
    return `r.${NUMBER_READ[f.type]}()`;
  }

  readExpr(f: FieldSpec, c: string): string {
    const nullable = this.nullableExpr(f);
    const label = JSON.stringify(`${this.msg.name}.${f.name}`);
    if (f.isArray) return `readArray(r, ${c}, ${nullable}, ${label}, (r) => ${this.readElement(f, c)})`;
    if (f.isStruct) {
      if (nullable === 'false') return this.readElement(f, c);
      return `readStruct(r, ${nullable}, ${label}, (r) => ${this.readElement(f, c)})`;
    }
    if (f.type === 'string') {
      if (nullable === 'false') return `r.string(${c})`;
      const read = `(${c} ? r.compactNullableString() : r.nullableString())`;
      return nullable === 'true' ? read : `(${nullable} ? ${read} : r.string(${c}))`;
    }
    if (f.type === 'bytes' || f.type === 'records') {
      if (nullable === 'false') return `r.bytes(${c})`;
      const read = `(${c} ? r.compactNullableBytes() : r.nullableBytes())`;
      return nullable === 'true' ? read : `(${nullable} ? ${read} : r.bytes(${c}))`;
    }
    return `r.${NUMBER_READ[f.type]}()`;
  }

  private writeElement(f: FieldSpec, c: string, item: string): string {
    if (f.isStruct) return `write${this.typeName(f.type)}(w, version, ${item})`;
    if (f.type === 'string') return `writeString(w, ${c}, false, '', ${item})`;
    if (f.type === 'bytes' || f.type === 'records') return `writeBytes(w, ${c}, false, '', ${item})`;
    return `w.${NUMBER_READ[f.type]}(${item})`;
  }

  /** Statements writing the value held in `x` (a possibly-undefined input value). */
  writeStmt(f: FieldSpec, c: string, x: string): string {
    const nullable = this.nullableExpr(f);
    const label = JSON.stringify(`${this.msg.name}.${f.name}`);
    const value = `(${x} === undefined ? ${this.defaultExpr(f)} : ${x})`;
    if (f.isArray) return `writeArray(w, ${c}, ${nullable}, ${label}, ${value}, (w, e) => ${this.writeElement(f, c, 'e')});`;
    if (f.isStruct) return `writeStruct(w, ${nullable}, ${label}, ${value}, (w, s) => ${this.writeElement(f, c, 's')});`;
    if (f.type === 'string') return `writeString(w, ${c}, ${nullable}, ${label}, ${value});`;
    if (f.type === 'bytes' || f.type === 'records') return `writeBytes(w, ${c}, ${nullable}, ${label}, ${value});`;
    return `w.${NUMBER_READ[f.type]}(${x} ?? ${this.defaultExpr(f)});`;
  }

  private isTagged(f: FieldSpec): boolean {
    return f.tag !== null;
  }

  emitStructTypes(s: StructSpec): void {
    const name = this.typeName(s);
    for (const input of [false, true]) {
      this.line(`export interface ${name}${input ? 'Input' : ''} {`);
      for (const f of s.fields) {
        if (f.about !== '') this.line(`  /** ${f.about.replace(/\*\//g, '* /')} */`);
        this.line(`  ${camel(f.name)}${input ? '?' : ''}: ${this.tsType(f, input)};`);
      }
      this.line('}');
      this.line();
    }
    this.line(`export function default${name}(): ${name} {`);
    this.line(`  return {`);
    for (const f of s.fields) this.line(`    ${camel(f.name)}: ${this.defaultExpr(f)},`);
    this.line(`  };`);
    this.line('}');
    this.line();
  }

  emitReader(s: StructSpec): void {
    const name = this.typeName(s);
    this.line(`function read${name}(r: Reader, version: number): ${name} {`);
    this.line(`  const flexible = ${this.flexMin === null ? 'false' : `version >= ${this.flexMin}`};`);
    const tagged = s.fields.filter((f) => this.isTagged(f));
    for (const f of s.fields) {
      const t = this.tsType(f, false);
      if (this.isTagged(f)) {
        this.line(`  let ${local(f)}: ${t} = ${this.defaultExpr(f)};`);
        continue;
      }
      const check = this.versionCheck(f.versions);
      if (check === 'true') this.line(`  const ${local(f)}: ${t} = ${this.readExpr(f, this.compactExpr(f))};`);
      else if (check === 'false') this.line(`  const ${local(f)}: ${t} = ${this.defaultExpr(f)};`);
      else this.line(`  const ${local(f)}: ${t} = ${check} ? ${this.readExpr(f, this.compactExpr(f))} : ${this.defaultExpr(f)};`);
    }
    if (this.flexMin !== null) {
      if (tagged.length === 0) {
        this.line(`  if (flexible) r.taggedFields();`);
      } else {
        this.line(`  if (flexible) {`);
        this.line(`    r.taggedFields((tag) => {`);
        this.line(`      switch (tag) {`);
        for (const f of tagged) {
          this.line(`        case ${f.tag}:`);
          this.line(`          if (!(${this.versionCheck(f.taggedVersions)})) return false;`);
          this.line(`          ${local(f)} = ${this.readExpr(f, 'true')};`);
          this.line(`          return true;`);
        }
        this.line(`        default:`);
        this.line(`          return false;`);
        this.line(`      }`);
        this.line(`    });`);
        this.line(`  }`);
      }
    }
    this.line(`  return {`);
    for (const f of s.fields) this.line(`    ${camel(f.name)}: ${local(f)},`);
    this.line(`  };`);
    this.line('}');
    this.line();
  }

  emitWriter(s: StructSpec): void {
    const name = this.typeName(s);
    this.line(`function write${name}(w: Writer, version: number, v: ${name}Input): void {`);
    this.line(`  const flexible = ${this.flexMin === null ? 'false' : `version >= ${this.flexMin}`};`);
    const tagged = s.fields.filter((f) => this.isTagged(f)).sort((a, b) => a.tag! - b.tag!);
    for (const f of s.fields) {
      if (this.isTagged(f)) continue;
      const check = this.versionCheck(f.versions);
      if (check === 'false') continue;
      const stmt = this.writeStmt(f, this.compactExpr(f), `v.${camel(f.name)}`);
      if (check === 'true') this.line(`  ${stmt}`);
      else this.line(`  if (${check}) ${stmt}`);
    }
    if (this.flexMin !== null) {
      if (tagged.length === 0) {
        this.line(`  if (flexible) w.uvarint(0);`);
      } else {
        this.line(`  if (flexible) {`);
        this.line(`    const tagged: TaggedField[] = [];`);
        for (const f of tagged) {
          const x = `v.${camel(f.name)}`;
          this.line(`    if ((${this.versionCheck(f.taggedVersions)}) && !(${this.isDefaultExpr(f, x)})) {`);
          this.line(`      tagged.push(encodeTagged(${f.tag}, (w) => { ${this.writeStmt(f, 'true', x)} }));`);
          this.line(`    }`);
        }
        this.line(`    writeTaggedFields(w, tagged);`);
        this.line(`  }`);
      }
    }
    this.line('}');
    this.line();
  }

  emit(): string {
    const m = this.msg;
    this.line(`// Generated from ${m.name}.json by tools/protocol-codegen. Do not edit.`);
    this.line(`/* eslint-disable */`);
    this.line(`import { ProtocolDecodeError, type Reader } from '../reader.js';`);
    this.line(`import type { Writer } from '../writer.js';`);
    this.line(`import { EMPTY_BYTES, UUID_ZERO, deepEqual, encodeTagged, readArray, readStruct, writeArray, writeBytes, writeString, writeStruct, writeTaggedFields, type TaggedField } from '../codec-runtime.js';`);
    this.line(`import type { MessageDescriptor } from '../message.js';`);
    this.line();
    const top: StructSpec = { name: m.name, fields: m.fields };
    for (const s of [top, ...m.structs]) this.emitStructTypes(s);
    for (const s of [top, ...m.structs]) {
      this.emitReader(s);
      this.emitWriter(s);
    }
    const max = m.validVersions.max;
    this.line(`export const ${m.name}Message: MessageDescriptor<${m.name}, ${m.name}Input> = {`);
    this.line(`  name: ${JSON.stringify(m.name)},`);
    this.line(`  kind: ${JSON.stringify(m.kind)},`);
    this.line(`  apiKey: ${m.apiKey === null ? -1 : m.apiKey},`);
    this.line(`  minVersion: ${m.validVersions.min},`);
    this.line(`  maxVersion: ${max},`);
    this.line(`  /** Versions from this one up use compact encodings and tagged fields; -1 for none. */`);
    this.line(`  flexibleMinVersion: ${this.flexMin === null ? -1 : this.flexMin},`);
    this.line(`  latestVersionUnstable: ${m.latestVersionUnstable},`);
    this.line(`  decode(r: Reader, version: number): ${m.name} {`);
    this.line(`    if (version < ${m.validVersions.min} || version > ${max}) throw new ProtocolDecodeError(\`${m.name} has no version \${version}\`);`);
    this.line(`    return read${m.name}(r, version);`);
    this.line(`  },`);
    this.line(`  encode(w: Writer, version: number, value: ${m.name}Input): void {`);
    this.line(`    if (version < ${m.validVersions.min} || version > ${max}) throw new RangeError(\`${m.name} has no version \${version}\`);`);
    this.line(`    write${m.name}(w, version, value);`);
    this.line(`  },`);
    this.line(`};`);
    this.line();
    return this.out.join('\n');
  }
}

export function emitMessage(msg: MessageSpec): string {
  return new Emitter(msg).emit();
}
