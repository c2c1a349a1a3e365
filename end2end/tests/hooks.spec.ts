import { test, expect, request as http } from '@playwright/test';
import { createPrivateRoom, delivered, joinAs, visit } from './helpers';

test('a moderator makes a webhook, what a tool posts to its URL appears live in two browsers, and revoking it stops the URL', async ({ browser, baseURL }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');

  const club = await createPrivateRoom(alice.page, 'deploys');
  await alice.page.locator('#room-info summary').click();
  await alice.page.locator('#invite-username').fill(bob.name);
  await alice.page.getByRole('button', { name: 'Invite' }).click();
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');

  // The room's creator moderates it: its integrations are one link away.
  await alice.page.locator('#room-info summary').click();
  await alice.page.locator('#integrations-link').click();
  await expect(alice.page.locator('#integrations-page h1')).toContainText('Integrations of');
  await alice.page.locator('#hook-name').fill('CI');
  await alice.page.locator('#create-hook-button').click();
  const url = (await alice.page.locator('#hook-url-value').textContent())?.trim() ?? '';
  expect(url).toMatch(/\/hooks\/[0-9a-f]{64}$/);
  await expect(alice.page.locator('#hook-list li')).toContainText('has not posted yet');
  // Shown once: a reload lists the webhook but not its URL.
  await alice.page.reload();
  await expect(alice.page.locator('#hook-list li')).toHaveCount(1);
  await expect(alice.page.locator('#hook-url-value')).toHaveCount(0);

  await alice.page.goto(club);
  await bob.page.goto(club);
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#connection-status')).toHaveText('connected');
  }
  // A tool with nothing but the URL, as `curl -d` would send it.
  const tool = await http.newContext();
  const text = `deployed v${Date.now().toString(36)}`;
  const posted = await tool.post(url, { data: { text: `**${text}**`, username: 'Deployer' } });
  expect(posted.status()).toBe(200);
  for (const page of [alice.page, bob.page]) {
    await expect(delivered(page, text)).toHaveCount(1);
    const message = page.locator('#chat-box li.message').filter({ hasText: text });
    await expect(message.locator('.author')).toHaveText('Deployer');
    await expect(message.locator('.via')).toHaveText('via CI');
    await expect(message.locator('.bot-mark')).toHaveText('bot');
    await expect(message.locator('strong')).toHaveText(text);
  }
  // Bob, a member, sees it among the room's webhooks, but cannot manage them.
  await bob.page.reload();
  await bob.page.locator('#room-info summary').click();
  await expect(bob.page.locator('#hooks li')).toContainText('CI');
  await expect(bob.page.locator('#hooks li')).toContainText(`by @${alice.name}`);
  await expect(bob.page.locator('#integrations-link')).toHaveCount(0);

  await alice.page.goto(`${club}/integrations`);
  await expect(alice.page.locator('#hook-list li')).toContainText('last posted');
  await alice.page.getByRole('button', { name: 'Revoke the webhook CI' }).click();
  await expect(alice.page.locator('#hook-list li')).toHaveCount(0);
  const refused = await tool.post(url, { data: { text: 'too late' } });
  expect(refused.status()).toBe(404);
  expect((await refused.json()).code).toBe('not_found');
  await tool.dispose();
  await alice.context.close();
  await bob.context.close();
});
