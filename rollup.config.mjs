// Build: ESM + CJS + types for every subpath in package.json `exports`, and one minified,
// self-contained browser ESM bundle of the root entry for CDNs (`unpkg` / `jsdelivr`).
//
// TypeScript 7 has no JS compiler API: code goes through esbuild (rollup-plugin-esbuild),
// declarations through rollup-plugin-dts, which uses `@typescript/typescript6`.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * Entry points, derived from `exports` so the build and the package map cannot drift:
 * `"."` -> `src/index.ts`, `"./testing"` -> `src/testing.ts` (or `src/testing/index.ts`).
 */
function entries() {
  const input = {};
  for (const subpath of Object.keys(pkg.exports)) {
    if (subpath === './package.json') continue;
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const candidates = [`src/${name}.ts`, `src/${name}/index.ts`];
    const file = candidates.find((candidate) => existsSync(candidate));
    if (!file) {
      throw new Error(`package.json exports "${subpath}" but none of ${candidates.join(', ')} exists`);
    }
    input[name] = file;
  }
  return input;
}

const input = entries();

/**
 * Chunk names carry hashes, so stale files pile up in dist/ and would be packed. Instead of
 * emptying dist/ first (a window in which a concurrent test or benchmark finds nothing), every
 * file is overwritten in place and, once all outputs are written, files no output wrote go.
 */
function pruneStale(outputs) {
  const written = new Set();
  let pending = outputs;
  const prune = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        prune(path);
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      } else if (!written.has(path)) {
        rmSync(path);
      }
    }
  };
  return () => ({
    name: 'prune-stale',
    writeBundle(options, bundle) {
      const dir = resolve(options.dir ?? dirname(options.file));
      for (const fileName of Object.keys(bundle)) written.add(join(dir, fileName));
      if (--pending === 0) prune(resolve('dist'));
    },
  });
}

// Two outputs each for code and types, one for the CDN bundle.
const pruneStaleFiles = pruneStale(5);

// Source maps point at ../src/*.ts, which the package ships (`files`), instead of embedding
// every source a second time (sourcemapExcludeSources).

// Library builds bundle only our own modules: dependencies and Node built-ins stay imports.
const isExternal = (id) =>
  !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !/^[A-Za-z]:[\\/]/.test(id);

// Every warning is a build error: unresolved imports, circular chunks and the like
// must not ship silently (the CLI runs with --silent).
function onwarn(warning) {
  throw new Error(`rollup: ${warning.code ?? 'WARNING'}: ${warning.message}`);
}

const banner = `/*! ${pkg.name} v${pkg.version} | ${pkg.license} */`;

export default [
  {
    input,
    external: isExternal,
    onwarn,
    plugins: [esbuild({ target: 'es2022', sourceMap: true }), pruneStaleFiles()],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        hoistTransitiveImports: false,
        sourcemap: true,
        sourcemapExcludeSources: true,
      },
      {
        dir: 'dist',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'chunks/[name]-[hash].cjs',
        exports: 'named',
        interop: 'auto',
        hoistTransitiveImports: false,
        sourcemap: true,
        sourcemapExcludeSources: true,
      },
    ],
  },
  {
    input,
    external: isExternal,
    onwarn,
    plugins: [dts({ tsconfig: 'tsconfig.json' }), pruneStaleFiles()],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].d.ts',
        chunkFileNames: 'chunks/[name]-[hash].d.ts',
        hoistTransitiveImports: false,
      },
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].d.cts',
        chunkFileNames: 'chunks/[name]-[hash].d.cts',
        hoistTransitiveImports: false,
      },
    ],
  },
  {
    // The CDN bundle: root entry only, every dependency inlined, browser conditions.
    input: input.index,
    // Nothing is external: a Node built-in reaching the root entry fails the build here.
    onwarn,
    plugins: [
      nodeResolve({ browser: true, preferBuiltins: false }),
      commonjs(),
      esbuild({ target: 'es2022', sourceMap: true }),
      terser({
        ecma: 2020,
        module: true,
        compress: { passes: 2 },
        format: { comments: /^!/ },
      }),
      pruneStaleFiles(),
    ],
    output: {
      file: 'dist/lazy-limiter.min.js',
      format: 'es',
      banner,
      sourcemap: true,
      sourcemapExcludeSources: true,
    },
  },
];
