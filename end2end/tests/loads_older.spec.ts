import { test, expect } from '@playwright/test';
import { postMessages, signUp, unique, username } from './helpers';

test('scrolling up loads older messages and keeps the reader in place', async ({ page, request }) => {
  // More than one page of history, posted through the plain form endpoint.
  await postMessages(request, unique('page'), 60);

  await signUp(page, username('scroller'));
  // Other tests may be talking at the same time, so count relative to what is shown.
  const messages = page.locator('#chat-box li.message');
  await expect(page.locator('#load-older')).toBeVisible();
  const firstShown = await messages.first().getAttribute('data-seq');
  const before = await messages.count();
  expect(before).toBeGreaterThanOrEqual(50);

  await page.locator('#chat-box').evaluate((el) => el.scrollTo(0, 0));
  // Older ones arrive at the top (new ones from other tests may arrive at the bottom too).
  await expect.poll(() => messages.first().getAttribute('data-seq')).not.toBe(firstShown);
  // Older ones come before, in order, and the message that was on top is still on screen.
  const seqs = await messages.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(seqs.indexOf(Number(firstShown))).toBeGreaterThan(0);
  await expect(page.locator(`#chat-box li[data-seq="${firstShown}"]`)).toBeInViewport();
});
