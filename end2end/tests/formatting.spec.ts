import { test, expect } from '@playwright/test';
import { joinAs, unique } from './helpers';

test('Shift+Enter writes more than one line; formatting and links arrive rendered', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const input = alice.page.locator('#message-input');
  const tag = unique('lines');

  // Shift+Enter is a new line, Enter sends.
  await input.pressSequentially(`${tag} one`);
  await input.press('Shift+Enter');
  await input.pressSequentially('**two** and ~~three~~');
  await expect(input).toHaveValue(`${tag} one\n**two** and ~~three~~`);
  await input.press('Enter');
  const message = bob.page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: tag });
  await expect(message).toHaveCount(1);
  expect(await message.evaluate((el) => (el as HTMLElement).innerText)).toBe(`${tag} one\ntwo and three`);
  await expect(message.locator('strong')).toHaveText('two');
  await expect(message.locator('del')).toHaveText('three');
  await expect(input).toHaveValue('');

  // Pasted lines keep their breaks.
  const pasted = unique('pasted');
  await input.fill(`${pasted}\nsecond line`);
  await input.press('Enter');
  const second = bob.page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: pasted });
  expect(await second.evaluate((el) => (el as HTMLElement).innerText)).toBe(`${pasted}\nsecond line`);

  // A bare URL is a link that opens in a new tab, safely.
  const linkText = unique('see');
  await input.fill(`${linkText} https://example.com/page`);
  await input.press('Enter');
  const link = bob.page
    .locator('#chat-box li.message:not(.pending) .body')
    .filter({ hasText: linkText })
    .getByRole('link', { name: 'https://example.com/page' });
  await expect(link).toHaveAttribute('href', 'https://example.com/page');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow');
  // No network here: the tab that opens gets a stand-in page.
  await bob.context.route('https://example.com/**', (route) => route.fulfill({ contentType: 'text/html', body: 'elsewhere' }));
  const popup = bob.page.waitForEvent('popup');
  await link.click();
  expect((await popup).url()).toBe('https://example.com/page');

  await alice.context.close();
  await bob.context.close();
});
