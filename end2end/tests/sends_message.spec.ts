import { test, expect } from '@playwright/test';
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
