import { test, expect, type Page } from '@playwright/test';
import { delivered, joinAs, unique } from './helpers';

const input = (page: Page) => page.locator('#message-input');
const picker = (page: Page) => page.getByRole('dialog', { name: 'Emoji picker' });

test('an emoji picked with the mouse is sent, and a message of only emoji shows large', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');

  await alice.page.getByRole('button', { name: 'Emoji', exact: true }).click();
  await expect(picker(alice.page)).toBeVisible();
  await alice.page.getByRole('combobox', { name: 'Search emoji' }).fill('rocket');
  await alice.page.getByRole('option', { name: 'rocket', exact: true }).click();
  await expect(picker(alice.page)).toBeHidden();
  await expect(input(alice.page)).toHaveValue('🚀');
  await expect(input(alice.page)).toBeFocused();

  // Three emoji and nothing else: large. With words: ordinary size.
  await input(alice.page).pressSequentially('🚀🚀');
  await input(alice.page).press('Enter');
  const big = bob.page.locator('#chat-box li.message:not(.pending) .body.jumbo', { hasText: '🚀🚀🚀' });
  await expect(big).toHaveCount(1);
  const words = unique('launch 🚀');
  await input(alice.page).fill(words);
  await input(alice.page).press('Enter');
  await expect(delivered(bob.page, words)).toHaveCount(1);
  await expect(delivered(bob.page, words)).not.toHaveClass(/jumbo/);

  // Picked once, it is first among the recently used the next time.
  await alice.page.getByRole('button', { name: 'Emoji', exact: true }).click();
  await expect(alice.page.getByRole('button', { name: 'Recently used' })).toHaveAttribute('aria-pressed', 'true');
  await expect(alice.page.locator('#emoji-option-0')).toHaveText('🚀');

  await alice.context.close();
  await bob.context.close();
});

test('the picker works with the keyboard alone', async ({ browser }) => {
  const carol = await joinAs(browser, 'carol');
  const page = carol.page;
  await input(page).focus();
  await input(page).pressSequentially('well ');
  // From the input, Tab reaches the picker's button; Enter opens it with focus in the search.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Emoji', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  const search = page.getByRole('combobox', { name: 'Search emoji' });
  await expect(search).toBeFocused();
  await expect(page.locator('#emoji-grid [role=option]').first()).toBeVisible();

  // Arrows move the highlighted emoji through the grid: right one, down a row.
  await expect(search).toHaveAttribute('aria-activedescendant', 'emoji-option-0');
  await page.keyboard.press('ArrowRight');
  await expect(search).toHaveAttribute('aria-activedescendant', 'emoji-option-1');
  await page.keyboard.press('ArrowDown');
  await expect(search).toHaveAttribute('aria-activedescendant', 'emoji-option-9');
  await expect(page.locator('#emoji-option-9')).toHaveAttribute('aria-selected', 'true');

  // Escape closes and gives focus back to the button.
  await page.keyboard.press('Escape');
  await expect(picker(page)).toBeHidden();
  await expect(page.getByRole('button', { name: 'Emoji', exact: true })).toBeFocused();

  // Search, move, Enter: the emoji goes in at the caret and focus returns to the input.
  await page.keyboard.press('Enter');
  await expect(search).toBeFocused();
  await page.keyboard.type('party popper');
  await expect(page.locator('#emoji-option-0')).toHaveText('🎉');
  await page.keyboard.press('Enter');
  await expect(picker(page)).toBeHidden();
  await expect(input(page)).toHaveValue('well 🎉');
  await expect(input(page)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(delivered(page, 'well 🎉')).toHaveCount(1);

  // A skin tone applies to the emoji that have them.
  await page.getByRole('button', { name: 'Emoji', exact: true }).click();
  await page.getByLabel('Skin tone').selectOption({ label: 'Dark' });
  await page.getByRole('combobox', { name: 'Search emoji' }).fill('waving hand');
  await expect(page.getByRole('option', { name: 'waving hand', exact: true })).toHaveText('👋🏿');
  await carol.context.close();
});

test('typing a shortcode offers completions; a full one is turned into its emoji', async ({ browser }) => {
  const dave = await joinAs(browser, 'dave');
  const erin = await joinAs(browser, 'erin');
  const page = dave.page;
  const tag = unique('go');

  await input(page).pressSequentially(`${tag} :rocke`);
  const offers = page.getByRole('listbox', { name: 'Emoji suggestions' });
  await expect(offers.getByRole('option', { name: ':rocket:' })).toBeVisible();
  await expect(input(page)).toHaveAttribute('aria-controls', 'completions');
  // Enter takes the highlighted completion (and does not send).
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(offers).toBeHidden();
  await expect(input(page)).toHaveValue(`${tag} 🚀`);
  await expect(delivered(erin.page, tag)).toHaveCount(0);

  // A shortcode typed out in full, and one that is not an emoji, as sent.
  await input(page).pressSequentially(' :tada: at 12:30 :notanemoji:');
  await page.keyboard.press('Enter');
  await expect(delivered(erin.page, tag)).toHaveText(`${tag} 🚀 🎉 at 12:30 :notanemoji:`);

  // Escape dismisses the offers and leaves the text as typed.
  await input(page).pressSequentially(':smi');
  await expect(offers).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(offers).toBeHidden();
  await expect(input(page)).toHaveValue(':smi');
  await dave.context.close();
  await erin.context.close();
});

test('emoji are drawn in colour, and the picker fits a 320 px phone', async ({ browser }) => {
  const frank = await joinAs(browser, 'frank');
  const page = frank.page;
  await page.setViewportSize({ width: 320, height: 640 });
  await page.getByRole('button', { name: 'Emoji', exact: true }).click();
  const box = await picker(page).boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(320);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);

  // Draw an option's emoji with the font the page uses for it: a colour font gives pixels
  // whose channels differ; a monochrome fallback gives only greys.
  const coloured = await page.locator('#emoji-option-0').evaluate((option) => {
    const style = getComputedStyle(option);
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const context = canvas.getContext('2d')!;
    context.font = `48px ${style.fontFamily}`;
    context.textBaseline = 'top';
    context.fillText(option.textContent ?? '', 4, 4);
    const pixels = context.getImageData(0, 0, 64, 64).data;
    let count = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
    }
    return count;
  });
  expect(coloured).toBeGreaterThan(50);
  await frank.context.close();
});
