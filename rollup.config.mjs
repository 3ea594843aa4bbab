// Build: ESM + CJS + types for every subpath in package.json `exports`, and one minified,
// self-contained browser ESM bundle of the root entry for CDNs (`unpkg` / `jsdelivr`).
//
// TypeScript 7 has no JS compiler API: code goes through esbuild (rollup-plugin-esbuild),
// declarations through rollup-plugin-dts, which uses `@typescript/typescript6`.
import { existsSync, readFileSync, rmSync } from 'node:fs';
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

// Start from an empty dist/: chunk names carry hashes, stale ones must not be packed.
rmSync('dist', { recursive: true, force: true });

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
    plugins: [esbuild({ target: 'es2022', sourceMap: true })],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        hoistTransitiveImports: false,
        sourcemap: true,
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
      },
    ],
  },
  {
    input,
    external: isExternal,
    onwarn,
    plugins: [dts({ tsconfig: 'tsconfig.json' })],
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
    ],
    output: {
      file: 'dist/lazy-limiter.min.js',
      format: 'es',
      banner,
      sourcemap: true,
    },
  },
];
