// Screenshots that guard the layout: the main views at a phone's width (touch) and a desktop's,
// in the light and the dark theme, compared with the ones committed in end2end/screenshots.
// A change that moves, hides or recolours anything fails here with a diff to look at; when
// the change is meant, `make screenshots` takes them anew (and the README shows the desktop
// chat from the same files).
//
// Runs as its own project on a node of its own with a fresh database (playwright.config.ts),
// so the people, rooms and messages are the same on every run; the times, the one thing that
// is not, are hidden while a screenshot is taken (screenshot.css).
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import path from 'node:path';
import { PASSWORD, RED_PNG, attach, send, signUp } from './helpers';

test.describe.configure({ mode: 'serial' });

const THEMES = ['light', 'dark'] as const;
const SIZES = [
  { name: 'phone', viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
] as const;

const SHOT = {
  stylePath: path.join(__dirname, 'screenshot.css'),
  // The same Chromium draws the same pixels on every run (software rendering); a few are
  // allowed for anti-aliasing, far fewer than a reaction chip 3 px wider changes (tried: 124 on the phone).
  maxDiffPixels: 20,
};

const ME = 'ada';
const OTHER = 'grace';
let signedIn: Awaited<ReturnType<BrowserContext['storageState']>>;

/** The one conversation every screenshot shows: plain and formatted text, a photo, a
 * reaction, a mention, and a second public room. */
test.beforeAll(async ({ browser }) => {
  const mine = await browser.newContext();
  const page = await mine.newPage();
  await signUp(page, ME);
  // The other person writes without a page open: no socket, so never shown online.
  const other = await browser.newContext();
  expect((await other.request.post('/api/sign_up', { form: { username: OTHER, password: PASSWORD } })).ok()).toBeTruthy();
  const post = async (body: string, id: string) => {
    const posted = await other.request.post('/api/post_message', { form: { room: 'general', body, client_id: id } });
    expect(posted.ok()).toBeTruthy();
    await expect(page.locator('#chat-box li.message:not(.pending) .body').filter({ hasText: body.slice(0, 20) })).toHaveCount(1);
  };
  await post('Morning! Is the build green after last night?', 'visual-1');
  await send(page, `**Yes**, all of it: \`make test\` passed, notes at https://example.com/ci for @${OTHER}`);
  await post('Great. Here is the new sign for the office door:', 'visual-2');
  await attach(page, [{ name: 'door-sign.png', mimeType: 'image/png', buffer: RED_PNG }]);
  await expect(page.locator('#attachment-tray li', { hasText: 'ready' })).toHaveCount(1);
  await send(page, 'Red is bold. I like it.');
  const photo = page.locator('#chat-box li.message:not(.pending) img');
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const question = page.locator('#chat-box li.message:not(.pending)').filter({ hasText: 'Is the build green' });
  await question.focus();
  await question.getByRole('button', { name: 'React with 👍' }).click();
  await expect(question.locator('.reaction')).toHaveText('👍 1');
  // A second room, for the room list.
  await page.goto('/rooms');
  await page.locator('#room-name').fill('design');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  signedIn = await mine.storageState();
  await mine.close();
  await other.close();
});

/** The chat of #general as the signer-up sees it, live and with its photo drawn. */
async function openChat(page: Page): Promise<void> {
  await page.goto('/r/general');
  await expect(page.locator('#connection-status')).toHaveText('connected');
  await expect(page.locator('#chat-box li.message:not(.pending)')).toHaveCount(4);
  const photo = page.locator('#chat-box li.message img');
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
}

async function openAt(browser: Browser, theme: (typeof THEMES)[number], size: (typeof SIZES)[number]) {
  return browser.newContext({
    storageState: signedIn,
    colorScheme: theme,
    viewport: size.viewport,
    isMobile: size.isMobile,
    hasTouch: size.hasTouch,
  });
}

for (const theme of THEMES) {
  for (const size of SIZES) {
    test(`the main views look as they did: ${size.name}, ${theme}`, async ({ browser }) => {
      const context = await openAt(browser, theme, size);
      const page = await context.newPage();
      const name = (view: string) => `${view}-${size.name}-${theme}.png`;

      await openChat(page);
      // The composer's focus ring and caret are part of the view; the pointer is not over
      // any message, so no toolbar shows.
      await expect(page).toHaveScreenshot(name('chat'), SHOT);

      await page.getByRole('button', { name: 'Emoji', exact: true }).click();
      await expect(page.locator('#emoji-option-0')).toBeVisible();
      await expect(page).toHaveScreenshot(name('emoji-picker'), SHOT);
      await page.keyboard.press('Escape');

      await page.goto('/rooms');
      await expect(page).toHaveScreenshot(name('rooms'), SHOT);

      await page.goto('/profile');
      await expect(page).toHaveScreenshot(name('profile'), SHOT);

      await page.goto('/search?q=build');
      await expect(page.locator('#search-results mark').first()).toBeVisible();
      await expect(page).toHaveScreenshot(name('search'), SHOT);

      await context.close();
    });
  }
}
