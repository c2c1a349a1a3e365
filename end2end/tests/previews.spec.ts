import { test, expect } from '@playwright/test';
import { createPrivateRoom, delivered, joinAs, send, startPreviewSite, visit } from './helpers';

test('a link gets a preview card live in both browsers, its author removes it for both, and a room can turn previews off', async ({ browser }) => {
  const site = await startPreviewSite();
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  const room = await createPrivateRoom(alice.page, 'plans');
  await alice.page.locator('#room-info summary').click();
  await alice.page.locator('#invite-username').fill(bob.name);
  await alice.page.getByRole('button', { name: 'Invite' }).click();
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  await bob.page.goto(room);
  await expect(bob.page.locator('#connection-status')).toHaveText('connected');

  const link = `${site.base}/plan?${Date.now().toString(36)}`;
  await send(alice.page, `the plan: ${link}`);
  for (const page of [alice.page, bob.page]) {
    await expect(delivered(page, 'the plan:')).toHaveCount(1);
    const card = page.locator('#chat-box li.message').filter({ hasText: 'the plan:' }).locator('.link-preview');
    await expect(card.locator('.link-preview-title')).toHaveText('Quarterly plan');
    await expect(card.locator('.link-preview-site')).toHaveText('Team wiki');
    await expect(card.locator('.link-preview-description')).toHaveText('What we build next, and why.');
    await expect(card.locator('a.link-preview-card')).toHaveAttribute('href', link);
    // The image is the server's copy, not the page's.
    await expect(card.locator('img')).toHaveAttribute('src', /^\/previews\/[0-9a-f]{32}$/);
    await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  }
  // Only its author may remove it.
  const bobsCard = bob.page.locator('#chat-box li.message').filter({ hasText: 'the plan:' }).locator('.link-preview');
  await expect(bobsCard.getByRole('button', { name: 'Remove preview' })).toHaveCount(0);
  await alice.page.locator('#chat-box li.message').filter({ hasText: 'the plan:' })
    .getByRole('button', { name: 'Remove preview' }).click();
  for (const page of [alice.page, bob.page]) {
    await expect(page.locator('#chat-box li.message').filter({ hasText: 'the plan:' }).locator('.link-preview')).toHaveCount(0);
  }
  // And it stays removed for a page loaded afresh.
  await bob.page.reload();
  await expect(delivered(bob.page, 'the plan:')).toHaveCount(1);
  await expect(bob.page.locator('#chat-box .link-preview')).toHaveCount(0);

  // The room's moderator turns previews off: links stay links.
  await alice.page.goto(`${room}/integrations`);
  await alice.page.locator('#previews-button').click();
  await expect(alice.page.locator('#previews-state')).toHaveText('Links are shown without a preview here.');
  await alice.page.goto(room);
  await expect(alice.page.locator('#connection-status')).toHaveText('connected');
  await send(alice.page, `again: ${link}&off`);
  await send(alice.page, 'after it');
  await expect(delivered(bob.page, 'after it')).toHaveCount(1);
  await expect(bob.page.locator('#chat-box li.message').filter({ hasText: 'again:' }).locator('.body a')).toHaveCount(1);
  await expect(bob.page.locator('#chat-box .link-preview')).toHaveCount(0);
  site.close();
  await alice.context.close();
  await bob.context.close();
});
