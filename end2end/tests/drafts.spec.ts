import { test, expect } from '@playwright/test';
import { PASSWORD, delivered, joinAs, unique } from './helpers';

test('a draft typed in one browser is waiting in another, and sending it clears it in both', async ({ browser }) => {
  const phone = await joinAs(browser, 'drafter');
  const text = unique('half a thought');
  // The page saves what is typed a moment later.
  const saved = phone.page.waitForResponse((r) => r.url().includes('/api/save_draft') && r.ok());
  await phone.page.locator('#message-input').fill(text);
  await saved;

  // The same person signs in on another device: the composer holds the draft.
  const context = await browser.newContext();
  const laptop = await context.newPage();
  await laptop.goto('/signin');
  await laptop.locator('#username').fill(phone.name);
  await laptop.locator('#password').fill(PASSWORD);
  await laptop.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(laptop.locator('#connection-status')).toHaveText('connected');
  await expect(laptop.locator('#message-input')).toHaveValue(text);

  // Sent from there: delivered, and no longer a draft anywhere.
  await laptop.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(delivered(phone.page, text)).toHaveCount(1);
  await phone.page.reload();
  await expect(phone.page.locator('#connection-status')).toHaveText('connected');
  await expect(phone.page.locator('#message-input')).toHaveValue('');
  await context.close();
  await phone.context.close();
});
