import { test, expect } from '@playwright/test';
import { createPrivateRoom, delivered, joinAs, send, unique } from './helpers';

// Reporting a message and a moderator acting on it: the message's Report link, the server's
// report form (a reason and a note), the room's creator's queue of open reports, and the
// deletion reaching the reporter's open page live.
test('a member reports a message, the moderator deletes it from the queue', async ({ browser }) => {
  const moderator = await joinAs(browser, 'mod');
  const ann = await joinAs(browser, 'ann');
  const bob = await joinAs(browser, 'bob');
  const room = await createPrivateRoom(moderator.page, 'reported');
  for (const guest of [ann.name, bob.name]) {
    await send(moderator.page, `/invite @${guest}`);
    // In before their pages are asked for: a page made before the invitation is "Not found".
    await expect(moderator.page.locator('#chat-box li.notice').filter({ hasText: `Invited @${guest}.` })).toHaveCount(1);
  }
  await ann.page.goto(room);
  await bob.page.goto(room);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const text = unique('buy cheap watches');
  await send(ann.page, text);
  await expect(delivered(bob.page, text)).toHaveCount(1);

  const message = bob.page.locator('#chat-box li.message').filter({ hasText: text });
  await message.focus();
  await message.getByRole('link', { name: 'Report message' }).click();
  await expect(bob.page.locator('#reported-message')).toContainText(text);
  await bob.page.getByLabel('Spam or advertising').check();
  await bob.page.getByLabel('Anything the moderators should know (optional)').fill('third time today');
  await bob.page.getByRole('button', { name: 'Send the report' }).click();
  await expect(bob.page.getByRole('status')).toContainText('moderators will look at it');
  await bob.page.getByRole('link', { name: '← Back to the room' }).click();
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');

  await moderator.page.goto('/reports');
  const report = moderator.page.locator('#reports li.report').filter({ hasText: text });
  await expect(report).toContainText('third time today');
  await expect(report).toContainText('Spam or advertising');
  await report.getByRole('button', { name: 'Delete the message' }).click();
  await expect(moderator.page.locator('#reports li.report').filter({ hasText: text })).toHaveCount(0);
  await expect(delivered(bob.page, text)).toHaveCount(0);

  for (const person of [moderator, ann, bob]) await person.context.close();
});
