import { test, expect } from '@playwright/test';
import { delivered, joinAs, send, unique } from './helpers';

test('HTML in a message is shown as text and never runs', async ({ browser }) => {
  const sender = await joinAs(browser, 'mallory');
  const reader = await joinAs(browser, 'reader');
  let dialogs = 0;
  for (const { page } of [sender, reader]) {
    page.on('dialog', async (dialog) => {
      dialogs += 1;
      await dialog.dismiss();
    });
  }
  const payload = `<img src=x onerror=alert(1)> ${unique('xss')}`;
  await send(sender.page, payload);
  await expect(delivered(reader.page, payload)).toHaveCount(1);
  // (Other tests' messages may carry real images: only the payload's own would be `src=x`.)
  await expect(reader.page.locator('#chat-box img[src="x"]')).toHaveCount(0);
  // Server-rendered too: reload and look again.
  await reader.page.reload();
  await expect(delivered(reader.page, payload)).toHaveCount(1);
  await expect(reader.page.locator('#chat-box img[src="x"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
  await sender.context.close();
  await reader.context.close();
});
