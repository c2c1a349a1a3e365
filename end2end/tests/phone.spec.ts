import { test, expect } from '@playwright/test';
import { delivered, signUp, unique, username } from './helpers';

test.use({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });

test('on a phone the input stays in view and sending works', async ({ page }) => {
  await signUp(page, username('phone'));
  const input = page.locator('#message-input');
  await expect(input).toBeInViewport();
  const text = unique('from a phone');
  await input.tap();
  await input.fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).tap();
  await expect(delivered(page, text)).toHaveCount(1);
  await expect(input).toBeInViewport();
  await expect(delivered(page, text)).toBeInViewport();
  // Touch targets are at least 44 px tall.
  const send = await page.getByRole('button', { name: 'Send', exact: true }).boundingBox();
  expect(send!.height).toBeGreaterThanOrEqual(44);
  // The rooms fold into a drawer: closed, then open at a tap.
  const drawer = page.locator('#sidebar nav');
  await expect(drawer).toBeHidden();
  await page.locator('#sidebar summary').tap();
  await expect(drawer.locator('a[data-room="general"]')).toBeVisible();
  await page.locator('#sidebar summary').tap();
  await expect(drawer).toBeHidden();
  // Nothing scrolls sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
