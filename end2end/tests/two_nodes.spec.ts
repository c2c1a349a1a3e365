import { test, expect } from '@playwright/test';
import { delivered, send, signUp, unique, username } from './helpers';

// The second node of the server under test (playwright.config.ts): same database, joined to
// the first through Redis.
const secondNode = `http://127.0.0.1:${Number(process.env.BANTER_E2E_PORT ?? 3217) + 1}`;

test('two people on two different nodes talk to each other live', async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext({ baseURL: secondNode });
  const alicePage = await alice.newPage();
  const bobPage = await bob.newPage();
  await signUp(alicePage, username('alice'));
  await signUp(bobPage, username('bob'));
  expect(new URL(bobPage.url()).port).toBe(new URL(secondNode).port);

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
