import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('a reaction from the quick ones and from the picker, seen live; the same again takes it back', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  // A conversation of their own: in #general other tests' bursts scroll the list under the
  // pointer between hovering a message and pressing its button.
  await openConversation(alice.page, bob.page, bob.name);
  const text = unique('react to this');
  await send(alice.page, text);
  await expect(delivered(bob.page, text)).toHaveCount(1);

  // Bob: a quick 👍 on hover.
  const onBob = bob.page.locator('#chat-box li.message').filter({ hasText: text });
  await onBob.focus();
  await onBob.getByRole('button', { name: 'React with 👍' }).click();
  const onAlice = alice.page.locator('#chat-box li.message').filter({ hasText: text });
  const thumbs = onAlice.locator('.reaction', { hasText: '👍' });
  await expect(thumbs).toHaveText('👍 1');
  await expect(thumbs).toHaveAttribute('title', bob.name);
  await expect(thumbs).toHaveAttribute('aria-pressed', 'false');

  // Alice: 🚀 from the picker, with the keyboard.
  await onAlice.focus();
  await onAlice.getByRole('button', { name: 'Add reaction' }).click();
  const search = alice.page.getByRole('combobox', { name: 'Search emoji' });
  await expect(search).toBeFocused();
  await search.fill('rocket');
  // Enter takes the highlighted option: wait until the search has put the rocket there.
  const picker = alice.page.getByRole('dialog', { name: 'Emoji picker' });
  await expect(picker.getByRole('listbox').getByRole('option', { selected: true })).toHaveAccessibleName('rocket');
  await search.press('Enter');
  await expect(onBob.locator('.reaction', { hasText: '🚀' })).toHaveText('🚀 1');

  // Alice presses 👍 under the message: two now, hers pressed; pressing again takes hers back.
  await thumbs.click();
  await expect(onBob.locator('.reaction', { hasText: '👍' })).toHaveText('👍 2');
  await expect(onAlice.locator('.reaction', { hasText: '👍' })).toHaveAttribute('aria-pressed', 'true');
  await onAlice.locator('.reaction', { hasText: '👍' }).click();
  await expect(onBob.locator('.reaction', { hasText: '👍' })).toHaveText('👍 1');

  // A fresh page shows them too.
  await bob.page.reload();
  const again = bob.page.locator('#chat-box li.message').filter({ hasText: text });
  await expect(again.locator('.reaction', { hasText: '🚀' })).toHaveText('🚀 1');
  await expect(again.locator('.reaction', { hasText: '👍' })).toHaveAttribute('aria-pressed', 'true');
  await alice.context.close();
  await bob.context.close();
});
