import { expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A text no other test (or earlier run) has sent. */
export function unique(label: string): string {
  return `${label} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A username no other test (or earlier run) has taken: `label` plus a random tail. */
export function username(label: string): string {
  const tail = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return `${label.toLowerCase().replace(/[^a-z0-9._-]/g, '').slice(0, 20)}-${tail}`.slice(0, 32);
}

/** A 64×48 red PNG, for attachments. */
export const RED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAAY0lEQVR4nO3PQQkAMAzAwMqpfz0TMxF7HINABFzm7H7dcEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAWPXf4oENM33goPAAAAAElFTkSuQmCC',
  'base64',
);

/** The password every test account uses. */
export const PASSWORD = 'correct horse battery';

/** Open `path` and wait until the page is hydrated, so that a form on it is submitted by the
 * page's own call rather than as a plain form post (which lands back on the page it came from). */
export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** The first node by host name, the origin its passkeys belong to (`--passkey-origin`):
 * browsers offer WebAuthn to names, not to 127.0.0.1. */
export const BY_NAME = `http://localhost:${Number(process.env.BANTER_E2E_PORT ?? 3217)}`;

/** A virtual authenticator in `page`'s browser (Chromium's, over the DevTools protocol), as a
 * phone with a fingerprint reader: it keeps discoverable passkeys, and every touch verifies. */
export async function virtualAuthenticator(page: Page): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send('WebAuthn.enable');
  await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

/** Sign up through the form on /signup (a plain form: the server's page alone) and wait until
 * the chat is live; `base` is the site's origin when not the suite's own address. */
export async function signUp(page: Page, name: string, base: string = ''): Promise<void> {
  await page.goto(`${base}/signup`);
  await page.locator('#username').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.locator('#message-input')).toBeVisible();
  await expect(page.locator('#connection-status')).toHaveText('connected');
}

/** A fresh browser context signed up as a new person (`label` plus a random tail), with the
 * chat open and live. */
export async function joinAs(
  browser: Browser,
  label: string,
): Promise<{ context: BrowserContext; page: Page; name: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const name = username(label);
  await signUp(page, name);
  return { context, page, name };
}

/** Choose files through the attach button's file chooser. */
export async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles(files);
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

/** Post `count` messages through the plain form endpoint (fast: no browser, no rate limit),
 * as a new account signed up through `request` (which keeps its cookie). */
export async function postMessages(request: APIRequestContext, tag: string, count: number): Promise<void> {
  const signedUp = await request.post('/api/sign_up', { form: { username: username('history'), password: PASSWORD } });
  expect(signedUp.ok()).toBeTruthy();
  const idBase = tag.replace(/[^a-z0-9]/gi, '');
  for (let i = 0; i < count; i++) {
    const response = await request.post('/api/post_message', {
      form: { room: 'general', body: `${tag} #${i}`, client_id: `${idBase}-${i}` },
    });
    expect(response.ok()).toBeTruthy();
  }
}

/** Make a room named `prefix` and a random tail on /rooms (public, or private and invite-only
 * when `invited` is set), and wait until the page is live in it: its path (`/r/…`). A room of
 * the test's own keeps other tests' talk in #general out of its list. */
export async function createRoom(page: Page, prefix: string, invited = false): Promise<string> {
  await page.goto('/rooms');
  await page.locator('#room-name').fill(`${prefix}-${Date.now().toString(36)}`);
  if (invited) await page.locator('#room-private').check();
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  return new URL(page.url()).pathname;
}

/** `createRoom`, private and invite-only. */
export async function createPrivateRoom(page: Page, prefix: string): Promise<string> {
  return createRoom(page, prefix, true);
}

/** Open a conversation between `a` and `b` (both on it, connected): a room of their own, away
 * from other tests' talk in #general. Returns its path. */

export async function openConversation(a: Page, b: Page, bName: string): Promise<string> {
  await a.goto('/rooms');
  await a.locator('#direct-username').fill(bName);
  await a.getByRole('button', { name: 'Open conversation' }).click();
  await expect(a.locator('#connection-status')).toHaveText('connected');
  const room = new URL(a.url()).pathname;
  await b.goto(room);
  await expect(b.locator('#connection-status')).toHaveText('connected');
  return room;
}

/** A team's web page on 127.0.0.1 (which the tests' server may call, as an operator may allow
 * its own network) describing itself with OpenGraph tags and an image: what a link preview
 * shows. Any path answers with the page; `/card.png` is its image. */
export async function startPreviewSite(): Promise<{ base: string; close: () => void }> {
  const site = createServer((request, response) => {
    if (request.url?.startsWith('/card.png')) {
      response.setHeader('Content-Type', 'image/png');
      response.end(RED_PNG);
      return;
    }
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><html><head><title>ignored</title>
      <meta property="og:title" content="Quarterly plan">
      <meta property="og:description" content="What we build next, and why.">
      <meta property="og:site_name" content="Team wiki">
      <meta property="og:image" content="/card.png">
      </head><body></body></html>`);
  });
  await new Promise<void>((listening) => site.listen(0, '127.0.0.1', listening));
  const { port } = site.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, close: () => site.close() };
}

/** The code an authenticator app shows for `secret` (base32) at `at` (RFC 6238: HMAC-SHA1,
 * 30-second steps, 6 digits), as the tests' own authenticator. */
export function totp(secret: string, at: number = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.replace(/=+$/, '')].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}
