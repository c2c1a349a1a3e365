import { test, expect } from '@playwright/test';
import { createRoom, delivered, joinAs, PASSWORD, send, unique, signUp, username } from './helpers';

test.describe('on a touch screen with a keyboard (nothing focused on arrival)', () => {
  test.use({ hasTouch: true, isMobile: true, viewport: { width: 768, height: 1024 } });

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
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 375, height: 667 } });

  test('Escape closes the open room drawer and returns focus to its toggle', async ({ page }) => {
    await signUp(page, username('drawer'));
    const drawer = page.locator('#sidebar nav');
    const toggle = page.locator('#sidebar summary');
    // A room's live page, then one the server renders alone, without the bundle.
    for (const path of ['/', '/saved']) {
      await page.goto(path);
      // The live page moves focus as it goes live (to its composer): not in the middle of this.
      if (path === '/') await expect(page.locator('#connection-status')).toHaveText('connected');
      await toggle.focus();
      await page.keyboard.press('Enter');
      await expect(drawer, path).toBeVisible();
      await drawer.locator('a[data-room="general"]').focus();
      await page.keyboard.press('Escape');
      await expect(drawer, path).toBeHidden();
      await expect(toggle, path).toBeFocused();
    }
  });
});

test('a keyboard-only journey: sign up, send, switch rooms, always knowing where focus is', async ({ page }) => {
  const name = username('kbd');
  await page.goto('/signup');
  await page.locator('#username').focus();
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await expect(page.locator('#password')).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  // The chat opens ready to type, titled with the room.
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page).toHaveTitle('#general · Banter');
  await expect(page.locator('#message-input')).toBeFocused();
  const text = unique('typed only');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await expect(delivered(page, text)).toHaveCount(1);
  await expect(page.locator('#message-input')).toBeFocused();

  // Make a second room, then move between rooms from the sidebar with the keyboard.
  await page.goto('/rooms');
  const room = `kbd-${Date.now().toString(36)}`;
  await page.locator('#room-name').focus();
  await page.keyboard.type(room);
  await page.keyboard.press('Enter');
  // Other tests talking in #general meanwhile show as an unread count before the name.
  await expect(page).toHaveTitle(new RegExp(`^(\\(\\d+\\) )?#${room} · Banter$`));
  await expect(page.locator('#message-input')).toBeFocused();
  await page.locator('#sidebar a[data-room="general"]').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveTitle('#general · Banter');
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#message-input')).toBeFocused();
});

test.describe('at 320 px', () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test('a 300-character word wraps: nothing scrolls sideways', async ({ page }) => {
    await signUp(page, username('narrow'));
    // One word, unique to this run (other tests and repeats talk in #general too).
    const tail = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const word = `${'x'.repeat(300 - tail.length)}${tail}`;
    await page.locator('#message-input').fill(word);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(delivered(page, word)).toHaveCount(1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = page.locator('#chat-box');
    const sideways = await box.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(sideways).toBeLessThanOrEqual(0);
  });
});

test('the arrow keys move through the messages, and a focused message shows its date and time', async ({ browser }) => {
  const { context, page } = await joinAs(browser, 'reader');
  // A room of its own: in #general other tests' messages can land between these two.
  await createRoom(page, 'keys');
  const first = unique('first line');
  const second = unique('second line');
  await send(page, first);
  await expect(delivered(page, first)).toHaveCount(1);
  await send(page, second);
  await expect(delivered(page, second)).toHaveCount(1);

  // One Tab stop for the list; Up from it goes to the newest message, Up again to the one before.
  await page.locator('#chat-box').focus();
  await page.keyboard.press('ArrowUp');
  const newest = page.locator('#chat-box li.message').filter({ hasText: second });
  await expect(newest).toBeFocused();
  await page.keyboard.press('ArrowUp');
  const before = page.locator('#chat-box li.message').filter({ hasText: first });
  await expect(before).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(newest).toBeFocused();
  expect(await newest.getAttribute('tabindex')).toBe('-1');

  // The exact date and time, as the title says, drawn beside the focused message.
  const time = newest.locator('time');
  const title = await time.getAttribute('title');
  expect(title).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
  const shown = await time.evaluate((el) => getComputedStyle(el, '::after').content);
  expect(shown).toBe(`"${title}"`);
  await context.close();
});
