import { test, expect } from '@playwright/test';
import { PASSWORD, joinAs, totp } from './helpers';

// Two-factor sign-in as a person sets it up and uses it: the profile's security page, the QR
// code and key for their authenticator app (the tests compute its codes), the recovery codes
// shown once, then a sign-in on another browser that asks for the code after the password.
test('setting up an authenticator app, then signing in with a code', async ({ browser }) => {
  const { context, page, name } = await joinAs(browser, 'totp');
  await page.locator('#me').click();
  await page.locator('#security-link').click();
  await expect(page).toHaveURL(/\/profile\/security$/);
  await expect(page.locator('#totp-state')).toContainText('off');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.locator('#totp-secret').textContent()) ?? '';
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.locator('#recovery-codes li')).toHaveCount(10);
  await page.getByRole('link', { name: 'I have kept them: open the chat' }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await context.close();

  const laptop = await browser.newContext();
  const other = await laptop.newPage();
  await other.goto('/signin');
  await other.locator('#username').fill(name);
  await other.locator('#password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(other).toHaveURL(/\/signin\/code$/);
  await other.getByLabel('Code from your authenticator app').fill('000000');
  await other.getByRole('button', { name: 'Continue' }).click();
  await expect(other.getByRole('alert')).toContainText('not right');
  // The app's next code: the one that turned it on is spent.
  await other.getByLabel('Code from your authenticator app').fill(totp(secret, Date.now() + 30_000));
  await other.getByRole('button', { name: 'Continue' }).click();
  await expect(other.locator('#connection-status')).toHaveText('connected');
  await laptop.close();
});
