import { test, expect, type Page } from '@playwright/test';
import { delivered, joinAs, send, unique } from './helpers';

/** Set the display name on /profile, then come back to the chat, live. */
async function callMe(page: Page, displayName: string): Promise<void> {
  await page.goto('/profile');
  await page.locator('#display-name').fill(displayName);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.goto('/');
  await expect(page.locator('#connection-status')).toHaveText('connected');
}

test('two people with the same display name are told apart, and "mine" is right for each', async ({ browser }) => {
  const first = await joinAs(browser, 'sam');
  const second = await joinAs(browser, 'sam');
  const shared = unique('Sam').slice(0, 32);
  await callMe(first.page, shared);
  await callMe(second.page, shared);

  const fromFirst = unique('first sam says');
  const fromSecond = unique('second sam says');
  await send(first.page, fromFirst);
  await expect(delivered(second.page, fromFirst)).toHaveCount(1);
  await send(second.page, fromSecond);
  await expect(delivered(first.page, fromSecond)).toHaveCount(1);

  for (const [me, mine, theirs, theirName] of [
    [first, fromFirst, fromSecond, second.name],
    [second, fromSecond, fromFirst, first.name],
  ] as const) {
    const own = me.page.locator('#chat-box li.message').filter({ hasText: mine });
    const other = me.page.locator('#chat-box li.message').filter({ hasText: theirs });
    await expect(own).toHaveClass(/\bmine\b/);
    await expect(other).not.toHaveClass(/\bmine\b/);
    // The same name on both, the username beside it tells them apart.
    await expect(other.locator('.author')).toContainText(shared);
    await expect(other.locator('.username')).toHaveText(`@${theirName}`);
  }
  await first.context.close();
  await second.context.close();
});

test('signing out in one tab sends the other tabs of that session to the sign-in page', async ({ browser }) => {
  const me = await joinAs(browser, 'tabs');
  const other = await me.context.newPage();
  await other.goto('/');
  await expect(other.locator('#connection-status')).toHaveText('connected');

  await me.page.goto('/profile');
  await me.page.locator('#sign-out').click();
  await expect(me.page).toHaveURL(/\/signin$/);
  // The other tab's socket was closed with "signed out": it goes to sign in, not reconnecting.
  await expect(other).toHaveURL(/\/signin$/);
  await me.context.close();
});
