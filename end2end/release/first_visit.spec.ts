import { test, expect, type Browser } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { PASSWORD, postMessages, unique, username } from '../tests/helpers';

// Chrome DevTools' "Slow 4G" preset and Lighthouse's phone CPU: 562.5 ms of latency per
// request, 1.44 Mbit/s down, 675 kbit/s up, and a processor four times slower than this one.
const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 };
const CPU_SLOWDOWN = 4;

/** Milliseconds from navigation start to each milestone of one visit to `room`. */
async function visit(browser: Browser, storageState: Awaited<ReturnType<import('@playwright/test').BrowserContext['storageState']>>, repeat: boolean) {
  // Without the service worker: DevTools' throttling reaches only the page, so navigations the
  // worker fetched would bypass the slow network. (It adds nothing here but an offline page.)
  const context = await browser.newContext({ storageState, serviceWorkers: 'block' });
  // When the page can send, when it says it is hydrated and when its socket is live, on the
  // page's own clock.
  await context.addInitScript(() => {
    const marks: Record<string, number> = {};
    (window as unknown as { marks: Record<string, number> }).marks = marks;
    new MutationObserver(() => {
      // Sending works from here: by `early-send.js` until the wasm takes over.
      if (!marks.sendable && document.documentElement.dataset.sendable === 'true') marks.sendable = performance.now();
      if (!marks.hydrated && document.documentElement.dataset.hydrated === 'true') marks.hydrated = performance.now();
      if (!marks.connected && document.getElementById('connection-status')?.textContent === 'connected')
        marks.connected = performance.now();
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  if (repeat) {
    // The first visit fills the cache; the measured one is the next.
    await page.goto('/r/general');
    await expect(page.locator('#connection-status')).toHaveText('connected', { timeout: 60_000 });
  }
  await page.goto('/r/general');
  await expect(page.locator('#chat-box li.message').last()).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#connection-status')).toHaveText('connected', { timeout: 60_000 });
  const figures = await page.evaluate(() => {
    const marks = (window as unknown as { marks: Record<string, number> }).marks;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const transferred = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .concat(performance.getEntriesByType('navigation') as PerformanceResourceTiming[])
      .reduce((sum, entry) => sum + entry.transferSize, 0);
    // Each file: path, bytes over the network (0 from the cache), ms until it arrived.
    const files = (performance.getEntriesByType('navigation') as PerformanceResourceTiming[])
      .concat(performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .map((e) => [new URL(e.name).pathname, e.transferSize, Math.round(e.responseEnd)]);
    return {
      files,
      historyVisibleMs: Math.round(paint?.startTime ?? NaN),
      sendableMs: Math.round(marks.sendable),
      hydratedMs: Math.round(marks.hydrated),
      connectedMs: Math.round(marks.connected),
      transferredBytes: transferred,
    };
  });
  // Sending works once hydrated: the message goes through the throttled socket.
  const text = unique('slow network');
  await page.locator('#message-input').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.locator('#chat-box li.message:not(.pending)').getByText(text)).toBeVisible({ timeout: 60_000 });
  await context.close();
  return figures;
}

test('a first and a repeat visit on a slow phone network: history, hydration, sending', async ({ browser, request }) => {
  // History to show: 60 messages in #general.
  await postMessages(request, unique('history'), 60);
  const setup = await browser.newContext();
  const signedUp = await setup.request.post('/api/sign_up', { form: { username: username('phone'), password: PASSWORD } });
  expect(signedUp.ok()).toBeTruthy();
  const storageState = await setup.storageState();
  await setup.close();

  const first = await visit(browser, storageState, false);
  const repeat = await visit(browser, storageState, true);
  const figures = { profile: { ...SLOW_4G, cpuSlowdown: CPU_SLOWDOWN }, first, repeat };
  console.log(`first visit on Slow 4G: ${JSON.stringify(figures)}`);
  writeFileSync(process.env.BANTER_FIRST_VISIT_OUT ?? 'test-results/first-visit.json', `${JSON.stringify(figures, null, 2)}\n`);
  for (const visitFigures of [first, repeat]) {
    expect(visitFigures.hydratedMs).toBeGreaterThan(0);
    expect(visitFigures.connectedMs).toBeGreaterThanOrEqual(visitFigures.hydratedMs);
  }
  // On the first visit sending works before the wasm has arrived, not only once it has.
  expect(first.sendableMs).toBeGreaterThan(0);
  expect(first.sendableMs).toBeLessThan(first.hydratedMs);
});
