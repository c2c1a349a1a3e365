import { defineConfig, devices } from '@playwright/test';

// The server under test: the debug build by default (`make e2e`), or the one BANTER_E2E_BIN
// names (`make test` runs the suite on the release build), on its own port and a fresh
// database in .tmp/ for each run. The site is whatever target/site holds, built to match.
const port = Number(process.env.BANTER_E2E_PORT ?? 3217);
const bin = process.env.BANTER_E2E_BIN ?? '../target/debug/banter';
const siteRoot = process.env.BANTER_E2E_SITE_ROOT ?? '../target/site';
// The second node, Redis and the S3-compatible store sit on the next three ports.
const secondPort = port + 1;
const redisPort = port + 2;
const s3Port = port + 3;
const bucket = `http://127.0.0.1:${s3Port}/banter-e2e`;
// The screenshot suite's own node, on a database nobody else writes to (visual.spec.ts).
const visualPort = port + 4;
// The identity provider both nodes offer single sign-on through (oidc/provider.mjs).
const oidcPort = port + 5;
const SINGLE_SIGN_ON =
  ` --oidc-issuer http://127.0.0.1:${oidcPort} --oidc-client-id banter --oidc-client-secret banter-secret` +
  ` --oidc-name 'Test ID'`;

/** Before the first node starts: the bucket both nodes keep attachments in, on a moto server
 * of the suite's own (`scripts/bootstrap.sh test` installs it). The release check strips it. */
export const makeBucket =
  `until curl -s -o /dev/null http://127.0.0.1:${s3Port}/; do sleep 0.2; done; ` +
  `curl -sf -X PUT ${bucket} >/dev/null && `;

/** One node of the server under test, on `at`. */
function node(at: number): string {
  return (
    `LEPTOS_SITE_ROOT=${siteRoot} AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e ${bin}` +
    ` --addr 127.0.0.1:${at} --db .tmp/e2e.db --redis-url redis://127.0.0.1:${redisPort}/` +
    ` --object-store-url ${bucket}` +
    ` --node-id n${at} --uploads .tmp/uploads${LIMITS}${SINGLE_SIGN_ON}` +
    // Passkeys belong to a host name: tests that use them open the node as localhost.
    ` --passkey-origin http://localhost:${at}`
  );
}

// Every test signs up its own people, all from 127.0.0.1; some seed a long history by form
// posts, faster than one person may send. A room's slash command handler in the tests runs on
// 127.0.0.1 over plain HTTP, which the server calls only when told it may.
const LIMITS =
  ' --leptos-config ../Leptos.toml --log warn --signups-per-hour 100000 --rate 1000 --burst 10000' +
  ' --hooks-allow-http --outbound-allow 127.0.0.1';

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
  projects: [
    {
      name: 'chromium',
      testIgnore: /visual\.spec\.ts/,
      use: { ...devices['Desktop Chrome'], launchOptions: chromium },
    },
    {
      // Screenshots of the main views compared with the committed ones in end2end/screenshots
      // (`make screenshots` takes them anew). Alone on their own node, so that what they show
      // is the same on every run; a retry would find the people it seeds already there.
      name: 'visual',
      testMatch: /visual\.spec\.ts/,
      retries: 0,
      snapshotPathTemplate: '{testDir}/../screenshots/{arg}{ext}',
      use: { ...devices['Desktop Chrome'], launchOptions: chromium, baseURL: `http://127.0.0.1:${visualPort}` },
    },
  ],
  // Two nodes on one database, joined by a Redis of their own and keeping attachments in one
  // bucket (the scale-out path; SQLite serves two processes on one file): the tests use the
  // first, two_nodes.spec.ts both.
  webServer: [
    {
      command: `../.tools/moto/bin/moto_server -H 127.0.0.1 -p ${s3Port}`,
      url: `http://127.0.0.1:${s3Port}/`,
      reuseExistingServer: false,
      timeout: 60_000,
      // Its access log, a line per request, is not the suite's output.
      stderr: 'ignore',
    },
    {
      // A real OpenID Connect provider (panva's oidc-provider), whose sign-in page takes any
      // username.
      command: `OIDC_PORT=${oidcPort} node oidc/provider.mjs`,
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stderr: 'ignore',
    },
    {
      command: `redis-server --port ${redisPort} --bind 127.0.0.1 --save '' --appendonly no`,
      port: redisPort,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `rm -rf .tmp && mkdir -p .tmp && ${makeBucket}${node(port)}`,
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: `rm -rf .tmp-visual && mkdir -p .tmp-visual && LEPTOS_SITE_ROOT=${siteRoot} ${bin}` +
        ` --addr 127.0.0.1:${visualPort} --db .tmp-visual/visual.db --uploads .tmp-visual/uploads${LIMITS}`,
      url: `http://127.0.0.1:${visualPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // After the first node has made the schema.
      command: `until curl -sf http://127.0.0.1:${port}/healthz >/dev/null; do sleep 0.2; done; ${node(secondPort)}`,
      url: `http://127.0.0.1:${secondPort}/healthz`,
      reuseExistingServer: false,
      timeout: 90_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
