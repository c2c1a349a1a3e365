import { test, expect } from '@playwright/test';
import { joinAs, send, unique } from './helpers';

// Exporting one's data from the profile: the archive is made in the background (the page
// shows how far it is and looks again by itself) and then downloads as a zip file.
test('a person exports their data and downloads the archive', async ({ browser }) => {
  const me = await joinAs(browser, 'exporter');
  await send(me.page, unique('something to keep'));
  await me.page.goto('/profile');
  await me.page.getByRole('link', { name: 'Export your data →' }).click();
  await expect(me.page).toHaveURL(/\/profile\/export$/);
  await me.page.getByRole('button', { name: 'Make an archive' }).click();
  const download = me.page.getByRole('link', { name: /^Download/ });
  await expect(download).toBeVisible();
  const [file] = await Promise.all([me.page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toMatch(new RegExp(`^banter-${me.name}-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
  const path = await file.path();
  const { readFileSync } = await import('node:fs');
  // A zip file starts with its local header's signature.
  expect(readFileSync(path).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  await me.context.close();
});
