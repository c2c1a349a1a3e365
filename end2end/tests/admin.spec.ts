import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { joinAs } from './helpers';

// The server under test's own binary and database (playwright.config.ts).
const bin = process.env.BANTER_E2E_BIN ?? '../target/debug/banter';

/** `banter admin …` against the running server's database: what it prints. */
function admin(...args: string[]): string {
  return execFileSync(bin, ['--db', '.tmp/e2e.db', '--log', 'warn', 'admin', ...args], { encoding: 'utf8' });
}

test('an administrator gives a forgotten password a reset link from the command line; it works once and signs the other devices out', async ({ browser, baseURL }) => {
  const ann = await joinAs(browser, 'ann');
  const link = admin('reset-link', ann.name, '--base-url', baseURL ?? '').trim();
  expect(link).toMatch(/\/reset\?token=[0-9a-f]{64}$/);

  const phone = await browser.newContext();
  const page = await phone.newPage();
  await page.goto(link);
  await page.locator('#password').fill('a brand new secret');
  await page.getByRole('button', { name: 'Set the password and sign in' }).click();
  await expect(page.locator('#connection-status')).toHaveText('connected');
  // The browser that was signed in before is signed out.
  await expect(ann.page).toHaveURL(/\/signin$/);

  // Spent: the same link again says so.
  await page.goto(link);
  await page.locator('#password').fill('yet another secret');
  await page.getByRole('button', { name: 'Set the password and sign in' }).click();
  await expect(page.locator('.form-error')).toContainText('does not work any more');
  expect(admin('users')).toContain(`${ann.name}\t${ann.name}\tperson\t`);
  await phone.close();
  await ann.context.close();
});
