import { test, expect } from '@playwright/test';
import { BY_NAME, PASSWORD, signUp, username, virtualAuthenticator } from './helpers';

// Passkeys as a person uses them, with Chromium's virtual authenticator standing in for the
// phone: adding one on the security page, then signing in with it alone (no username, no
// password), then — after the password — using it as the second step. The node is opened as
// localhost: passkeys belong to a host name.
test('adding a passkey, signing in with it alone, and as the step after the password', async ({ page }) => {
  await virtualAuthenticator(page);
  const name = username('passkey');
  await signUp(page, name, BY_NAME);
  await page.goto(`${BY_NAME}/profile/security`);
  await page.getByLabel('Name it').fill('Test phone');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.locator('#passkey-list li')).toHaveCount(1);
  await expect(page.locator('#passkey-list')).toContainText('Test phone');
  await expect(page.locator('#passkey-list')).toContainText('not used yet');

  // Signed out: the passkey alone signs in.
  await page.context().clearCookies();
  await page.goto(`${BY_NAME}/signin`);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#me')).toContainText(name);

  // A password sign-in now asks for the passkey next.
  await page.context().clearCookies();
  await page.goto(`${BY_NAME}/signin`);
  await page.locator('#username').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/signin\/code$/);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await page.goto(`${BY_NAME}/profile/security`);
  await expect(page.locator('#passkey-list')).toContainText('last used');
  // Removed with the password: it is gone from the list.
  await page.getByLabel('Your password, to remove “Test phone”').fill(PASSWORD);
  await page.getByRole('button', { name: 'Remove this passkey' }).click();
  await expect(page.locator('#passkey-list')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add a passkey' })).toBeVisible();
});

test('a browser without a passkey for the site is told so, and can sign in another way', async ({ page }) => {
  await virtualAuthenticator(page);
  await page.goto(`${BY_NAME}/signin`);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('alert')).toContainText('No passkey was used');
  await expect(page.locator('#signin-form')).toBeVisible();
  // Opened by its IP address, the same server offers no passkey: the browser would refuse.
  await page.goto('/signin');
  await expect(page.locator('#passkey-sign-in')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
});
