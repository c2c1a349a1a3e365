import { test, expect } from '@playwright/test';
import { createPrivateRoom, delivered, joinAs, openConversation, send, unique } from './helpers';

// Blocking from the member list: the conversation takes nothing new (the blocked person's
// message fails on their open page, without a word about blocking), the blocker's page offers
// the way back, and in a shared room the blocked person's messages are folded for the blocker.
test('a person blocks someone, who can no longer write to them, then unblocks', async ({ browser }) => {
  const ann = await joinAs(browser, 'quiet');
  const bob = await joinAs(browser, 'loud');
  const conversation = await openConversation(ann.page, bob.page, bob.name);
  const hello = unique('hello there');
  await send(bob.page, hello);
  await expect(delivered(ann.page, hello)).toHaveCount(1);

  await ann.page.locator('#room-info summary').click();
  await ann.page.getByRole('button', { name: `Block ${bob.name}` }).click();
  await expect(ann.page.locator('#blocked-conversation')).toContainText('You blocked');
  await expect(ann.page.locator('#message-input')).toHaveCount(0);

  // Bob's page is still open: his next message is refused, and says nothing of a block.
  const refused = unique('are you there');
  await send(bob.page, refused);
  const failed = bob.page.locator('#chat-box li.failed').filter({ hasText: refused });
  await expect(failed).toContainText('not taking new messages');
  await expect(failed.locator('.state')).not.toContainText('block');
  await expect(delivered(ann.page, refused)).toHaveCount(0);

  // In a room they share, his messages are folded for her, opened on purpose.
  const room = await createPrivateRoom(bob.page, 'shared');
  await send(bob.page, `/invite @${ann.name}`);
  const shared = unique('in the team room');
  await send(bob.page, shared);
  await expect(delivered(bob.page, shared)).toHaveCount(1);
  await ann.page.goto(room);
  await expect(ann.page.locator('#connection-status')).toHaveText('connected');
  const folded = ann.page.locator('#chat-box li.message.from-blocked');
  await expect(folded.getByText('Message from a blocked person')).toBeVisible();
  await expect(delivered(ann.page, shared)).toBeHidden();
  // Live too.
  const live = unique('said live');
  await send(bob.page, live);
  await expect(folded).toHaveCount(2);
  await folded.last().getByText('Message from a blocked person').click();
  await expect(delivered(ann.page, live)).toBeVisible();

  // Unblocked from the conversation itself: both write again.
  await ann.page.goto(conversation);
  await ann.page.getByRole('button', { name: `Unblock @${bob.name}` }).click();
  await expect(ann.page.locator('#connection-status')).toHaveText('connected');
  const back = unique('talking again');
  await send(ann.page, back);
  await bob.page.goto(conversation);
  await expect(delivered(bob.page, back)).toHaveCount(1);

  for (const person of [ann, bob]) await person.context.close();
});
