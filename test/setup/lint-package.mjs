#!/usr/bin/env node
// `npm run lint:package`: lint what would be published, not the working tree.
//   1. `npm pack` into a temporary directory (the build must have run: dist/ is packed as is)
//   2. publint on the tarball (warnings fail too)
//   3. `attw <tarball>` (Are The Types Wrong, offline: no DefinitelyTyped lookup)
// The tarball and its directory are removed at the end, pass or fail.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

if (!existsSync(join(root, 'dist'))) {
  console.error('lint-package: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}

/** Runs a command in the repo root; returns stdout, exits with its output on failure. */
function run(cmd, args, { inherit = false } = {}) {
  const result = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    if (!inherit) process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error(`\`${cmd} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
  }
  return result.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'lazy-limiter-pack-'));
let failed = false;
try {
  // --ignore-scripts: no prepack/prepare; the caller already built dist/.
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--loglevel=error', '--pack-destination', dir]),
  );
  const tarball = join(dir, packed[0].filename);
  console.log(
    `lint-package: ${packed[0].filename}: ${packed[0].entryCount} files, ` +
      `${(packed[0].size / 1024).toFixed(1)} kB packed, ${(packed[0].unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );

  const data = readFileSync(tarball);
  const { messages } = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    strict: true,
  });
  for (const message of messages) {
    console.log(`publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
  }
  const errors = messages.filter((message) => message.type === 'error');
  if (errors.length > 0) {
    failed = true;
    console.error(`lint-package: publint found ${errors.length} error(s) (warnings count as errors).`);
  } else {
    console.log(`lint-package: publint ok${messages.length ? ` (${messages.length} suggestion(s) above)` : ''}.`);
  }

  const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  try {
    run(process.execPath, [attw, tarball, '--no-definitely-typed', '--format', 'table', '--no-emoji'], {
      inherit: true,
    });
  } catch (error) {
    failed = true;
    console.error(`lint-package: attw: ${error.message}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failed) process.exit(1);
