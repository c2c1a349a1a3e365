import { test, expect } from '@playwright/test';
import { createRoom, delivered, joinAs, openConversation, send, unique } from './helpers';

test('a pin made in one browser shows in the other at once, in the message and the room’s pins', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  // In a conversation either person pins.
  await openConversation(alice.page, bob.page, bob.name);
  const text = unique('the plan');
  await send(alice.page, text);
  await expect(delivered(bob.page, text)).toHaveCount(1);

  const his = bob.page.locator('#chat-box li.message').filter({ hasText: text });
  await his.focus();
  await his.getByRole('button', { name: 'Pin message' }).click();

  const hers = alice.page.locator('#chat-box li.message').filter({ hasText: text });
  await expect(hers.locator('.pinned-mark')).toHaveText('Pinned');
  await alice.page.locator('#room-info summary').click();
  const pins = alice.page.locator('#pins li');
  await expect(pins).toHaveCount(1);
  await expect(pins).toContainText(text);
  await expect(pins).toContainText(`pinned by @${bob.name}`);
  // The pin leads to its message.
  await pins.getByRole('link').click();
  await expect(hers).toBeFocused();

  // Unpinned by the other: gone from both.
  await his.focus();
  await his.getByRole('button', { name: 'Unpin message' }).click();
  await expect(pins).toHaveCount(0);
  await expect(hers.locator('.pinned-mark')).toHaveCount(0);
  await alice.context.close();
  await bob.context.close();
});

test('a saved message is on /saved, leads back to its room, and can be removed there', async ({ browser }) => {
  const me = await joinAs(browser, 'saver');
  // A room of its own: in #general other tests' messages redraw the list around this one,
  // and a redrawn message loses the focus that shows its actions.
  const room = await createRoom(me.page, 'saves');
  const text = unique('keep this');
  await send(me.page, text);
  const message = me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await message.focus();
  const save = message.getByRole('button', { name: 'Save', exact: true });
  await save.click();
  await expect(save).toHaveAttribute('aria-pressed', 'true');

  // Another device (a fresh page) knows it is saved.
  await me.page.reload();
  await expect(me.page.locator('#connection-status')).toHaveText('connected');
  await message.focus();
  await expect(save).toHaveAttribute('aria-pressed', 'true');

  await me.page.locator('#saved-link').click();
  await expect(me.page).toHaveURL(/\/saved$/);
  const item = me.page.locator('#saved-list li').filter({ hasText: text });
  await expect(item).toHaveCount(1);
  await item.getByRole('link').click();
  await expect(me.page).toHaveURL(new RegExp(`${room}\\?at=\\d+#m-\\d+$`));
  await expect(message).toBeVisible();

  await me.page.goto('/saved');
  await item.getByRole('button', { name: 'Remove' }).click();
  await expect(me.page.locator('#saved-list li').filter({ hasText: text })).toHaveCount(0);
  await me.context.close();
});
