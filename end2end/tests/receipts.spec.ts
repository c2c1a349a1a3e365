import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('“Seen by” appears under a message when the other person reads it, and not once they turn receipts off', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);

  // Bob's page is open and in view: reading it there is what alice sees.
  const text = unique('did you get the keys');
  await send(alice.page, text);
  await expect(delivered(bob.page, text)).toHaveCount(1);
  const hers = alice.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await expect(hers.locator('.seen-by')).toHaveText(`Seen by ${bob.name}`);
  // Only at the newest message he has read: an answer from him moves nothing.
  const answer = unique('yes, got them');
  await send(bob.page, answer);
  await expect(delivered(alice.page, answer)).toHaveCount(1);
  await expect(alice.page.locator('.seen-by')).toHaveCount(1);
  // A fresh page shows it too.
  await alice.page.reload();
  await expect(hers.locator('.seen-by')).toHaveText(`Seen by ${bob.name}`);

  // Bob turns receipts off on his profile: his reading tells alice nothing more, and he sees
  // none of hers.
  await bob.page.goto('/profile');
  const box = bob.page.locator('#read-receipts');
  await expect(box).toBeChecked();
  await box.uncheck();
  await bob.page.locator('#save-receipts').click();
  await expect(bob.page.locator('#read-receipts')).not.toBeChecked();
  await bob.page.goto(room);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  await expect(bob.page.locator('.seen-by')).toHaveCount(0);
  const later = unique('and the spare one?');
  await send(alice.page, later);
  await expect(delivered(bob.page, later)).toHaveCount(1);
  // His page has marked it read (the server has his position past it) …
  const seq = Number(await bob.page.locator('#chat-box li.message').filter({ hasText: later }).getAttribute('data-seq'));
  const position = async () => {
    const answer = await bob.page.request.post('/api/load_chat', { form: { room: room.slice('/r/'.length) } });
    return (await answer.json()).last_read as number;
  };
  await expect.poll(position).toBeGreaterThanOrEqual(seq);
  // … and alice is not told: nothing under the new message, and a fresh page shows no
  // receipt of his at all.
  const newer = alice.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: later });
  await expect(newer.locator('.seen-by')).toHaveCount(0);
  await alice.page.reload();
  await expect(newer).toHaveCount(1);
  await expect(alice.page.locator('.seen-by')).toHaveCount(0);
  await alice.context.close();
  await bob.context.close();
});
