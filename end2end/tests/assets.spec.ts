import { test, expect, chromium, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What this document fetched of the bundle (wasm, JS, CSS under /pkg/): each file's path and
 * the bytes that crossed the network for it (0 when the browser's cache answered). */
function bundle(page: Page) {
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((entry) => new URL(entry.name).pathname.startsWith('/pkg/'))
      .map((entry) => ({ path: new URL(entry.name).pathname, transferred: entry.transferSize }))
      .sort((a, b) => a.path.localeCompare(b.path)),
  );
}

test('a second visit downloads none of the bundle: its hashed names are cached for good', async ({ baseURL }, testInfo) => {
  // A browser profile on disk, as a person's browser has: a fresh test context keeps its
  // cache in memory, too small for the unoptimised debug wasm.
  const profile = mkdtempSync(join(tmpdir(), 'banter-cache-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...testInfo.project.use.launchOptions,
    baseURL,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await visitTwice(page);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

async function visitTwice(page: Page) {
  // Two pages that hydrate, a person's rooms (every other page is the server's alone).
  const name = `cache-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const signedUp = await page.request.post('/api/sign_up', { form: { username: name, password: 'correct horse battery' } });
  expect(signedUp.ok()).toBeTruthy();
  await page.goto('/r/general');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const first = await bundle(page);
  const kinds = first.map((file) => file.path.split('.').pop());
  expect(kinds).toEqual(expect.arrayContaining(['css', 'js', 'wasm']));
  for (const file of first) {
    // `banter.<hash>.<ext>`: the name changes whenever the content does.
    expect(file.path).toMatch(/^\/pkg\/banter\.[A-Za-z0-9_-]+\.(css|js|wasm)$/);
    expect(file.transferred, file.path).toBeGreaterThan(0);
  }

  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const second = await bundle(page);
  expect(second.map((file) => file.path)).toEqual(first.map((file) => file.path));
  for (const file of second) expect(file.transferred, file.path).toBe(0);
  // So are the page's static scripts, linked by their content's hash (`static_scripts`).
  const scripts = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .map((entry) => ({ url: new URL(entry.name), transferred: entry.transferSize }))
      .filter(({ url }) => /^\/(early-send|drawer)\.js$/.test(url.pathname))
      .map(({ url, transferred }) => ({ path: url.pathname, version: url.searchParams.get('v'), transferred })),
  );
  expect(scripts.map((script) => script.path).sort()).toEqual(['/drawer.js', '/early-send.js']);
  for (const script of scripts) {
    expect(script.version, script.path).toMatch(/^[0-9a-f]{8}$/);
    expect(script.transferred, script.path).toBe(0);
  }
}
