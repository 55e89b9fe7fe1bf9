// Bundles the compiled CLI and platform (dist/src, from tsc) into one file,
// dist/bundle/tributary.js, which bin/tributary.js runs when it is current.
// `node tools/bundle.mjs OUTFILE` writes it elsewhere (inside the repository,
// so that node_modules resolves from it: the tests do).
//
// Why: loading ~180 ES modules one by one (resolve, stat, read, link) was
// about a fifth of start-up; one file does away with it (bench/OPTIMISATIONS.md).
// tsc stays the compiler: this only joins its output, and tests import the
// modules themselves. npm packages stay outside the bundle (node_modules).
//
// The generated protocol messages stay separate files: their index loads each
// one on first use, relative to itself (src/protocol/message.ts), and they
// import a few runtime modules. Those runtime modules are kept outside the
// bundle too, so that the bundle and the message modules share one instance of
// each (error classes are checked with instanceof).
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src');
const outfile = resolve(process.argv[2] ?? join(root, 'dist', 'bundle', 'tributary.js'));
const generated = join(dist, 'protocol', 'generated');

/** The generated index, and every module of ours that a generated module imports. */
function sharedWithGeneratedModules() {
  const shared = new Set([join(generated, 'index.js')]);
  for (const name of readdirSync(generated)) {
    if (!name.endsWith('.js')) continue;
    for (const m of readFileSync(join(generated, name), 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
      const target = resolve(generated, m[1]);
      if (!target.startsWith(generated + '/')) shared.add(target);
    }
  }
  return shared;
}

const external = sharedWithGeneratedModules();

/** Imports of the shared modules become imports of the files in dist/src, relative to the bundle. */
const keepSharedOutside = {
  name: 'keep-shared-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!external.has(target)) return undefined;
      const path = relative(dirname(outfile), target).split('\\').join('/');
      return { path: path.startsWith('../') ? path : `./${path}`, external: true };
    });
  },
};

await build({
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [keepSharedOutside],
  logLevel: 'warning',
});
