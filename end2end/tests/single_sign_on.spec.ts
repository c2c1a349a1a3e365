import { test, expect } from '@playwright/test';
import { username } from './helpers';

// Single sign-on as a person does it: Banter's sign-in page, the identity provider's own page
// (a real OpenID Connect provider, end2end/oidc/provider.mjs), and back into the chat as the
// account the provider's person was given.
test('signing in through the identity provider opens the chat as a new account, then as the same one', async ({ browser }) => {
  const login = username('sso');
  for (const visit of ['first', 'again']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByRole('link', { name: 'Sign in with Test ID' }).click();
    await expect(page.getByRole('heading', { name: 'Test ID' })).toBeVisible();
    await page.getByLabel('Username').fill(login);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('#connection-status'), visit).toHaveText('connected');
    // The display name is the provider's `name`; the username its `preferred_username`.
    await expect(page.locator('#me')).toContainText(`${login[0].toUpperCase()}${login.slice(1)} Example`);
    await page.goto('/profile');
    await expect(page.locator('main')).toContainText(login);
    await context.close();
  }
});

test('a sign-in that comes back refused says so on the sign-in page', async ({ page }) => {
  // A callback this browser never started (a link someone sent): nothing signs in.
  await page.goto('/auth/oidc/callback?code=stolen&state=forged');
  await expect(page).toHaveURL(/\/signin\?error=sso-expired$/);
  await expect(page.getByRole('alert')).toContainText('start again');
  await expect(page.getByRole('link', { name: 'Sign in with Test ID' })).toBeVisible();
});
