import { test, expect } from '@playwright/test';
import { PASSWORD, joinAs, send, unique, username } from './helpers';

test('a wrong password fails with a clear message, and repeated failures are throttled', async ({ browser }) => {
  const { context, page, name } = await joinAs(browser, 'forgetful');
  // Sign out from the profile page.
  await page.locator('#me').click();
  await page.locator('#sign-out').click();
  await expect(page).toHaveURL(/\/signin$/);
  // Signed out means signed out: the chat sends you back here.
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);

  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.locator('#username').fill(name);
    await page.locator('#password').fill(`wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // A plain form (the page is the server's alone): back to it, saying why, the name kept.
    await expect(page).toHaveURL(/\/signin\?error=wrong-password/);
    await expect(page.locator('.form-error')).toHaveText('Wrong username or password.');
    await expect(page.locator('#username')).toHaveValue(name);
    await page.goto('/signin');
  }
  // Now even the right password is refused until the lockout ends.
  await page.locator('#username').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('.form-error')).toContainText('Too many failed sign-ins');
  await expect(page.locator('#message-input')).toHaveCount(0);
  await context.close();
});

test('signing in again, in another browser, returns you to the chat as yourself', async ({ browser }) => {
  const first = await joinAs(browser, 'returning');
  await first.context.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);
  // The sign-in page is the server's alone: no bundle to wait for.
  await expect(page.locator('script[type="module"]')).toHaveCount(0);
  // Usernames are not case-sensitive.
  await page.locator('#username').fill(first.name.toUpperCase());
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#me')).toContainText(first.name);
  const text = unique('back again');
  await send(page, text);
  const mine = page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await expect(mine.locator('.author')).toHaveText(first.name);
  await context.close();
});

test('sign-up explains what a username may be', async ({ page }) => {
  await page.goto('/signup');
  await page.locator('#username').fill('two words');
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.locator('.form-error')).toContainText('letters a–z, digits');
  await expect(page.locator('#message-input')).toHaveCount(0);
  // A taken name is refused too.
  const taken = username('taken');
  expect((await page.request.post('/api/sign_up', { form: { username: taken, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto('/signup');
  await page.locator('#username').fill(taken);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.locator('.form-error')).toHaveText('That username is taken; pick another.');
});
