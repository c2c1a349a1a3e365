import { test, expect } from '@playwright/test';
import { signUp, username } from './helpers';

test('the first Tab reaches "Skip to message input", which moves focus to the composer', async ({ page }) => {
  await signUp(page, username('keys'));
  await page.goto('/');
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to message input' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('#message-input')).toBeFocused();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 667 } });

  test('Escape closes the open room drawer and returns focus to its toggle', async ({ page }) => {
    await signUp(page, username('drawer'));
    const drawer = page.locator('#sidebar nav');
    const toggle = page.locator('#sidebar summary');
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect(drawer).toBeVisible();
    await drawer.locator('a[data-room="general"]').focus();
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();
    await expect(toggle).toBeFocused();
  });
});
