import { defineConfig } from '@playwright/test';
import base, { makeBucket } from './playwright.config';

// The release build (`cargo leptos build --release --precompress`), for what only it can
// show: that the optimised, hashed, precompressed bundle hydrates, and how fast a first visit
// is on a slow phone network. `make release-check` runs it after `make release-build`.
const port = Number(process.env.BANTER_E2E_PORT ?? 3218);
// One node of the debug suite's servers, alone: the first Banter one (not Redis or the object
// store), without Redis, keeping attachments on disk.
const servers = Array.isArray(base.webServer) ? base.webServer : [base.webServer!];
const webServer = servers.find((server) => server.command.includes('/banter'));

export default defineConfig({
  ...base,
  testDir: './release',
  workers: 1,
  retries: 0,
  timeout: 120_000,
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}` },
  // The browser the debug suite uses; not its screenshot project, whose node is not started here.
  projects: base.projects!.filter((project) => project.name === 'chromium'),
  webServer: {
    ...webServer!,
    command: webServer!.command
      .replace('../target/debug/banter', process.env.BANTER_E2E_BIN ?? '../target/release/banter')
      .replaceAll('3217', String(port))
      .replaceAll('.tmp', '.tmp-release')
      .replace(/ --redis-url \S+/, '')
      .replace(makeBucket, '')
      .replace(/ --object-store-url \S+/, '')
      .replace(/ --oidc-\S+ ('[^']*'|\S+)/g, ''),
    url: `http://127.0.0.1:${port}/healthz`,
  },
});
