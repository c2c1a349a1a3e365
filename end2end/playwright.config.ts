import { defineConfig, devices } from '@playwright/test';

// The server under test: the debug build by default (what `make test` builds), on its own
// port and a fresh database in .tmp/ for each run.
const port = Number(process.env.BANTER_E2E_PORT ?? 3217);
const bin = process.env.BANTER_E2E_BIN ?? '../target/debug/banter';
const siteRoot = process.env.BANTER_E2E_SITE_ROOT ?? '../target/site';

// Debian's Chromium: Playwright cannot download its own browser here. The flags keep it
// from reaching for the network on its own.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  reporter: 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'on-first-retry',
    launchOptions: chromium,
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: chromium } }],
  webServer: {
    command:
      `rm -rf .tmp && mkdir -p .tmp && LEPTOS_SITE_ROOT=${siteRoot} ${bin}` +
      ` --addr 127.0.0.1:${port} --db .tmp/e2e.db --leptos-config ../Leptos.toml --log warn` +
      // Every test signs up its own people, all from 127.0.0.1; some seed a long history by
      // form posts, faster than one person may send.
      ' --signups-per-hour 100000 --rate 1000 --burst 10000',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
