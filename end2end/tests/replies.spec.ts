import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('a reply quotes its original, and the quote jumps to it, loading older history if needed', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);

  const original = unique('what time is lunch');
  await send(alice.page, original);
  await expect(delivered(bob.page, original)).toHaveCount(1);
  // Enough talk after it that a fresh page no longer holds it (posted as alice, quickly).
  const filler = unique('filler');
  for (let i = 0; i < 55; i++) {
    const posted = await alice.page.request.post('/api/post_message', {
      form: { room: room.replace('/r/', ''), body: `${filler} #${i}`, client_id: `${filler.replace(/[^a-z0-9]/gi, '')}-${i}` },
    });
    expect(posted.ok()).toBeTruthy();
  }
  await expect(delivered(bob.page, `${filler} #54`)).toHaveCount(1);

  // Bob replies: the composer says to what, Enter sends.
  const item = bob.page.locator('#chat-box li.message').filter({ hasText: original });
  await item.scrollIntoViewIfNeeded();
  await item.focus();
  await item.getByRole('button', { name: 'Reply' }).click();
  await expect(bob.page.locator('#replying')).toContainText(original);
  await expect(bob.page.locator('#message-input')).toBeFocused();
  const answer = unique('at noon');
  await bob.page.locator('#message-input').fill(answer);
  await bob.page.locator('#message-input').press('Enter');
  await expect(bob.page.locator('#replying')).toHaveCount(0);

  // Alice, on a fresh page that starts after the original: the reply shows its quote.
  await alice.page.reload();
  // The quote jumps once the page is live (before that it is the server's HTML).
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  const reply = alice.page.locator('#chat-box li.message').filter({ hasText: answer });
  const quote = reply.getByRole('button', { name: 'Replying to: go to the message' });
  await expect(quote).toContainText(original);
  // The original itself (its body, not the reply's quote of it) is not on the page yet.
  const found = alice.page.locator('#chat-box li.message', { has: alice.page.locator('.body', { hasText: original }) });
  await expect(found).toHaveCount(0);
  await quote.click();
  await expect(found).toBeFocused();
  await expect(found).toBeInViewport();
  await alice.context.close();
  await bob.context.close();
});
