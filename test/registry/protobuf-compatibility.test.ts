// Protobuf evolutions per compatibility level; expectations from Confluent's
// documented Protobuf rules: fields are identified by number, so adding,
// removing or renaming fields and enum values is compatible; changing a field's
// kind, its scalar type outside the wire-compatible groups, or its message
// type is not; nor is removing a message, changing the package, adding or
// removing a proto2 required field, moving several fields into a new oneof, or
// dropping a reserved number. Enums count as scalars of the int32/int64/uint/bool group.
import { test } from 'node:test';
import { runCompatRow, type CompatRow } from './compat-table.js';

const proto3 = (body: string, pkg = 'com.example') => `syntax = "proto3";\npackage ${pkg};\n${body}\n`;
const user = (fields: string, extra = '') => proto3(`message User {\n${fields}\n}\n${extra}`);

const ROWS: CompatRow[] = [
  { name: 'identical schema', old: [user('string name = 1;')], new: user('string name = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'whitespace and comments do not matter', old: [user('string name = 1;')], new: user('  // the name\n  string   name=1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'add a field', old: [user('string name = 1;')], new: user('string name = 1; int32 age = 2;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'remove a field', old: [user('string name = 1; int32 age = 2;')], new: user('string name = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'rename a field', old: [user('string name = 1;')], new: user('string full_name = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'int32 to int64 (same wire group)', old: [user('int32 n = 1;')], new: user('int64 n = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'string to bytes', old: [user('string s = 1;')], new: user('bytes s = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'string to int32', old: [user('string s = 1;')], new: user('int32 s = 1;'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'sint32 to int32 (different zigzag encoding)', old: [user('sint32 n = 1;')], new: user('int32 n = 1;'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'scalar to message', old: [user('string a = 1;', 'message Address { string city = 1; }')],
    new: user('Address a = 1;', 'message Address { string city = 1; }'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'a field changes its message type', old: [user('Address a = 1;', 'message Address { string city = 1; } message Place { string city = 1; }')],
    new: user('Place a = 1;', 'message Address { string city = 1; } message Place { string city = 1; }'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'remove a message', old: [user('string name = 1;', 'message Extra { int32 x = 1; }')], new: user('string name = 1;'), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'add an enum value', old: [user('Kind k = 1;', 'enum Kind { A = 0; B = 1; }')], new: user('Kind k = 1;', 'enum Kind { A = 0; B = 1; C = 2; }'),
    expect: { BACKWARD: true, FORWARD: true } },
  { name: 'an enum field becomes int32 (both varints)', old: [user('Kind k = 1;', 'enum Kind { A = 0; B = 1; }')], new: user('int32 k = 1;', 'enum Kind { A = 0; B = 1; }'),
    expect: { BACKWARD: true, FORWARD: true } },
  { name: 'remove an enum type no field uses', old: [user('string name = 1;', 'enum Kind { A = 0; }')], new: user('string name = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'a map value type changes', old: [user('map<string, int32> m = 1;')], new: user('map<string, string> m = 1;'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'a map value widens within its group', old: [user('map<string, int32> m = 1;')], new: user('map<string, int64> m = 1;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'move one field into a new oneof', old: [user('string email = 1; string name = 2;')],
    new: user('oneof contact { string email = 1; } string name = 2;'), expect: { BACKWARD: true, FORWARD: true } },
  { name: 'move two fields into a new oneof', old: [user('string email = 1; string phone = 2;')],
    new: user('oneof contact { string email = 1; string phone = 2; }'), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'remove a field from a oneof', old: [user('oneof contact { string email = 1; string phone = 2; }')],
    new: user('oneof contact { string email = 1; }'), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'change the package', old: [user('string name = 1;')], new: proto3('message User {\nstring name = 1;\n}', 'com.other'), expect: { BACKWARD: false, FORWARD: false } },
  { name: 'proto2: add a required field', old: ['syntax = "proto2";\nmessage User { optional string name = 1; }'],
    new: 'syntax = "proto2";\nmessage User { optional string name = 1; required int32 age = 2; }', expect: { BACKWARD: false, FORWARD: false } },
  { name: 'move a field into an existing oneof', old: [user('oneof contact { string email = 1; } string phone = 2;')],
    new: user('oneof contact { string email = 1; string phone = 2; }'), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'dropping a reserved name (names do not protect numbers)', old: [user('string name = 1; reserved "old";')], new: user('string name = 1;'),
    expect: { BACKWARD: true, FORWARD: true } },
  { name: 'drop a reserved number', old: [user('string name = 1; reserved 2;')], new: user('string name = 1;'), expect: { BACKWARD: false, FORWARD: true } },
  { name: 'a nested message gains a field', old: [user('Inner i = 1; message Inner { bool ok = 1; }')],
    new: user('Inner i = 1; message Inner { bool ok = 1; string why = 2; }'), expect: { BACKWARD: true, FORWARD: true } },
  // Transitive: the field number comes back with another type.
  { name: 'a field number reused with another type', old: [user('string a = 1;'), user('string b = 2;')], new: user('string b = 2; int32 a = 1;'),
    expect: { BACKWARD: true, BACKWARD_TRANSITIVE: false, FORWARD: true, FORWARD_TRANSITIVE: false, FULL: true, FULL_TRANSITIVE: false } },
];

for (const row of ROWS) test(`protobuf: ${row.name}`, () => runCompatRow('PROTOBUF', row));
