// Passkeys on the pages the server renders alone (sign-in, the code after the password, the
// security page): the browser's WebAuthn ceremonies around the server's JSON endpoints
// (docs/protocol.md, the `/auth/passkeys/` endpoints). Each control sits in a `.passkey-box`,
// hidden as the server sends it and shown here only where the browser can use passkeys: it
// has WebAuthn, and the page is open on the origin they belong to (`data-passkey-origin`).
// Everything else on those pages works without this script.
//
//   data-passkey="sign-in"        a button: sign in with any passkey this browser offers
//   data-passkey="second-factor"  a button: the passkey after a right password
//   data-passkey="register"       a form: add a passkey (its `name` field names it)
//
// Each carries `data-start` and `data-finish`, the endpoints of its ceremony; a refusal is
// shown in its box's `.passkey-error`.
(() => {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  // WebAuthn speaks ArrayBuffers; the server's JSON speaks base64url without padding.
  const text = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const buffer = (encoded) => {
    const base64 = encoded.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const credentials = (list) => (list || []).map((c) => ({ ...c, id: buffer(c.id) }));

  const creationOptions = (o) => ({
    ...o,
    challenge: buffer(o.challenge),
    user: { ...o.user, id: buffer(o.user.id) },
    excludeCredentials: credentials(o.excludeCredentials),
  });
  const requestOptions = (o) => ({ ...o, challenge: buffer(o.challenge), allowCredentials: credentials(o.allowCredentials) });

  const registration = (c) => ({
    id: c.id,
    rawId: text(c.rawId),
    type: c.type,
    response: {
      attestationObject: text(c.response.attestationObject),
      clientDataJSON: text(c.response.clientDataJSON),
      transports: c.response.getTransports ? c.response.getTransports() : undefined,
    },
    clientExtensionResults: c.getClientExtensionResults(),
  });
  const assertion = (c) => ({
    id: c.id,
    rawId: text(c.rawId),
    type: c.type,
    response: {
      authenticatorData: text(c.response.authenticatorData),
      clientDataJSON: text(c.response.clientDataJSON),
      signature: text(c.response.signature),
      userHandle: c.response.userHandle ? text(c.response.userHandle) : null,
    },
    clientExtensionResults: c.getClientExtensionResults(),
  });

  const post = async (path, body) => {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || 'The server could not do that just now; try again.');
    return answer;
  };

  // Runs one ceremony from `element`, saying what went wrong in its box's error line.
  const ceremony = (element, error, run) => async (event) => {
    event.preventDefault();
    if (error) error.textContent = '';
    element.setAttribute('aria-busy', 'true');
    try {
      const { redirect } = await run();
      location.assign(redirect);
    } catch (failure) {
      element.removeAttribute('aria-busy');
      // The browser's own refusals (cancelled, timed out, no passkey here) are DOMExceptions.
      const said =
        failure instanceof DOMException
          ? 'No passkey was used. Try again, or sign in another way.'
          : failure.message;
      if (error) error.textContent = said;
    }
  };

  const signIn = (element) => async () => {
    const { options } = await post(element.dataset.start);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    return post(element.dataset.finish, { credential: assertion(credential) });
  };

  const register = (form) => async () => {
    const { options } = await post(form.dataset.start);
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
    const name = form.elements.namedItem('name');
    return post(form.dataset.finish, { name: name ? name.value : '', credential: registration(credential) });
  };

  for (const box of document.querySelectorAll('.passkey-box')) {
    if (box.dataset.passkeyOrigin !== location.origin) continue;
    const error = box.querySelector('.passkey-error');
    for (const element of box.querySelectorAll('[data-passkey]')) {
      if (element.dataset.passkey === 'register') {
        element.addEventListener('submit', ceremony(element, error, register(element)));
      } else {
        element.addEventListener('click', ceremony(element, error, signIn(element)));
      }
    }
    box.hidden = false;
  }
})();
