import { test, expect, request as http } from '@playwright/test';
import { createPrivateRoom, delivered, joinAs, username } from './helpers';

test('a person makes a bot on their profile, copies its token, and what a script posts with it appears live in two browsers', async ({ browser, baseURL }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');

  await alice.page.goto('/profile');
  const botName = username('ci-bot');
  await alice.page.locator('#bot-username').fill(botName);
  await alice.page.locator('#bot-name').fill('Builds');
  await alice.page.locator('#create-bot-button').click();
  await expect(alice.page.locator('#bot-token')).toContainText(`@${botName}`);
  const token = (await alice.page.locator('#bot-token-value').textContent())?.trim() ?? '';
  expect(token).toMatch(/^[0-9a-f]{64}$/);
  await expect(alice.page.locator('#bot-list li').filter({ hasText: botName })).toContainText('not used yet');

  // A private room of alice's; a script with only the token cannot post there until the bot
  // is invited …
  const club = await createPrivateRoom(alice.page, 'deploys');
  const path = `/api/v1/rooms/${club.slice('/r/'.length)}/messages`;
  const script = await http.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const refused = await script.post(path, { data: { client_id: 'deploy-1', body: 'too early' } });
  expect(refused.status()).toBe(404);
  expect((await refused.json()).code).toBe('not_found');

  // … then what it posts shows live on both sides, marked as a bot's.
  for (const guest of [bob.name, botName]) {
    await alice.page.locator('#room-info summary').click();
    await alice.page.locator('#invite-username').fill(guest);
    await alice.page.getByRole('button', { name: 'Invite' }).click();
    await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  }
  await bob.page.goto(club);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  const text = `deployed v${Date.now().toString(36)}`;
  const posted = await script.post(path, {
    data: { client_id: 'deploy-2', body: `**${text}**` },
  });
  expect(posted.status()).toBe(201);
  for (const page of [alice.page, bob.page]) {
    await expect(delivered(page, text)).toHaveCount(1);
    const message = page.locator('#chat-box li.message').filter({ hasText: text });
    await expect(message.locator('.bot-mark')).toHaveText('bot');
    await expect(message.locator('strong')).toHaveText(text);
  }

  // Revoked on the profile: the token stops working at once.
  await alice.page.goto('/profile');
  await alice.page.getByRole('button', { name: `Revoke the token of ${botName}` }).click();
  await expect(alice.page.locator('#bot-list li').filter({ hasText: botName })).toContainText('no token');
  expect((await script.get('/api/v1/rooms')).status()).toBe(401);
  await script.dispose();
  await alice.context.close();
  await bob.context.close();
});
