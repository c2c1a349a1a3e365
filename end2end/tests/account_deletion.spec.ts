import { test, expect } from '@playwright/test';
import { PASSWORD, delivered, joinAs, openConversation, send, unique } from './helpers';

// Deleting one's account, and what someone else sees: the profile's link, the password to
// confirm, and then the other person's open conversation shows the messages as "Deleted user".
test('a person deletes their account; the other browser shows their messages as a deleted user', async ({ browser }) => {
  const leaver = await joinAs(browser, 'leaver');
  const friend = await joinAs(browser, 'friend');
  await openConversation(leaver.page, friend.page, friend.name);
  const text = unique('goodbye');
  await send(leaver.page, text);
  await expect(delivered(friend.page, text)).toHaveCount(1);

  await leaver.page.locator('#me').click();
  await leaver.page.locator('#delete-link').click();
  await expect(leaver.page).toHaveURL(/\/profile\/delete$/);
  await leaver.page.getByLabel('Your password, to confirm').fill(PASSWORD);
  await leaver.page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(leaver.page).toHaveURL(/\/signin$/);
  await leaver.page.goto('/');
  await expect(leaver.page).toHaveURL(/\/signin$/);

  await friend.page.reload();
  const kept = friend.page.locator('#chat-box li.message').filter({ hasText: text });
  await expect(kept.locator('.author')).toHaveText('Deleted user');
  await leaver.context.close();
  await friend.context.close();
});
