import { test, expect } from '@playwright/test';
import { delivered, joinAs, postMessages, send, unique } from './helpers';

test('the list follows new messages, unless the reader scrolled up to read', async ({ browser, request }) => {
  // Enough history to scroll.
  await postMessages(request, unique('filler'), 40);
  const reader = await joinAs(browser, 'reader-scroll');
  const writer = await joinAs(browser, 'writer-scroll');

  // At the bottom: a new message comes into view by itself.
  const first = unique('follow me');
  await send(writer.page, first);
  await expect(delivered(reader.page, first)).toHaveCount(1);
  await expect(delivered(reader.page, first)).toBeInViewport();
  await expect(reader.page.locator('#new-messages')).toHaveCount(0);

  // Scrolled up: the reader keeps their place, and a control offers the jump.
  await reader.page.locator('#chat-box').evaluate((el) => el.scrollTo(0, el.scrollHeight / 3));
  // Let the page see the scroll (its event fires on the next frame).
  await reader.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(null))));
  const second = unique('while reading');
  await send(writer.page, second);
  await expect(delivered(reader.page, second)).toHaveCount(1);
  await expect(reader.page.locator('#new-messages')).toBeVisible();
  await expect(delivered(reader.page, second)).not.toBeInViewport();
  await reader.page.locator('#new-messages').click();
  await expect(delivered(reader.page, second)).toBeInViewport();
  await expect(reader.page.locator('#new-messages')).toHaveCount(0);

  await reader.context.close();
  await writer.context.close();
});
