import { test, expect } from '@playwright/test';
import { PASSWORD, joinAs, send, unique, username } from './helpers';

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-up, the chat, its history and sending all work as plain HTML', async ({ page }) => {
    // Signed out, the chat sends you to sign in.
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin$/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.locator('#username').fill(username('nojs'));
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator('#chat-box')).toBeVisible();
    await expect(page.locator('#message-input')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();

    const text = unique('posted without javascript');
    await page.locator('#message-input').fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    // The form posts, the server redirects back, and the history now holds it.
    await expect(page.locator('#chat-box li.message .body').filter({ hasText: text })).toHaveCount(1);
  });

  test('sign-in, and its errors, work without JavaScript', async ({ page, request }) => {
    const name = username('plainhtml');
    expect((await request.post('/api/sign_up', { form: { username: name, password: PASSWORD } })).ok()).toBeTruthy();
    await page.goto('/signin');
    await page.locator('#username').fill(name);
    await page.locator('#password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('.form-error')).toHaveText('Wrong username or password.');
    // The username is kept; the password is not.
    await expect(page.locator('#username')).toHaveValue(name);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('#message-input')).toBeVisible();
  });
});

test('history is in the first HTML, before any script runs', async ({ browser }) => {
  const { context, page } = await joinAs(browser, 'hist');
  const text = unique('kept in history');
  await send(page, text);
  await expect(page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: text })).toHaveCount(1);
  // The page's own request context carries its session cookie.
  const html = await (await page.request.get('/')).text();
  expect(html).toContain('id="chat-box"');
  expect(html).toContain('id="message-input"');
  expect(html).toContain(text);
  // And after a reload it is still there.
  await page.reload();
  await expect(page.locator('#chat-box li.message .body').filter({ hasText: text })).toHaveCount(1);
  await context.close();
});

test("only a room's page loads the bundle: the others are the server's pages, and work as they are", async ({ browser }) => {
  const { context, page } = await joinAs(browser, 'pages');
  for (const path of ['/profile', '/rooms', '/search?q=anything', '/saved', '/threads']) {
    await page.goto(path);
    await expect(page.locator('main'), path).toBeVisible();
    await expect(page.locator('script[type="module"]'), path).toHaveCount(0);
  }
  // A plain form post on one of them does what the page's own call did: saved, and said so.
  await page.goto('/profile');
  await page.locator('#status').fill('plain forms');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(page.locator('#status')).toHaveValue('plain forms');
  // And a refusal comes back as the page again, saying why.
  await page.goto('/rooms');
  await page.locator('#room-name').fill('general');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page).toHaveURL(/\/rooms\?error=room-name-taken$/);
  await expect(page.getByRole('alert')).toHaveText('A room with that name exists.');
  // A room's page is the live one.
  await page.goto('/');
  await expect(page.locator('script[type="module"]')).not.toHaveCount(0);
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await context.close();
});
