// Where Debian's Chromium lives and how every test run launches it (vitest browser mode,
// test/cdn-bundle.node.test.ts). Plain ESM so test/setup/ensure-chromium.mjs can use it too.

/** `$CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet headless run as root on a CI machine. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
