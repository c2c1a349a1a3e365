import { test, expect, type Page } from '@playwright/test';
import { attach, joinAs, unique, username, PASSWORD, RED_PNG } from './helpers';

const tray = (page: Page) => page.locator('#attachment-tray');
const input = (page: Page) => page.locator('#message-input');

/** The delivered message whose text is `text`. */
function deliveredItem(page: Page, text: string) {
  return page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
}

async function sendText(page: Page, text: string) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

test('an image attached with the file chooser reaches the other browser as a thumbnail', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  await attach(alice.page, [{ name: 'red.png', mimeType: 'image/png', buffer: RED_PNG }]);
  await expect(tray(alice.page).locator('li', { hasText: 'red.png' })).toContainText('ready');
  const text = unique('a red square');
  await sendText(alice.page, text);
  await expect(tray(alice.page)).toHaveCount(0);

  const image = deliveredItem(bob.page, text).getByRole('img', { name: 'red.png' });
  await expect(image).toBeVisible();
  await expect(image).toHaveAttribute('src', /^\/files\/[0-9a-f]{32}\/thumb$/);
  // Loaded, not a broken image: the thumbnail decoded at its real size.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  // The full image is a click away, in a new tab.
  await expect(deliveredItem(bob.page, text).locator('a.attachment-image')).toHaveAttribute('target', '_blank');
  await alice.context.close();
  await bob.context.close();
});

test('a pasted image and a dropped file are attached too', async ({ browser }) => {
  const carol = await joinAs(browser, 'carol');
  const page = carol.page;
  // Paste a screenshot into the message input.
  await input(page).focus();
  await page.evaluate((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'screenshot.png', { type: 'image/png' }));
    const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.querySelector('#message-input')!.dispatchEvent(event);
  }, [...RED_PNG]);
  await expect(tray(page).locator('li', { hasText: 'screenshot.png' })).toContainText('ready');

  // Drop a document anywhere on the chat.
  const dropped = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(['minutes of the meeting'], 'minutes.txt', { type: 'text/plain' }));
    return data;
  });
  await page.locator('main.chat').dispatchEvent('dragover', { dataTransfer: dropped });
  await page.locator('main.chat').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(tray(page).locator('li', { hasText: 'minutes.txt' })).toContainText('ready');

  const text = unique('both');
  await sendText(page, text);
  const item = deliveredItem(page, text);
  await expect(item.getByRole('img', { name: 'screenshot.png' })).toBeVisible();
  const card = item.locator('a.file-card');
  await expect(card).toContainText('minutes.txt');
  await expect(card).toContainText('22 B');
  // The card downloads the file, with its name.
  const download = page.waitForEvent('download');
  await card.click();
  expect((await download).suggestedFilename()).toBe('minutes.txt');
  await carol.context.close();
});

test('a file over the size limit says so before sending; failures can be retried, uploads cancelled', async ({ browser }) => {
  const dave = await joinAs(browser, 'dave');
  const page = dave.page;
  let uploads = 0;
  page.on('request', (request) => request.url().endsWith('/api/uploads') && uploads++);
  await attach(page, [{ name: 'huge.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(25_000_001) }]);
  const huge = tray(page).locator('li', { hasText: 'huge.mov' });
  await expect(huge.getByRole('alert')).toHaveText('larger than the 25 MB limit');
  expect(uploads).toBe(0);
  // It blocks sending until removed.
  await sendText(page, unique('not yet'));
  await expect(page.locator('#composer .form-error')).toContainText('retry or remove');
  await huge.getByRole('button', { name: 'Remove' }).click();
  await expect(tray(page)).toHaveCount(0);

  // The server failing once: the reason, and Retry.
  let failOnce = true;
  await page.route('**/api/uploads', async (route) => {
    if (failOnce) {
      failOnce = false;
      await route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"unavailable","message":"the server could not store the file; try again"}' });
    } else {
      await route.continue();
    }
  });
  await attach(page, [{ name: 'flaky.png', mimeType: 'image/png', buffer: RED_PNG }]);
  const flaky = tray(page).locator('li', { hasText: 'flaky.png' });
  await expect(flaky.getByRole('alert')).toHaveText('the server could not store the file; try again');
  await flaky.getByRole('button', { name: 'Retry' }).click();
  await expect(flaky).toContainText('ready');
  await flaky.getByRole('button', { name: 'Remove' }).click();

  // An upload held in flight can be cancelled.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.unroute('**/api/uploads');
  await page.route('**/api/uploads', async (route) => {
    await held;
    await route.abort().catch(() => {});
  });
  await attach(page, [{ name: 'slow.png', mimeType: 'image/png', buffer: RED_PNG }]);
  const slow = tray(page).locator('li', { hasText: 'slow.png' });
  await expect(slow.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await slow.getByRole('button', { name: 'Cancel' }).click();
  await expect(tray(page)).toHaveCount(0);
  release();
  await dave.context.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the form attaches a file and history shows it as a link', async ({ page }) => {
    await page.goto('/signup');
    await page.locator('#username').fill(username('nojsfile'));
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page.locator('#chat-box')).toBeVisible();
    const text = unique('with a file, no script');
    await page.locator('#message-input').fill(text);
    await page.getByLabel('Attach a file').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: RED_PNG });
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const item = page.locator('#chat-box li.message').filter({ hasText: text });
    await expect(item.getByRole('img', { name: 'red.png' })).toBeVisible();
    await expect(item.locator('a.attachment-image')).toHaveAttribute('href', /^\/files\/[0-9a-f]{32}\/red\.png$/);
  });
});
