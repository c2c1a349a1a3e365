import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('messages arriving live join their author\'s group; another person starts a new one', async ({ browser }) => {
  const ann = await joinAs(browser, 'grouper');
  const bob = await joinAs(browser, 'other');
  // Their own conversation: other tests talk in #general at the same time and would break a
  // group up.
  await openConversation(ann.page, bob.page, bob.name);
  const first = unique('first of a group');
  const second = unique('second of a group');
  const reply = unique('a reply');
  await send(ann.page, first);
  await expect(delivered(bob.page, first)).toHaveCount(1);
  await send(ann.page, second);
  await send(bob.page, reply);
  for (const page of [ann.page, bob.page]) {
    const item = (text: string) => page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
    await expect(item(reply)).toHaveCount(1);
    await expect(item(second)).toHaveClass(/\bcontinued\b/);
    await expect(item(reply)).not.toHaveClass(/\bcontinued\b/);
    await expect(item(reply).locator('.avatar')).toBeVisible();
    // The grouped message's header is hidden from sight, not from screen readers.
    await expect(item(second).locator('.author')).toHaveText(await item(first).locator('.author').innerText());
    // The exact date and time on hover.
    await expect(item(reply).locator('time')).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  }
  // The day is announced once, above the first message of today.
  await expect(ann.page.locator('#chat-box li.day').filter({ hasText: 'Today' })).toHaveCount(1);
  await ann.page.screenshot({ path: 'test-results/message-list.png' });
  await ann.context.close();
  await bob.context.close();
});
