import { test, expect, type Browser } from '@playwright/test';
import { attach, delivered, send, signUp, unique, username, RED_PNG } from './helpers';

// The second node of the server under test (playwright.config.ts): same database, joined to
// the first through Redis, keeping attachments in the same bucket.
const secondNode = `http://127.0.0.1:${Number(process.env.BANTER_E2E_PORT ?? 3217) + 1}`;

/** Alice signed up on the first node and bob on the second, each in a browser of their own. */
async function onTwoNodes(browser: Browser) {
  const alice = await browser.newContext();
  const bob = await browser.newContext({ baseURL: secondNode });
  const alicePage = await alice.newPage();
  const bobPage = await bob.newPage();
  await signUp(alicePage, username('alice'));
  await signUp(bobPage, username('bob'));
  expect(new URL(bobPage.url()).port).toBe(new URL(secondNode).port);
  return { alice, bob, alicePage, bobPage };
}

test('two people on two different nodes talk to each other live', async ({ browser }) => {
  const { alice, bob, alicePage, bobPage } = await onTwoNodes(browser);

  const hello = unique('hello from the first node');
  await send(alicePage, hello);
  await expect(delivered(bobPage, hello)).toHaveCount(1);

  const answer = unique('answer from the second node');
  await send(bobPage, answer);
  await expect(delivered(alicePage, answer)).toHaveCount(1);
  // Both see the two in the same order, once each.
  for (const page of [alicePage, bobPage]) {
    const texts = await page.locator('#chat-box li.message').allTextContents();
    const mine = texts.filter((t) => t.includes(hello) || t.includes(answer));
    expect(mine.length).toBe(2);
    expect(mine[0]).toContain(hello);
    expect(mine[1]).toContain(answer);
  }
  await alice.close();
  await bob.close();
});

test('a photo sent on one node shows on the other, from the bucket both keep files in', async ({ browser }) => {
  const { alice, bob, alicePage, bobPage } = await onTwoNodes(browser);

  await attach(alicePage, [{ name: 'red.png', mimeType: 'image/png', buffer: RED_PNG }]);
  await expect(alicePage.locator('#attachment-tray li', { hasText: 'red.png' })).toContainText('ready');
  const text = unique('a red square from the first node');
  await send(alicePage, text);

  const item = bobPage.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  const image = item.getByRole('img', { name: 'red.png' });
  await expect(image).toBeVisible();
  // Served by the second node, read from the bucket: it decodes at its real size.
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  const full = await bobPage.request.get((await item.locator('a.attachment-image').getAttribute('href'))!);
  expect(full.status()).toBe(200);
  expect(full.headers()['content-type']).toBe('image/png');
  await alice.close();
  await bob.close();
});
