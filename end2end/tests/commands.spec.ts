import { test, expect } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateRoom, delivered, joinAs, send, visit } from './helpers';

test('slash commands from the composer: completion, /invite, /shrug, a live /topic, the room\'s own /deploy, and /help for the sender alone', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await createPrivateRoom(alice.page, 'plans');

  await send(alice.page, `/invite @${bob.name}`);
  await expect(alice.page.locator('#chat-box li.notice').filter({ hasText: `Invited @${bob.name}.` })).toHaveCount(1);
  await bob.page.goto(room);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');

  // `/` offers the commands; the keyboard picks one.
  const input = alice.page.locator('#message-input');
  await input.pressSequentially('/sh');
  const list = alice.page.getByRole('listbox', { name: 'Commands' });
  await expect(list.getByRole('option')).toHaveCount(1);
  await expect(list.getByRole('option')).toContainText('/shrug');
  await input.press('Enter');
  await expect(input).toHaveValue('/shrug ');
  await input.pressSequentially('fine');
  await input.press('Enter');
  for (const page of [alice.page, bob.page]) {
    await expect(delivered(page, 'fine ¯\\_(ツ)_/¯')).toHaveCount(1);
  }

  await send(alice.page, '/topic Release week');
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#room-topic')).toHaveText('Release week');
  }

  // The room's own command: a handler of the team's, registered on the integrations page.
  const handler = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const text = new URLSearchParams(body).get('text') ?? '';
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ response_type: 'in_channel', text: `deployed ${text}` }));
    });
  });
  await new Promise<void>((listening) => handler.listen(0, '127.0.0.1', listening));
  const { port } = handler.address() as AddressInfo;
  await alice.page.goto(`${room}/integrations`);
  await alice.page.locator('#command-name').fill('deploy');
  await alice.page.locator('#command-url').fill(`http://127.0.0.1:${port}/slash`);
  await alice.page.locator('#create-command-button').click();
  await expect(alice.page.locator('#command-list li')).toContainText('/deploy');
  await alice.page.goto(room);
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  const release = `web v${Date.now().toString(36)}`;
  await send(alice.page, `/deploy ${release}`);
  for (const page of [alice.page, bob.page]) {
    await expect(delivered(page, `deployed ${release}`)).toHaveCount(1);
    const message = page.locator('#chat-box li.message').filter({ hasText: `deployed ${release}` });
    await expect(message.locator('.author')).toHaveText('/deploy');
  }
  handler.close();

  await send(alice.page, '/help');
  await expect(alice.page.locator('#chat-box li.notice').filter({ hasText: '/topic' })).toHaveCount(1);
  await send(alice.page, '/nope');
  await expect(alice.page.locator('#chat-box li.message.pending')).toContainText('There is no command /nope');
  // Bob saw the shrug and the topic, nothing of what was meant for alice alone.
  await expect(bob.page.locator('#chat-box li.notice').filter({ hasText: '/topic' })).toHaveCount(0);
  await expect(bob.page.locator('#chat-box').getByText('/nope')).toHaveCount(0);
  await alice.context.close();
  await bob.context.close();
});
