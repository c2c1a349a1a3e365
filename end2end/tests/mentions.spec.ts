import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation } from './helpers';

test('@ offers the room’s members, and a mention shows as a badge in the sidebar and on the message', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const carol = await joinAs(browser, 'carol');
  // Alice and Bob talk in a conversation; Carol, in #general, calls Bob by name there.
  await openConversation(alice.page, bob.page, bob.name);

  const input = carol.page.locator('#message-input');
  await input.fill('lunch, ');
  await input.pressSequentially(`@${bob.name.slice(0, -2)}`);
  const list = carol.page.getByRole('listbox', { name: 'People in this room' });
  const offer = list.getByRole('option', { name: new RegExp(`@${bob.name}$`) });
  await expect(offer).toBeVisible();
  await expect(input).toHaveAttribute('aria-controls', 'completions');
  // The keyboard chooses: Bob is the only match (usernames end in a random tail).
  await expect(list.getByRole('option')).toHaveCount(1);
  await input.press('Enter');
  await expect(input).toHaveValue(`lunch, @${bob.name} `);
  await expect(list).toHaveCount(0);
  await input.pressSequentially('are you in?');
  await input.press('Enter');
  const text = `lunch, @${bob.name} are you in?`;
  await expect(delivered(carol.page, text)).toHaveCount(1);

  // Bob, in his conversation, sees #general raise a mention badge, live.
  const general = bob.page.locator('#sidebar a[data-room="general"]');
  await expect(general.locator('.mention-count')).toHaveAttribute('aria-label', '1 mention');
  // In #general the message is marked as mentioning him, the mention itself too.
  await general.click();
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const message = bob.page.locator('#chat-box li.message', { hasText: text });
  await expect(message).toHaveClass(/mentions-me/);
  await expect(message.locator('.mention')).toHaveText(`@${bob.name}`);
  // Alice, who was not named, sees no badge for it.
  await expect(alice.page.locator('#sidebar a[data-room="general"] .mention-count')).toHaveCount(0);
  await alice.context.close();
  await bob.context.close();
  await carol.context.close();
});
