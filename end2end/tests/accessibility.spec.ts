import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import {
  BY_NAME,
  PASSWORD,
  RED_PNG,
  createPrivateRoom,
  createRoom,
  delivered,
  joinAs,
  send,
  signUp,
  startPreviewSite,
  unique,
  username,
  virtualAuthenticator,
} from './helpers';

// WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules axe-core checks for each. No rule is
// disabled.
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

// Each page is audited as each of these sees it: both themes, on a desktop and on a phone.
const THEMES = ['light', 'dark'] as const;
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 375, height: 740 },
] as const;

// Four audits at each step, of pages as large as the emoji picker: more than the default 30 s.
test.describe.configure({ timeout: 120_000 });

/** Zero violations on the page as it is now, in either theme and at either width (the page
 * is restyled and laid out again in place, as when a phone turns or the system theme changes);
 * the report names each view, rule and element. The flows themselves run once, on a desktop,
 * which each audit puts back. */
async function audit(page: Page, what: string): Promise<void> {
  const flowViewport = page.viewportSize();
  const found: string[] = [];
  for (const theme of THEMES) {
    for (const size of WIDTHS) {
      await page.emulateMedia({ colorScheme: theme });
      await page.setViewportSize({ width: size.width, height: size.height });
      const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
      found.push(
        ...results.violations.map(
          (v) =>
            `${theme} theme, ${size.name}: ${v.id} (${v.impact}): ${v.help}\n    ` +
            v.nodes.map((n) => n.target.join(' ')).join('\n    '),
        ),
      );
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (flowViewport) await page.setViewportSize(flowViewport);
  expect(found, `${what}: accessibility violations`).toEqual([]);
}

test('the account pages, an error shown too', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('link', { name: 'Sign in with Test ID' })).toBeVisible();
  await audit(page, 'sign-in, with single sign-on');
  await page.goto('/signup?error=username-taken&username=someone');
  await expect(page.getByRole('alert')).toContainText('taken');
  await audit(page, 'sign-up with an error');
  // "Forgot password?" is the server's page alone: followed from sign-in, no script.
  await page.goto('/signin');
  await page.locator('#forgot-link').click();
  await expect(page).toHaveURL(/\/forgot$/);
  await expect(page.locator('script[type="module"]')).toHaveCount(0);
  await page.locator('#who').fill('someone');
  await page.locator('#forgot-form button').click();
  await expect(page.getByRole('alert')).toContainText('sends no email');
  await audit(page, 'forgot password, on a server without email');
});

test('reporting a message, the queue of open reports, blocking its author', async ({ browser }) => {
  const me = await joinAs(browser, 'a11yreport');
  const other = await joinAs(browser, 'a11yreported');
  const room = await createPrivateRoom(other.page, 'audited');
  await send(other.page, `/invite @${me.name}`);
  // In before the page is asked for: a page made before the invitation is "Not found".
  await expect(other.page.locator('#chat-box li.notice').filter({ hasText: `Invited @${me.name}.` })).toHaveCount(1);
  const text = unique('reportable');
  await send(other.page, text);
  await expect(delivered(other.page, text)).toHaveCount(1);
  await me.page.goto(room);
  const message = me.page.locator('#chat-box li.message').filter({ hasText: text });
  const seq = await message.getAttribute('data-seq');
  await me.page.goto(`${room}/report/${seq}`);
  await expect(me.page.locator('#reported-message')).toContainText(text);
  await audit(me.page, 'the report form');
  await me.page.getByLabel('Something else').check();
  await me.page.getByRole('button', { name: 'Send the report' }).click();
  await other.page.goto('/reports');
  await expect(other.page.locator('#reports li.report')).toHaveCount(1);
  await audit(other.page, 'the queue of open reports');
  // Blocking the author: the list of blocked people, and their message folded.
  await me.page.goto('/profile/blocked');
  await me.page.getByLabel('Block someone by username').fill(other.name);
  await me.page.getByRole('button', { name: 'Block', exact: true }).click();
  await expect(me.page.locator('#blocked-people li')).toHaveCount(1);
  await audit(me.page, 'the list of blocked people');
  await me.page.goto(room);
  await expect(me.page.getByText('Message from a blocked person')).toBeVisible();
  await audit(me.page, 'a room with a folded message');
  await me.context.close();
  await other.context.close();
});

test('two-factor sign-in: setting it up, and the code after the password', async ({ browser }) => {
  const me = await joinAs(browser, 'a11y2fa');
  await me.page.goto('/profile/security');
  await me.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(me.page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  await audit(me.page, 'two-factor set-up');
  await me.page.goto('/profile/delete');
  await audit(me.page, 'deleting the account');
  await me.page.goto('/profile/export');
  await me.page.getByRole('button', { name: 'Make an archive' }).click();
  await expect(me.page.locator('#exports li.export')).toHaveCount(1);
  await audit(me.page, 'the export page with an archive');
  await me.page.goto('/signin/code?error=wrong-code');
  await expect(me.page.getByRole('alert')).toContainText('not right');
  await audit(me.page, 'the code after the password, with an error');
  await me.context.close();
});

test('passkeys: the list, signing in with one, and one after the password', async ({ page }) => {
  await virtualAuthenticator(page);
  const name = username('a11ykey');
  await signUp(page, name, BY_NAME);
  await page.goto(`${BY_NAME}/profile/security`);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.locator('#passkey-list li')).toHaveCount(1);
  await audit(page, 'the security page with a passkey');
  await page.context().clearCookies();
  await page.goto(`${BY_NAME}/signin`);
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeVisible();
  await audit(page, 'sign-in with passkeys offered');
  await page.locator('#username').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Use a passkey' })).toBeVisible();
  await audit(page, 'the passkey after the password');
});

test('the chat with delivered, failed and pending messages and join and leave lines', async ({ browser }) => {
  const me = await joinAs(browser, 'audit');
  const other = await joinAs(browser, 'passer');
  await expect(me.page.locator('#chat-box li.notice').filter({ hasText: `${other.name} joined` })).toHaveCount(1);
  await other.context.close();
  await expect(me.page.locator('#chat-box li.notice').filter({ hasText: `${other.name} left` })).toHaveCount(1);
  const text = unique('delivered');
  await send(me.page, text);
  await expect(me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text })).toHaveCount(1);
  // A message that failed for good, as the browser keeps it (with its Retry and Discard).
  const failed = {
    items: [{ client_id: 'gave-up', room: 'general', author: me.name, body: unique('failed'),
              status: 'failed', error: 'no answer from the server', attempts: 4, sent_at: 0 }],
  };
  // Written as the next page starts, before the app reads it: the page being left may
  // still be saving its own (empty) outbox as its last acks arrive.
  await me.page.addInitScript(([key, value]) => localStorage.setItem(key, value),
    [`banter.outbox.v2.${me.name}.general`, JSON.stringify(failed)]);
  await me.page.reload();
  await expect(me.page.locator('#connection-status')).toHaveText('connected');
  await expect(me.page.locator('#chat-box li.failed')).toHaveCount(1);
  // Offline, a message waits as pending.
  await me.context.setOffline(true);
  await expect(me.page.locator('#connection-status')).not.toHaveText('connected');
  await send(me.page, unique('pending'));
  await expect(me.page.locator('#chat-box li.pending:not(.failed)')).toHaveCount(1);
  await audit(me.page, 'chat');
  await me.context.setOffline(false);
  await me.context.close();
});

// The picker's pages are the largest audited (every emoji a button): a test each.
test('the emoji picker', async ({ browser }) => {
  const me = await joinAs(browser, 'emojis');
  await me.page.getByRole('button', { name: 'Emoji', exact: true }).click();
  await expect(me.page.locator('#emoji-option-0')).toBeVisible();
  await audit(me.page, 'emoji picker');
  await me.context.close();
});

test('shortcode completions', async ({ browser }) => {
  const me = await joinAs(browser, 'shortcodes');
  await me.page.locator('#message-input').pressSequentially(':smi');
  await expect(me.page.getByRole('listbox', { name: 'Emoji suggestions' })).toBeVisible();
  await audit(me.page, 'shortcode completions');
  await me.context.close();
});

test('formatted messages with reactions and actions, attachments, and the upload tray with a failed file', async ({ browser }) => {
  const me = await joinAs(browser, 'files');
  const choose = async (files: { name: string; mimeType: string; buffer: Buffer }[]) => {
    const chooser = me.page.waitForEvent('filechooser');
    await me.page.getByRole('button', { name: 'Attach files' }).click();
    await (await chooser).setFiles(files);
  };
  await choose([
    { name: 'square.png', mimeType: 'image/png', buffer: RED_PNG },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes') },
  ]);
  await expect(me.page.locator('#attachment-tray li', { hasText: 'ready' })).toHaveCount(2);
  const text = unique('files');
  await send(me.page, text);
  const item = me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await expect(item.locator('a.file-card')).toBeVisible();
  await expect.poll(() => item.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // A formatted message too: code, a quote, a list and a link.
  const rich = unique('rich');
  await send(me.page, `**${rich}** with \`code\` and https://example.com/x for @${me.name}`);
  await me.page.locator('#message-input').fill('> quoted\n\n- one\n- two');
  await me.page.locator('#message-input').press('Enter');
  await expect(me.page.locator('#chat-box li.message:not(.pending) blockquote')).not.toHaveCount(0);
  await expect(me.page.locator('#chat-box li.message:not(.pending) .body.rich a').first()).toBeVisible();
  // It mentions its reader: the message and the mention are marked.
  await expect(me.page.locator('#chat-box li.message.mentions-me .mention').first()).toBeVisible();
  // A reaction under it, and its actions shown (focus shows them, as hovering does; focus,
  // unlike the pointer, stays on the message while other tests' messages scroll the list).
  const richItem = me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: rich });
  await richItem.focus();
  await richItem.getByRole('button', { name: 'React with 👍' }).click();
  await expect(richItem.locator('.reaction')).toHaveText('👍 1');
  await richItem.focus();
  await choose([{ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(25_000_001) }]);
  await expect(me.page.locator('#attachment-tray').getByRole('alert')).toBeVisible();
  await audit(me.page, 'attachments');
  await me.context.close();
});

test('a private room with its member list, the rooms page, the profile and search', async ({ browser }) => {
  const me = await joinAs(browser, 'auditor');
  await me.page.goto('/rooms');
  await audit(me.page, 'rooms');
  await me.page.locator('#room-name').fill(`audit-${Date.now().toString(36)}`);
  await me.page.locator('#room-private').check();
  await me.page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(me.page.locator('#connection-status')).toHaveText('connected');
  await me.page.locator('#room-info summary').click();
  await expect(me.page.locator('#room-info .members')).toBeVisible();
  await audit(me.page, 'private room');
  await send(me.page, 'nothing but a test');
  const room = new URL(me.page.url()).pathname;
  // Its creator moderates it: the log is one link away.
  await me.page.locator('#moderation-log-link').click();
  await expect(me.page.locator('#moderation-page h1')).toContainText('Moderation log of #audit-');
  // The server's page alone: it loads no bundle.
  await expect(me.page.locator('script[type="module"]')).toHaveCount(0);
  await audit(me.page, 'moderation log');
  // Its integrations, with a webhook's URL shown once.
  await me.page.goto(`${room}/integrations`);
  await me.page.locator('#hook-name').fill('Audit hook');
  await me.page.locator('#create-hook-button').click();
  await expect(me.page.locator('#hook-url-value')).toBeVisible();
  await audit(me.page, 'integrations, with a webhook');
  await me.page.goto('/profile');
  // With a bot made: its token shown once, and the list of bots.
  await me.page.locator('#bot-username').fill(username('audit-bot'));
  await me.page.locator('#bot-name').fill('Audit bot');
  await me.page.locator('#create-bot-button').click();
  await expect(me.page.locator('#bot-list li')).toHaveCount(1);
  await expect(me.page.locator('#bot-token-value')).toBeVisible();
  await audit(me.page, 'profile, with a bot');
  await me.page.goto('/search?q=test');
  await expect(me.page.locator('#search-results mark').first()).toBeVisible();
  await audit(me.page, 'search');
  await me.context.close();
});

test('a room with a topic, a link’s preview, a webhook’s message with its “via” mark, and “Seen by”', async ({ browser }) => {
  const me = await joinAs(browser, 'auditor');
  const other = await joinAs(browser, 'reader');
  const room = await createPrivateRoom(me.page, 'seen');
  await send(me.page, `/invite @${other.name}`);
  await send(me.page, '/topic Release week: what ships, what waits');
  await expect(me.page.locator('#room-topic')).toBeVisible();
  const site = await startPreviewSite();
  await send(me.page, `the plan: ${site.base}/plan`);
  await expect(me.page.locator('#chat-box .link-preview-title')).toHaveText('Quarterly plan');
  site.close();
  const made = await me.page.request.post('/api/create_hook', {
    form: { room: room.slice('/r/'.length), name: 'CI' },
    headers: { Accept: 'application/json' },
  });
  const hook = await made.json();
  expect((await me.page.request.post(hook.url, { data: { text: 'build **42** passed', username: 'Jenkins' } })).status()).toBe(200);
  await expect(me.page.locator('#chat-box .via')).toHaveText('via CI');
  await other.page.goto(room);
  await expect(other.page.locator('#connection-status')).toHaveText('connected');
  const text = unique('ready to ship?');
  await send(me.page, text);
  await expect(other.page.locator('#chat-box li.message').filter({ hasText: text })).toHaveCount(1);
  await expect(me.page.locator('#chat-box .seen-by')).toHaveText(`Seen by ${other.name}`);
  await audit(me.page, 'a room with a topic, a link’s preview, a webhook’s message and “Seen by”');
  await me.context.close();
  await other.context.close();
});

test('a pinned and saved message, the room’s pins and the saved messages page', async ({ browser }) => {
  const me = await joinAs(browser, 'pinner');
  // A conversation with oneself is not a thing: a room of one's own, which one moderates.
  await createRoom(me.page, 'pins');
  const text = unique('pin and keep');
  await send(me.page, text);
  const message = me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await message.focus();
  await message.getByRole('button', { name: 'Pin message' }).click();
  await expect(message.locator('.pinned-mark')).toBeVisible();
  await message.focus();
  const save = message.getByRole('button', { name: 'Save', exact: true });
  await save.click();
  await expect(save).toHaveAttribute('aria-pressed', 'true');
  await me.page.locator('#room-info summary').click();
  await expect(me.page.locator('#pins li')).toHaveCount(1);
  await audit(me.page, 'a pinned and saved message, with the pins');
  await me.page.goto('/saved');
  await expect(me.page.locator('#saved-list li')).toHaveCount(1);
  await audit(me.page, 'saved messages');
  await me.context.close();
});

test('a thread beside its room (over it on a phone)', async ({ browser }) => {
  const me = await joinAs(browser, 'threader');
  await createRoom(me.page, 'threads');
  const text = unique('a thread to audit');
  await send(me.page, text);
  const message = me.page.locator('#chat-box li.message:not(.pending)').filter({ hasText: text });
  await message.focus();
  await message.getByRole('link', { name: 'Thread' }).click();
  await expect(me.page.locator('#connection-status')).toHaveText('connected');
  await me.page.locator('#thread-input').fill('a reply in it');
  await me.page.locator('#thread-input').press('Enter');
  await expect(me.page.locator('#thread li.message:not(.pending)')).toHaveCount(2);
  await audit(me.page, 'a thread');
  await me.page.getByRole('link', { name: 'Close thread' }).click();
  await expect(message.locator('.thread-line')).toContainText('1 reply');
  await audit(me.page, 'a room with a thread');
  await me.page.goto('/threads');
  await expect(me.page.locator('#threads-list li')).toHaveCount(1);
  await audit(me.page, 'followed threads');
  await me.context.close();
});
