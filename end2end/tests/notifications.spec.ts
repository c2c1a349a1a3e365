import { test, expect } from '@playwright/test';
import { joinAs, send, signUp, username } from './helpers';

test('a message in another room raises a notification and the title count; clicking it opens the room', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  // Bob allowed notifications; the page records each one it shows.
  const context = await browser.newContext({ permissions: ['notifications'] });
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: { title: string; body?: string; tag?: string; note: Notification }[] = [];
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body, tag: options?.tag, note: this });
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    (window as unknown as { Notification: unknown }).Notification = Recorded;
    (window as unknown as { shown: unknown }).shown = shown;
  });
  const page = await context.newPage();
  const bob = username('bob');
  await signUp(page, bob);
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#notifications-on')).toBeVisible();
  await expect(page).toHaveTitle('#general · Banter');

  // Alice writes to Bob in their conversation; Bob is looking at #general.
  await alice.page.goto('/rooms');
  await alice.page.locator('#direct-username').fill(bob);
  await alice.page.getByRole('button', { name: 'Open conversation' }).click();
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  const room = new URL(alice.page.url()).pathname;
  await send(alice.page, 'are you free for lunch?');

  const shown = () => page.evaluate(() => (window as unknown as { shown: { title: string; body: string; tag: string }[] }).shown.map((n) => [n.title, n.body, n.tag]));
  await expect.poll(shown).toEqual([[`${alice.name} · Banter`, `${alice.name}: are you free for lunch?`, `banter:${room.replace('/r/', '')}:1`]]);
  await expect(page).toHaveTitle('(1) #general · Banter');

  // Clicking the notification opens the conversation at the message.
  await page.evaluate(() => {
    const note = (window as unknown as { shown: { note: Notification }[] }).shown[0].note;
    note.onclick?.(new Event('click'));
  });
  await expect(page).toHaveURL(new RegExp(`${room}\\?at=1`));
  await expect(page.locator('#chat-box li.message', { hasText: 'are you free for lunch?' })).toBeVisible();
  await alice.context.close();
  await context.close();
});

test('the app installs: a manifest, a service worker, and an offline page when the network is gone', async ({ browser }) => {
  const me = await joinAs(browser, 'installer');
  const manifest = await me.page.locator('link[rel="manifest"]').getAttribute('href');
  const answer = await me.page.request.get(manifest ?? '');
  expect((await answer.json()).display).toBe('standalone');
  const worker = await me.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
  expect(worker).toMatch(/\/sw\.js$/);
  await expect.poll(() => me.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await me.context.setOffline(true);
  await me.page.goto('/rooms').catch(() => undefined);
  await expect(me.page.getByRole('heading', { name: 'You are offline' })).toBeVisible();
  await me.context.setOffline(false);
  await me.page.getByRole('link', { name: 'Try again' }).click();
  await expect(me.page.locator('#connection-status')).toHaveText('connected');
  await me.context.close();
});

test('a pushed message shows a notification from the service worker', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['notifications'] });
  const page = await context.newPage();
  await signUp(page, username('pushed'));
  // `ready` resolves while the worker may still be activating; a push is for an activated one
  // (once, in a loaded suite, a push delivered before that showed nothing).
  await page.evaluate(async () => {
    const worker = (await navigator.serviceWorker.ready).active;
    if (worker && worker.state !== 'activated') {
      await new Promise<void>((resolve) =>
        worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()),
      );
    }
  });
  // Chromium's DevTools protocol delivers a push to the registered worker, as a push service
  // would (already decrypted: that part is the server's, tested against a local push service).
  const cdp = await context.newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const found = registrations.find((r) => !r.isDeleted && new URL(r.scopeURL).pathname === '/');
      if (found) resolve(found.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registration;
  const payload = { title: '#general', body: 'ann: hello from afar', tag: 'banter:general:7', url: '/r/general?at=7#m-7' };
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(page.url()).origin,
    registrationId,
    data: JSON.stringify(payload),
  });
  const shown = () =>
    page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => [n.title, n.body, n.tag, n.data?.url]),
    );
  await expect.poll(shown).toEqual([['#general', 'ann: hello from afar', 'banter:general:7', '/r/general?at=7#m-7']]);
  await context.close();
});
