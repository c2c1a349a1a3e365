import { expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';

/** A text no other test (or earlier run) has sent. */
export function unique(label: string): string {
  return `${label} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Open the chat in a fresh context as `name`, and wait until it is live. */
export async function joinAs(browser: Browser, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.locator('#name-input').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.locator('#message-input')).toBeVisible();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  return { context, page };
}

/** Send a message through the composer. */
export async function send(page: Page, text: string): Promise<void> {
  await page.locator('#message-input').fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** One delivered message's body, found by its (unique) text. Other tests talk in the same
 * room at the same time, so "the last message" is never assumed to be ours. */
export function delivered(page: Page, text: string) {
  return bodies(page).filter({ hasText: text });
}

/** The bodies of the delivered messages in the chat window, in order. */
export function bodies(page: Page) {
  return page.locator('#chat-box li.message:not(.pending) .body');
}

/** Post `count` messages through the plain form endpoint (fast: no browser, no rate limit). */
export async function postMessages(request: APIRequestContext, tag: string, count: number): Promise<void> {
  const idBase = tag.replace(/[^a-z0-9]/gi, '');
  for (let i = 0; i < count; i++) {
    const response = await request.post('/api/post_message', {
      form: { name: 'history', body: `${tag} #${i}`, client_id: `${idBase}-${i}` },
    });
    expect(response.ok()).toBeTruthy();
  }
}
