import { test, expect } from '@playwright/test';
import { delivered, joinAs, openConversation, send, unique } from './helpers';

test('an edit and a deletion are seen live by another browser', async ({ browser }) => {
  const alice = await joinAs(browser, 'alice');
  const bob = await joinAs(browser, 'bob');
  // A conversation of their own: in #general other tests' bursts scroll the list under the
  // pointer between focusing a message and pressing its buttons.
  await openConversation(alice.page, bob.page, bob.name);
  const text = unique('tpyo');
  await send(alice.page, text);
  await expect(delivered(bob.page, text)).toHaveCount(1);

  // Edit: the message's own Edit button (shown on focus, as on hover), the new text, Enter.
  const mine = alice.page.locator('#chat-box li.message').filter({ hasText: text });
  await mine.focus();
  await mine.getByRole('button', { name: 'Edit message' }).click();
  const field = mine.getByRole('textbox', { name: 'Edit message' });
  await expect(field).toBeFocused();
  await expect(field).toHaveValue(text);
  const fixed = text.replace('tpyo', 'typo, **fixed**');
  await field.fill(fixed);
  await field.press('Enter');
  const theirs = bob.page.locator('#chat-box li.message').filter({ hasText: 'typo, fixed' });
  await expect(theirs.locator('strong')).toHaveText('fixed');
  await expect(theirs.locator('.edited')).toHaveText('(edited)');
  await expect(bob.page.locator('#chat-box li.message').filter({ hasText: text })).toHaveCount(0);

  // Someone else's message has no Edit or Delete for Bob (he does not moderate here).
  await theirs.focus();
  await expect(theirs.getByRole('button', { name: 'Edit message' })).toHaveCount(0);
  await expect(theirs.getByRole('button', { name: 'Delete message' })).toHaveCount(0);

  // Delete: confirmed, and gone for everyone, a placeholder in its place.
  alice.page.on('dialog', (dialog) => dialog.accept());
  const edited = alice.page.locator('#chat-box li.message').filter({ hasText: 'typo, fixed' });
  const seq = await edited.getAttribute('data-seq');
  await edited.focus();
  await edited.getByRole('button', { name: 'Delete message' }).click();
  await expect(bob.page.locator('#chat-box li.message').filter({ hasText: 'typo, fixed' })).toHaveCount(0);
  const placeholder = bob.page.locator(`#chat-box li.message[data-seq="${seq}"] .body.deleted`);
  await expect(placeholder).toHaveText('Message deleted');

  // A fresh page agrees.
  await bob.page.reload();
  await expect(bob.page.locator(`#chat-box li.message[data-seq="${seq}"] .body.deleted`)).toHaveText('Message deleted');
  await alice.context.close();
  await bob.context.close();
});
