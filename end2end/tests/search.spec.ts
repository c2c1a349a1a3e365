import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send } from './helpers';

test('search finds a message with its words marked, and the result opens the room at it', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await openConversation(alice.page, bob.page, bob.name);

  // A word nobody else has written.
  const word = `quokka${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const original = `where is the ${word} today?`;
  await send(alice.page, original);
  await expect(delivered(bob.page, original)).toHaveCount(1);
  // Enough after it that the room's latest page no longer holds it.
  for (let i = 0; i < 55; i++) {
    const posted = await alice.page.request.post('/api/post_message', {
      form: { room: room.replace('/r/', ''), body: `filler ${i}`, client_id: `${word}-${i}` },
    });
    expect(posted.ok()).toBeTruthy();
  }
  await expect(delivered(bob.page, 'filler 54')).toHaveCount(1);

  // Bob searches from the sidebar, by the word's start, in capitals.
  await bob.page.locator('#sidebar-search').fill(word.slice(0, 12).toUpperCase());
  await bob.page.locator('#sidebar-search').press('Enter');
  await expect(bob.page).toHaveURL(/\/search\?q=/);
  await expect(bob.page.locator('#search-summary')).toHaveText('1 message found.');
  const hit = bob.page.locator('#search-results .search-hit');
  await expect(hit.locator('mark')).toHaveText(word);
  await expect(hit).toContainText(alice.name);

  // The result opens the conversation at the message, in context, focused.
  await hit.getByRole('link').click();
  await expect(bob.page).toHaveURL(new RegExp(`${room}\\?at=\\d+`));
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const found = bob.page.locator('#chat-box li.message', { has: bob.page.locator('.body', { hasText: original }) });
  await expect(found).toBeFocused();
  await expect(found).toBeInViewport();
  await alice.context.close();
  await bob.context.close();
});
