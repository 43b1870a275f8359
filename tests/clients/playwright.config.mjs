// The client suite: every spec runs against a real server process (support/server.mjs).
// Browser specs use Debian's Chromium (CHROMIUM overrides the path): Playwright's own
// browser download cannot work on a machine without internet access.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './specs',
  globalSetup: './support/global-setup.mjs',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      // Chromium's own background traffic (updates, sync, safe browsing) would try to
      // reach the internet; the tests watch the page's requests, and these keep the
      // browser quiet too.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-default-apps',
      ],
    },
    viewport: { width: 1400, height: 900 },
  },
});
