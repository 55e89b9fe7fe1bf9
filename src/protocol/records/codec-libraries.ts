// The compression libraries, loaded on first use rather than at start-up.
//
// Importing them eagerly cost 40-60 ms of start-up and ~10 MiB of idle memory
// (bench/OPTIMISATIONS.md), mostly zstd compiling its wasm and snappy/lz4-napi
// loading native modules, for codecs most deployments never see. Loading is
// synchronous, because the first use is on a synchronous path (validating or
// recompressing a produced batch, the cleaner): the first batch of a codec
// pays the load once (zstd ~20 ms, the others a few ms); an uncompressed
// batch never reaches here. gzip is node:zlib and needs none of this.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

type SnappyLibrary = typeof import('snappy');
type Lz4Library = typeof import('lz4-napi');

export interface ZstdLibrary {
  compress(input: Uint8Array, level: number): Uint8Array;
  decompress(input: Uint8Array, opts: { defaultHeapSize: number }): Uint8Array;
}

/** The parts of the library's emscripten module that a synchronous start needs. */
interface EmscriptenModule {
  instantiateWasm?: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) => WebAssembly.Exports;
  init(): void;
  calledRun?: boolean;
}

const require = createRequire(import.meta.url);

let snappy: SnappyLibrary | undefined;
let lz4: Lz4Library | undefined;
let zstd: ZstdLibrary | undefined;

export function snappyLibrary(): SnappyLibrary {
  return (snappy ??= require('snappy') as SnappyLibrary);
}

export function lz4Library(): Lz4Library {
  return (lz4 ??= require('lz4-napi') as Lz4Library);
}

/**
 * @bokuweb/zstd-wasm's own init() reads and compiles its wasm asynchronously.
 * Its emscripten module takes an `instantiateWasm` hook instead, which we
 * answer with a synchronous compile (Node allows it for any size), so the
 * module is ready when init() returns; checked, since a library update could
 * change that.
 */
export function zstdLibrary(): ZstdLibrary {
  if (zstd !== undefined) return zstd;
  const entry = require.resolve('@bokuweb/zstd-wasm');
  const dir = path.dirname(entry);
  const api = require(entry) as ZstdLibrary;
  // Same file the library's entry requires, so the same module object (the package's
  // "exports" hides it from a bare specifier, not from its path).
  const { Module } = require(path.join(dir, 'module.js')) as { Module: EmscriptenModule };
  Module.instantiateWasm = (imports, receive) => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path.join(dir, 'zstd.wasm'))), imports);
    receive(instance);
    return instance.exports;
  };
  Module.init();
  if (Module.calledRun !== true) throw new Error('the zstd wasm module did not initialise synchronously');
  zstd = api;
  return zstd;
}

/** Which libraries are loaded (for tests and start-up measurements). */
export function loadedCodecLibraries(): { snappy: boolean; lz4: boolean; zstd: boolean } {
  return { snappy: snappy !== undefined, lz4: lz4 !== undefined, zstd: zstd !== undefined };
}
