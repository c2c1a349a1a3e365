import { test, expect } from '@playwright/test';
import { bodies, delivered, joinAs, send, unique } from './helpers';

test('a reader who was offline gets everything they missed, once, in order', async ({ browser }) => {
  const a = await joinAs(browser, 'sender-a');
  const b = await joinAs(browser, 'offline-b');
  await b.context.setOffline(true);
  await expect(b.page.locator('#connection-status')).not.toHaveText('connected');

  const texts = Array.from({ length: 5 }, (_, i) => unique(`missed ${i}`));
  for (const text of texts) {
    await send(a.page, text);
  }
  await expect(delivered(a.page, texts[4])).toHaveCount(1);

  await b.context.setOffline(false);
  await expect(b.page.locator('#connection-status')).toHaveText('connected');
  await expect(bodies(b.page).filter({ hasText: 'missed ' }).last()).toHaveText(texts[4]);
  const shown = await bodies(b.page).allTextContents();
  const got = shown.filter((t) => texts.includes(t));
  expect(got).toEqual(texts);
  await a.context.close();
  await b.context.close();
});

test('messages written offline wait as pending and go out once when back', async ({ browser }) => {
  const a = await joinAs(browser, 'offline-writer');
  const b = await joinAs(browser, 'online-reader');
  await a.context.setOffline(true);
  await expect(a.page.locator('#connection-status')).not.toHaveText('connected');

  const texts = Array.from({ length: 3 }, (_, i) => unique(`queued ${i}`));
  for (const text of texts) {
    await send(a.page, text);
  }
  await expect(a.page.locator('#chat-box li.pending')).toHaveCount(3);

  await a.context.setOffline(false);
  await expect(a.page.locator('#chat-box li.pending')).toHaveCount(0);
  for (const page of [a.page, b.page]) {
    await expect(delivered(page, texts[2])).toHaveCount(1);
    const shown = (await bodies(page).allTextContents()).filter((t) => texts.includes(t));
    expect(shown).toEqual(texts);
  }
  await a.context.close();
  await b.context.close();
});

test('a message typed offline survives a reload and is sent afterwards', async ({ browser }) => {
  const a = await joinAs(browser, 'reloader');
  await a.context.setOffline(true);
  await expect(a.page.locator('#connection-status')).not.toHaveText('connected');
  const text = unique('kept across reload');
  await send(a.page, text);
  await expect(a.page.locator('#chat-box li.pending')).toHaveCount(1);
  await a.context.setOffline(false);
  // Reload at once: whether or not it went out first, it must end up shown exactly once.
  await a.page.reload();
  await expect(a.page.locator('#connection-status')).toHaveText('connected');
  await expect(bodies(a.page).filter({ hasText: text })).toHaveCount(1);
  await expect(a.page.locator('#chat-box li.pending')).toHaveCount(0);
  await a.context.close();
});
