// The schema libraries (avsc, protobufjs), loaded when the registry first
// parses a schema of their format rather than at start-up.
//
// Importing them eagerly cost ~30 ms of start-up and ~13 MiB of idle memory
// (bench/OPTIMISATIONS.md) in every process, registry in use or not. Loading
// is synchronous because parsing is: the first Avro or Protobuf schema a
// process sees (registered, or replayed from _schemas) pays the load once.
import { createRequire } from 'node:module';

type AvscLibrary = typeof import('avsc');
type ProtobufLibrary = typeof import('protobufjs');

/** The part of protobufjs/ext/descriptor the registry uses (the module ships no types of its own). */
export interface DescriptorLibrary {
  FileDescriptorProto: {
    decode(bytes: Uint8Array): unknown;
    encode(message: unknown): { finish(): Uint8Array };
    fromObject(obj: Record<string, unknown>): unknown;
    toObject(message: unknown, opts: { longs: StringConstructor; enums: NumberConstructor; defaults: boolean }): unknown;
  };
}

const require = createRequire(import.meta.url);

let avsc: AvscLibrary | undefined;
let protobuf: ProtobufLibrary | undefined;
let descriptor: DescriptorLibrary | undefined;

export function avscLibrary(): AvscLibrary {
  return (avsc ??= require('avsc') as AvscLibrary);
}

export function protobufLibrary(): ProtobufLibrary {
  return (protobuf ??= require('protobufjs') as ProtobufLibrary);
}

export function descriptorLibrary(): DescriptorLibrary {
  // Requires protobufjs itself, so it shares the Root and Type classes with protobufLibrary().
  return (descriptor ??= require('protobufjs/ext/descriptor/index.js') as DescriptorLibrary);
}
