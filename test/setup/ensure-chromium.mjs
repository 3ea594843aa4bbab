#!/usr/bin/env node
// First step of `npm test`: make sure the system programs the tests drive are there.
//   chromium      - vitest browser mode and test/cdn-bundle.node.test.ts ($CHROMIUM_PATH or /usr/bin/chromium)
//   redis-server  - the distributed (lazy-limiter/redis) tests
// As root (a fresh CI machine) it installs what is missing with apt-get; otherwise it prints
// the command to run and exits 1. Playwright's own browser downloads are never used.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromiumPath } from './chromium.mjs';

/** Is `file` an executable file? */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Full path of `name` on $PATH (or in the usual sbin/bin dirs), or undefined. */
function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  return dirs.filter(Boolean).map((dir) => join(dir, name)).find(isExecutable);
}

const missing = [];
if (!isExecutable(chromiumPath)) missing.push({ what: `chromium (${chromiumPath})`, pkg: 'chromium' });
if (!which('redis-server')) missing.push({ what: 'redis-server', pkg: 'redis-server' });

if (missing.length === 0) process.exit(0);

// Install both packages together: one apt transaction is barely slower than one package.
const command = 'apt-get update && apt-get install -y --no-install-recommends chromium redis-server';
const names = missing.map((m) => m.what).join(' and ');

if (process.getuid?.() !== 0) {
  const sudo = 'sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium redis-server';
  console.error(`ensure-chromium: ${names} not found; the tests need it. Install with:\n\n  ${sudo}\n`);
  if (missing.some((m) => m.pkg === 'chromium')) {
    console.error('(or point CHROMIUM_PATH at an existing Chromium binary)');
  }
  process.exit(1);
}

console.log(`ensure-chromium: ${names} not found; installing Debian packages chromium and redis-server:\n  ${command}`);
const run = (cmd, args) => {
  const result = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`ensure-chromium: \`${cmd} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
    process.exit(1);
  }
};
run('apt-get', ['update']);
run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'redis-server']);

const stillMissing = [];
if (!isExecutable(chromiumPath)) stillMissing.push(`chromium (${chromiumPath})`);
if (!which('redis-server')) stillMissing.push('redis-server');
if (stillMissing.length > 0) {
  console.error(`ensure-chromium: still missing after apt-get install: ${stillMissing.join(', ')}`);
  process.exit(1);
}
console.log('ensure-chromium: installed.');
