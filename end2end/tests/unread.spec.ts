import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('opening a room with unread messages shows where they start, and a control jumps there', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);
  const seen = unique('seen');
  await send(alice.page, seen);
  await expect(delivered(bob.page, seen)).toHaveCount(1);
  // Bob has read it (his page tells the server); then he looks elsewhere.
  await expect.poll(async () => {
    const page = await bob.page.request.post('/api/load_chat', { form: { room: room.replace('/r/', '') } });
    return (await page.json()).last_read;
  }).toBeGreaterThan(0);
  await bob.page.goto('/');

  const first = unique('while you were away');
  const second = unique('and this too');
  await send(alice.page, first);
  await send(alice.page, second);
  await expect(delivered(alice.page, second)).toHaveCount(1);

  await bob.page.goto(room);
  await expect(bob.page.locator('#first-unread')).toHaveText('New messages');
  await expect(bob.page.locator('#first-unread + li.message .body')).toHaveText(first);
  // The jump works once the page is live.
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  await bob.page.getByRole('button', { name: 'Jump to the first new message ↑' }).click();
  await expect(bob.page.locator('#first-unread + li.message')).toBeFocused();
  await alice.context.close();
  await bob.context.close();
});
