import { test, expect } from '@playwright/test';
import { bodies, delivered, joinAs, send, unique } from './helpers';

test('a message sent by one person appears at once for everyone, sender included', async ({ browser }) => {
  const alice = await joinAs(browser, unique('alice').slice(0, 30));
  const bob = await joinAs(browser, unique('bob').slice(0, 30));
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
  const carol = await joinAs(browser, unique('carol').slice(0, 30));
  const daveName = unique('dave').slice(0, 30);
  const dave = await joinAs(browser, daveName);
  await expect(carol.page.locator('#chat-box li.notice').filter({ hasText: `${daveName} joined` })).toHaveCount(1);
  await expect(carol.page.locator('#online-count')).toHaveText(/\d+ online/);
  await dave.context.close();
  await expect(carol.page.locator('#chat-box li.notice').filter({ hasText: `${daveName} left` })).toHaveCount(1);
  await carol.context.close();
});

test('the display name is remembered and can be changed', async ({ browser }) => {
  const first = unique('erin').slice(0, 30);
  const { context, page } = await joinAs(browser, first);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('#change-name')).toHaveText(first);
  await expect(page.locator('#message-input')).toBeVisible();
  const second = unique('erin2').slice(0, 30);
  await page.locator('#change-name').click();
  await page.locator('#name-input').fill(second);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.locator('#change-name')).toHaveText(second);
  const text = unique('after rename');
  await send(page, text);
  const mine = page.locator('#chat-box li.message').filter({ hasText: text });
  await expect(mine.locator('.author')).toHaveText(second);
  await context.close();
});

test('a name that is blank or too long is refused with a clear message', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.locator('#name-input').fill('   ');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.locator('#name-form .form-error')).toContainText('1 to 32 characters');
  await expect(page.locator('#message-input')).toHaveCount(0);
  await context.close();
});
