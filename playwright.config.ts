/*
 * Browser tests (packages/app/e2e-tests): a private Novahost stack on free
 * ports (globalSetup) driven through the Debian Chromium, headless. No
 * Playwright browser download: CHROMIUM_PATH or /usr/bin/chromium.
 * Screenshots and server logs go to e2e-artifacts/ (kept by CI); the JSON
 * report feeds the `N passed, N failed` line of scripts/test.sh.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  testMatch: '*.test.ts',
  globalSetup: './packages/app/e2e-tests/globalSetup.ts',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [
    ['list'],
    ['json', { outputFile: 'e2e-artifacts/e2e-results.json' }],
  ],
  use: {
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  outputDir: 'e2e-artifacts/test-results',
});
