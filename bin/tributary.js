#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (the prepare script: codegen,
// tsc, then tools/bundle.mjs). The bundle starts faster than the ~180 modules
// it joins; it is used only when it is at least as new as the compiled
// modules, so a `tsc` run without a new bundle never runs stale code.
import { statSync } from 'node:fs';

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = mtime('../dist/bundle/tributary.js');
const modules = mtime('../dist/src/platform.js');
await import(bundle >= modules && bundle > 0 ? '../dist/bundle/tributary.js' : '../dist/src/cli/main.js');
