import { test, expect } from '@playwright/test';
import { joinAs, send, unique } from './helpers';

test('two people message each other directly; a third cannot see it; unread counts follow', async ({ browser }) => {
  const ann = await joinAs(browser, 'ann');
  const bob = await joinAs(browser, 'bob');
  const eve = await joinAs(browser, 'eve');

  // Ann starts a conversation with bob from the rooms page.
  await ann.page.locator('a.all-rooms').click();
  await ann.page.locator('#direct-username').fill(bob.name);
  await ann.page.getByRole('button', { name: 'Open conversation' }).click();
  await expect(ann.page).toHaveURL(/\/r\/dm-\d+-\d+$/);
  await expect(ann.page.locator('#room-title')).toHaveText(bob.name);
  await expect(ann.page.locator('#connection-status')).toHaveText('connected');
  const conversation = new URL(ann.page.url()).pathname;
  const room = conversation.replace('/r/', '');

  const secret = unique('just between us');
  await send(ann.page, secret);
  await expect(ann.page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: secret })).toHaveCount(1);

  // Bob, elsewhere (in general), sees the conversation appear in his sidebar with an unread
  // count, live, without a reload.
  const entry = bob.page.locator(`#sidebar a[data-room="${room}"]`);
  await expect(entry.locator('.unread')).toHaveText('1');
  await expect(entry).toContainText(ann.name);
  // Opening it shows the message, and the count clears (on the server: another device agrees).
  await bob.page.goto(conversation);
  await expect(bob.page.locator('#chat-box li.message .body').filter({ hasText: secret })).toHaveCount(1);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');
  // Bob types: ann sees it, and it goes when his message arrives.
  const reply = unique('reply from bob');
  await bob.page.locator('#message-input').pressSequentially('typing a reply');
  await expect(ann.page.locator('#typing')).toHaveText(`${bob.name} is typing…`);
  await expect(eve.page.locator('#typing')).toHaveText('');
  await bob.page.locator('#message-input').fill(reply);
  await bob.page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(ann.page.locator('#typing')).toHaveText('');
  await expect(ann.page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: reply })).toHaveCount(1);
  // Another tab (another device would do the same) agrees once the read position is saved.
  const other = await bob.context.newPage();
  await other.goto('/');
  await expect(other.locator(`#sidebar a[data-room="${room}"]`)).toBeVisible();
  await expect
    .poll(async () => {
      await other.reload();
      return other.locator(`#sidebar a[data-room="${room}"] .unread`).count();
    })
    .toBe(0);

  // Eve: the same URL is "not found", her sidebar has no such entry, and nothing leaks.
  await eve.page.goto(conversation);
  await expect(eve.page.locator('#room-not-found')).toBeVisible();
  await expect(eve.page.locator('body')).not.toContainText(secret);
  await eve.page.goto('/');
  await expect(eve.page.locator(`#sidebar a[data-room="${room}"]`)).toHaveCount(0);
  const older = await eve.page.request.post('/api/load_older', { form: { room, before: '1000' } });
  expect(older.ok()).toBeFalsy();
  expect(await older.text()).not.toContain(secret);

  // Beside the conversation, ann sees bob online, and offline the moment he leaves.
  const dot = ann.page.locator(`#sidebar a[data-room="${room}"] .dot`);
  await expect(dot).toHaveClass(/online/);
  await bob.context.close();
  await expect(dot).toHaveClass(/offline/);

  for (const person of [ann, eve]) await person.context.close();
});

test('a private room: created, invite-only, hidden from others', async ({ browser }) => {
  const owner = await joinAs(browser, 'owner');
  const guest = await joinAs(browser, 'guest');
  const name = `club-${Date.now().toString(36)}`;

  await owner.page.goto('/rooms');
  await owner.page.locator('#room-name').fill(name);
  await owner.page.locator('#room-private').check();
  await owner.page.getByRole('button', { name: 'Create', exact: true }).click();
  // Its address is one the server made up; the chosen name is its title.
  await expect(owner.page).toHaveURL(/\/r\/p-[a-z0-9]+$/);
  await expect(owner.page.locator('#room-title')).toHaveText(`#${name}`);
  await expect(owner.page.locator('#connection-status')).toHaveText('connected');
  const address = new URL(owner.page.url()).pathname;

  // Not listed, not reachable for the guest.
  await guest.page.goto('/rooms');
  await expect(guest.page.locator('#public-rooms')).not.toContainText(name);
  await guest.page.goto(address);
  await expect(guest.page.locator('#room-not-found')).toBeVisible();

  // Invited, the guest is in.
  await owner.page.locator('#room-info summary').click();
  await owner.page.locator('#invite-username').fill(guest.name);
  await owner.page.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(owner.page.locator('#room-info .members')).toContainText(guest.name);
  await guest.page.goto(address);
  await expect(guest.page.locator('#connection-status')).toHaveText('connected');
  const hello = unique('hello club');
  await send(guest.page, hello);
  await expect(owner.page.locator('#chat-box li.message .body').filter({ hasText: hello })).toHaveCount(1);

  await owner.context.close();
  await guest.context.close();
});

test('a public room can be read before joining; joining is a button, then you talk', async ({ browser }) => {
  // One journey through three live pages (read, join, talk, be removed): about 20 s alone,
  // more beside the rest of the suite, close to the default 30 s.
  test.slow();
  const host = await joinAs(browser, 'host');
  const visitor = await joinAs(browser, 'visitor');
  const name = `open-${Date.now().toString(36)}`;

  await host.page.goto('/rooms');
  await host.page.locator('#room-name').fill(name);
  await host.page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(host.page).toHaveURL(new RegExp(`/r/${name}$`));
  await expect(host.page.locator('#connection-status')).toHaveText('connected');
  const first = unique('before you came');
  await send(host.page, first);

  // The visitor reads it, live, but has a Join button where the composer would be.
  await visitor.page.goto(`/r/${name}`);
  await expect(visitor.page.locator('#connection-status')).toHaveText('connected');
  await expect(visitor.page.locator('#chat-box li.message .body').filter({ hasText: first })).toHaveCount(1);
  await expect(visitor.page.locator('#message-input')).toHaveCount(0);
  const second = unique('while you read');
  await send(host.page, second);
  await expect(visitor.page.locator('#chat-box li.message .body').filter({ hasText: second })).toHaveCount(1);
  // Reading made nobody a member: it is not in the visitor's sidebar.
  await expect(visitor.page.locator(`#sidebar a[data-room="${name}"]`)).toHaveCount(0);

  const members = host.page.locator('#room-info summary');
  await expect(members).toHaveText('1 member');
  await visitor.page.getByRole('button', { name: `Join #${name}` }).click();
  await expect(visitor.page.locator('#message-input')).toBeVisible();
  // The host's page counts the newcomer without a reload.
  await expect(members).toHaveText('2 members');
  await expect(visitor.page.locator('#connection-status')).toHaveText('connected');
  await expect(visitor.page.locator(`#sidebar a[data-room="${name}"]`)).toHaveCount(1);
  const hello = unique('hello from the visitor');
  await send(visitor.page, hello);
  await expect(host.page.locator('#chat-box li.message .body').filter({ hasText: hello })).toHaveCount(1);

  // Removed (here by a script of the host's): the count and the list follow, live.
  await expect(host.page.locator('#room-info .members')).toContainText(visitor.name);
  const removed = await host.page.request.post('/api/remove_member', { form: { room: name, username: visitor.name } });
  expect(removed.ok()).toBeTruthy();
  await expect(members).toHaveText('1 member');
  await expect(host.page.locator('#room-info .members')).not.toContainText(visitor.name);
  // The visitor's page leaves the room for the list of rooms. (Closing it mid-way through that
  // navigation could hang the browser's close until the test timed out.)
  await expect(visitor.page).toHaveURL(/\/rooms$/);
  await expect(visitor.page.getByRole('heading', { name: 'Public rooms' })).toBeVisible();

  await host.context.close();
  await visitor.context.close();
});
