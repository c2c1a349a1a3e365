import { test, expect } from '@playwright/test';
import { joinAs, send, unique } from './helpers';

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('the server HTML holds the chat, its history and a working form', async ({ page, context, baseURL }) => {
    await context.addCookies([{ name: 'banter_name', value: 'nojs', url: baseURL! }]);
    await page.goto('/');
    await expect(page.locator('#chat-box')).toBeVisible();
    await expect(page.locator('#message-input')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();

    const text = unique('posted without javascript');
    await page.locator('#message-input').fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    // The form posts, the server redirects back, and the history now holds it.
    await expect(page.locator('#chat-box li.message .body').filter({ hasText: text })).toHaveCount(1);
  });

  test('a first-time visitor can pick a name without JavaScript', async ({ page }) => {
    await page.goto('/');
    await page.locator('#name-input').fill('plain html');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(page.locator('#message-input')).toBeVisible();
  });
});

test('history is in the first HTML, before any script runs', async ({ browser, request }) => {
  const { context, page } = await joinAs(browser, unique('hist').slice(0, 30));
  const text = unique('kept in history');
  await send(page, text);
  await expect(page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: text })).toHaveCount(1);
  const html = await (await request.get('/')).text();
  expect(html).toContain('id="chat-box"');
  expect(html).toContain('id="name-input"');
  expect(html).toContain(text);
  // And after a reload it is still there.
  await page.reload();
  await expect(page.locator('#chat-box li.message .body').filter({ hasText: text })).toHaveCount(1);
  await context.close();
});
