// `npm run screenshots`: the README's pictures of the explorer and the playground,
// taken in headless Chromium against a real server on the bundled graph and written to
// docs/. Not part of `npm test`: run it when the pages change, look at the pictures,
// and commit them.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.mjs';

export default defineConfig({
  ...base,
  testDir: './screenshots',
  workers: 1,
});
