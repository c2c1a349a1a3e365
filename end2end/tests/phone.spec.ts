import { test, expect } from '@playwright/test';
import { delivered, send, signUp, unique, username } from './helpers';

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

test('on a phone a tap shows one message\'s actions, and they go when done', async ({ page }) => {
  await signUp(page, username('tapper'));
  const texts = [unique('tap one'), unique('tap two')];
  for (const text of texts) {
    await send(page, text);
    await expect(delivered(page, text)).toHaveCount(1);
  }
  const message = (text: string) => page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  const [first, second] = texts.map(message);
  // Messages are the content: no toolbar until one is asked for.
  await expect(first.locator('.actions')).toBeHidden();
  await expect(second.locator('.actions')).toBeHidden();
  await first.locator('.body').tap();
  await expect(first.locator('.actions')).toBeVisible();
  await expect(second.locator('.actions')).toBeHidden();
  // The add-reaction button has a face every phone can draw.
  await expect(first.getByRole('button', { name: 'Add reaction' }).locator('svg')).toBeVisible();
  // A tap on another message moves them; a second tap on it hides them.
  await second.locator('.body').tap();
  await expect(first.locator('.actions')).toBeHidden();
  await expect(second.locator('.actions')).toBeVisible();
  await second.locator('.body').tap();
  await expect(second.locator('.actions')).toBeHidden();
  // A reaction from there: it lands, and the bar goes.
  await second.locator('.body').tap();
  await second.getByRole('button', { name: 'React with 👍' }).tap();
  await expect(second.locator('.reactions')).toContainText('👍');
  await expect(second.locator('.actions')).toBeHidden();
  // A reply from there.
  await first.locator('.body').tap();
  await first.getByRole('button', { name: 'Reply', exact: true }).tap();
  await expect(page.locator('#composer')).toContainText(texts[0]);
  await expect(first.locator('.actions')).toBeHidden();
  // The quote is cut to fit: the page does not grow sideways, Send stays on screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 375);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeInViewport();
  // Escape hides them too.
  await first.locator('.body').tap();
  await expect(first.locator('.actions')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(first.locator('.actions')).toBeHidden();
  // The reader scrolling hides them.
  await second.locator('.body').tap();
  await expect(second.locator('.actions')).toBeVisible();
  const list = await page.locator('#chat-box').boundingBox();
  await page.mouse.move(list!.x + list!.width / 2, list!.y + list!.height / 2);
  await page.mouse.wheel(0, -200);
  await expect(second.locator('.actions')).toBeHidden();
});
