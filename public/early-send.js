// Sending before the page is live. The room's composer is a plain form that works without
// JavaScript, but a plain post reloads the page, and on a slow network a reload starts the
// wasm's download again. So until the wasm has taken the page over (`data-hydrated` on
// <html>), this script sends what is typed with `POST /api/post_message` (the same sequencer as
// every send, idempotent by `client_id`), shows it at the end of the list as pending, and
// leaves it there for the wasm to adopt (`client::early_sent`):
//
//   <li class="message mine pending" data-early="…" data-client-id="…" data-body="…">
//
// `data-early` says where it stands: `sending` (the request is out), `stored` (the server
// answered with its `seq`, in `data-seq`: it is never sent again), `unsent` (no answer, or
// "not now": the live page sends it with the same `client_id`), `failed` (refused for good:
// `data-error` says why, and the live page offers Retry and Discard). A file or a slash
// command still goes with the plain form. Once the page is live this script does nothing.
(() => {
  'use strict';
  const form = document.getElementById('composer');
  const input = document.getElementById('message-input');
  const list = document.getElementById('chat-box');
  if (!form || !input || !list || !window.fetch) return;
  const live = () => document.documentElement.hasAttribute('data-hydrated');

  // 128 random bits as hex, as the live page makes them (`client::random_id`).
  const clientId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

  // From here sending works: said on <html> for styles and for the first-visit measurement.
  document.documentElement.dataset.sendable = 'true';

  // Enter sends and Shift+Enter starts a new line, where there is a keyboard (as once live).
  input.addEventListener('keydown', (ev) => {
    if (live() || ev.key !== 'Enter' || ev.shiftKey || ev.isComposing) return;
    if (window.matchMedia('(pointer: coarse)').matches) return;
    ev.preventDefault();
    form.requestSubmit();
  });

  form.addEventListener('submit', (ev) => {
    if (live() || ev.defaultPrevented) return;
    const body = input.value.trim();
    const file = form.querySelector('input[type=file]');
    if (!body || body.startsWith('/') || (file && file.files.length > 0)) return;
    ev.preventDefault();

    const id = clientId();
    const item = document.createElement('li');
    item.className = 'message mine pending';
    item.dataset.early = 'sending';
    item.dataset.clientId = id;
    item.dataset.body = body;
    const text = document.createElement('p');
    text.className = 'body';
    text.textContent = body;
    const state = document.createElement('span');
    state.className = 'state';
    state.textContent = 'sending…';
    item.append(text, state);
    list.append(item);
    list.scrollTop = list.scrollHeight;
    input.value = '';

    const stand = (early, words) => {
      item.dataset.early = early;
      state.textContent = words;
    };
    const room = form.elements.namedItem('room').value;
    fetch('/api/post_message', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams({ room, body, client_id: id }),
    }).then(
      async (response) => {
        if (response.ok) {
          item.dataset.seq = String(await response.json());
          stand('stored', 'sent');
          return;
        }
        const refusal = await response.json().catch(() => ({}));
        // Busy or over the allowance: the live page sends it again, with the same id.
        if (response.status === 429 || response.status >= 500) {
          stand('unsent', 'waiting to send…');
          return;
        }
        item.classList.add('failed');
        item.dataset.error = refusal.message || `refused (${response.status})`;
        stand('failed', `Not sent: ${item.dataset.error}`);
      },
      () => stand('unsent', 'waiting to send…'),
    );
  });
})();
