import { test, expect, type Page } from '@playwright/test';
import { bodies, delivered, joinAs, send, unique } from './helpers';

test('a message sent by one person appears at once for everyone, sender included', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const errors: string[] = [];
  for (const { page } of [alice, bob]) {
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('pageerror', (err) => errors.push(err.message));
  }

  const text = unique('hello from alice');
  await send(alice.page, text);

  // Both show it, at the bottom, without a reload.
  await expect(delivered(alice.page, text)).toHaveCount(1);
  await expect(delivered(bob.page, text)).toHaveCount(1);
  await expect(bodies(bob.page).filter({ hasText: text })).toHaveCount(1);
  // The sender's copy is marked as delivered.
  await expect(alice.page.locator('#chat-box li.pending')).toHaveCount(0);
  // The input cleared and kept focus.
  await expect(alice.page.locator('#message-input')).toHaveValue('');
  await expect(alice.page.locator('#message-input')).toBeFocused();

  // Enter sends too.
  const reply = unique('reply by enter');
  await bob.page.locator('#message-input').fill(reply);
  await bob.page.locator('#message-input').press('Enter');
  await expect(delivered(alice.page, reply)).toHaveCount(1);

  // Each message carries its author's name and a time.
  const last = alice.page.locator('#chat-box li.message').filter({ hasText: reply });
  await expect(last.locator('.author')).not.toBeEmpty();
  await expect(last.locator('time')).toHaveText(/^\d\d:\d\d$/);

  expect(errors).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});

test('presence: an online count, and lines as people come and go', async ({ browser }) => {
  const carol = await joinAs(browser, 'carol');
  const dave = await joinAs(browser, 'dave');
  await expect(carol.page.locator('#chat-box li.notice').filter({ hasText: `${dave.name} joined` })).toHaveCount(1);
  await expect(carol.page.locator('#online-count')).toHaveText(/\d+ online/);
  await dave.context.close();
  await expect(carol.page.locator('#chat-box li.notice').filter({ hasText: `${dave.name} left` })).toHaveCount(1);
  await carol.context.close();
});

test('a changed display name shows at once and on later messages', async ({ browser }) => {
  const { context, page, name } = await joinAs(browser, 'erin');
  // The header shows who you are, and leads to your profile.
  await expect(page.locator('#me')).toContainText(name);
  await page.locator('#me').click();
  await expect(page.locator('#profile-username')).toHaveText(`@${name}`);
  const shown = unique('Erin').slice(0, 30);
  await page.locator('#display-name').fill(shown);
  await page.locator('#status').fill('testing things');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('.form-ok')).toHaveText('Saved.');
  // Remembered by the server: a reload shows it.
  await page.reload();
  await expect(page.locator('#display-name')).toHaveValue(shown);
  await expect(page.locator('#status')).toHaveValue('testing things');

  await page.locator('a.back').click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#me')).toContainText(shown);
  const text = unique('after rename');
  await send(page, text);
  const mine = page.locator('#chat-box li.message').filter({ hasText: text });
  await expect(mine.locator('.author')).toHaveText(shown);
  await context.close();
});

/** Open the room with the wasm held back: the server's page and its small scripts, not yet
 * live. `release` lets the wasm through. */
async function openNotLive(page: Page): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#message-input')).toBeVisible();
  return release;
}

/** The text of every frame the page sends on its socket. */
function framesSent(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))));
  return sent;
}

test('a message sent before the page is live goes once, without a reload, and is not sent again', async ({ browser }) => {
  const me = await joinAs(browser, 'early');
  const other = await joinAs(browser, 'watcher');
  const errors: string[] = [];
  me.page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  me.page.on('pageerror', (err) => errors.push(err.message));
  const release = await openNotLive(me.page);
  const sent = framesSent(me.page);
  // A mark that a reload would wipe.
  await me.page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await expect(me.page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');

  const text = unique('typed before live');
  await me.page.locator('#message-input').fill(text);
  await me.page.locator('#message-input').press('Enter');
  // At once in the list, pending, then stored; the input is empty; the page stayed.
  const early = me.page.locator('#chat-box li.pending').filter({ hasText: text });
  await expect(early).toHaveCount(1);
  await expect(early).toHaveAttribute('data-early', 'stored');
  await expect(early.locator('.state')).toHaveText('sent');
  await expect(me.page.locator('#message-input')).toHaveValue('');
  expect(await me.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  // Everyone else has it already.
  await expect(delivered(other.page, text)).toHaveCount(1);
  await expect(me.page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');

  // The wasm arrives: the message is delivered once, nothing pending, and the live page never
  // sent it on its socket.
  release();
  await expect(me.page.locator('html')).toHaveAttribute('data-chat-live', 'true');
  await expect(delivered(me.page, text)).toHaveCount(1);
  await expect(me.page.locator('#chat-box li.pending')).toHaveCount(0);
  // Something sent live after it arrives after it (the socket is up and sending).
  const after = unique('sent live');
  await send(me.page, after);
  await expect(delivered(me.page, after)).toHaveCount(1);
  expect(sent.some((frame) => frame.includes(after))).toBe(true);
  expect(sent.filter((frame) => frame.includes(text))).toEqual([]);

  // Once for everyone, also from the store.
  await expect(delivered(other.page, text)).toHaveCount(1);
  await me.page.reload();
  await expect(delivered(me.page, text)).toHaveCount(1);
  // Hydration took over the page the script had added to without a complaint.
  expect(errors).toEqual([]);
  await me.context.close();
  await other.context.close();
});

test('a message still on its way when the page goes live is sent by the live page, and stored once', async ({ browser }) => {
  const me = await joinAs(browser, 'inflight');
  const release = await openNotLive(me.page);
  // The early request is held too, and let through only after the live page has sent it.
  let post!: () => void;
  const posted = new Promise<void>((resolve) => (post = resolve));
  await me.page.route('**/api/post_message', async (route) => {
    await posted;
    await route.continue();
  });
  const sent = framesSent(me.page);

  const text = unique('in flight');
  await me.page.locator('#message-input').fill(text);
  await me.page.getByRole('button', { name: 'Send', exact: true }).click();
  const early = me.page.locator('#chat-box li.pending').filter({ hasText: text });
  await expect(early).toHaveAttribute('data-early', 'sending');

  release();
  await expect(me.page.locator('html')).toHaveAttribute('data-chat-live', 'true');
  await expect(delivered(me.page, text)).toHaveCount(1);
  expect(sent.filter((frame) => frame.includes(text))).toHaveLength(1);
  await expect(me.page.locator('#chat-box li.pending')).toHaveCount(0);

  // The held request arrives late, with the same id: nothing new.
  const answer = me.page.waitForResponse('**/api/post_message');
  post();
  expect((await answer).ok()).toBe(true);
  await me.page.reload();
  await expect(delivered(me.page, text)).toHaveCount(1);
  await me.context.close();
});
