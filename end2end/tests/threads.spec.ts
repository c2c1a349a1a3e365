import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique, visit } from './helpers';

test('a thread started in one browser grows live in the other, beside the room', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);
  const question = unique('shall we ship friday');
  await send(alice.page, question);
  await expect(delivered(bob.page, question)).toHaveCount(1);

  // Bob branches a thread from Alice's message and answers in it.
  const root = bob.page.locator('#chat-box li.message').filter({ hasText: question });
  await root.focus();
  await root.getByRole('link', { name: 'Thread' }).click();
  await expect(bob.page).toHaveURL(new RegExp(`${room}/t/\\d+$`));
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const thread = bob.page.locator('#thread');
  await expect(thread.locator('li.message').first()).toContainText(question);
  const answer = unique('only if the tests pass');
  await bob.page.locator('#thread-input').fill(answer);
  await bob.page.locator('#thread-input').press('Enter');
  await expect(thread.locator('li.message:not(.pending)').filter({ hasText: answer })).toHaveCount(1);
  // The reply stays in its thread: the room beside it only counts it.
  await expect(delivered(bob.page, answer)).toHaveCount(0);

  // Alice, on the room's page, sees the count appear under her message without a reload.
  const hers = alice.page.locator('#chat-box li.message').filter({ hasText: question });
  await expect(hers.locator('.thread-line')).toContainText('1 reply');
  await expect(delivered(alice.page, answer)).toHaveCount(0);
  await hers.locator('.thread-line').click();
  const herThread = alice.page.locator('#thread');
  await expect(herThread.locator('li.message').filter({ hasText: answer })).toHaveCount(1);
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');

  // Her reply, sent to the room too, reaches Bob's thread and Bob's room.
  const both = unique('shipping friday, everyone');
  await alice.page.locator('#thread-input').fill(both);
  await alice.page.getByLabel('Also send to the room').check();
  await alice.page.locator('#thread').getByRole('button', { name: 'Send', exact: true }).click();
  await expect(thread.locator('li.message').filter({ hasText: both })).toHaveCount(1);
  await expect(delivered(bob.page, both)).toHaveCount(1);
  await expect(root.locator('.thread-line')).toContainText('2 replies');

  // Closing the thread goes back to the room.
  await bob.page.getByRole('link', { name: 'Close thread' }).click();
  await expect(bob.page).toHaveURL(new RegExp(`${room}$`));
  await expect(bob.page.locator('#thread')).toHaveCount(0);
  await alice.context.close();
  await bob.context.close();
});

test('a followed thread’s new reply is counted in the sidebar and listed under Threads', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);
  const question = unique('who reviews the release');
  await send(alice.page, question);
  await expect(delivered(bob.page, question)).toHaveCount(1);
  const root = alice.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: question });
  await root.focus();
  await root.getByRole('link', { name: 'Thread' }).click();
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  const threadPath = new URL(alice.page.url()).pathname;

  // Bob follows it by hand from the thread, then goes back to the room.
  await visit(bob.page, threadPath);
  const follow = bob.page.getByRole('button', { name: 'Follow' });
  await expect(follow).toHaveAttribute('aria-pressed', 'false');
  await follow.click();
  await expect(follow).toHaveAttribute('aria-pressed', 'true');
  // Half a reply, kept as the thread's own draft.
  const half = unique('half a reply');
  const saved = bob.page.waitForResponse((r) => r.url().includes('/api/save_draft') && r.ok());
  await bob.page.locator('#thread-input').fill(half);
  await saved;
  await bob.page.getByRole('link', { name: 'Close thread' }).click();
  await expect(bob.page).toHaveURL(new RegExp(`${room}$`));
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const count = bob.page.locator('#threads-link .unread');
  await expect(count).toBeHidden();

  // Alice answers in the thread: Bob's sidebar counts it at once.
  const answer = unique('I will');
  await alice.page.locator('#thread-input').fill(answer);
  await alice.page.locator('#thread-input').press('Enter');
  await expect(count).toHaveText('1');

  // The Threads view lists it with its new reply and leads into it.
  await bob.page.locator('#threads-link').click();
  const item = bob.page.locator('#threads-list li').filter({ hasText: question });
  await expect(item).toContainText('1 new');
  await item.getByRole('link').click();
  await expect(bob.page.locator('#thread li.message').filter({ hasText: answer })).toHaveCount(1);
  await expect(bob.page.locator('#thread-input')).toHaveValue(half);
  await expect(bob.page.locator('#message-input')).toHaveValue('');
  // Seen now: nothing new any more.
  await bob.page.goto('/threads');
  await expect(bob.page.locator('#threads-list li').filter({ hasText: question })).not.toContainText('new');
  await alice.context.close();
  await bob.context.close();
});
