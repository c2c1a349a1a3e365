// Banter's service worker (scope `/`):
// - a push (Web Push, sent by the server when a message concerns you and no page of yours is
//   open) shows a notification; clicking it opens the room at that message;
// - when the network is gone, a page load gets the offline page instead of the browser's
//   error; what was typed stays in the page's outbox (localStorage) and goes out once back.
//
// It caches the offline page and nothing else. Above all not the wasm or JS bundle: their
// file names are not hashed, and a stale bundle against a newer server breaks hydration.

const CACHE = 'banter-offline-v1';
const OFFLINE_PAGE = '/offline.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([OFFLINE_PAGE, '/favicon.svg']))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  if (event.request.mode !== 'navigate') {
    return;
  }
  event.respondWith(fetch(event.request).catch(() => caches.match(OFFLINE_PAGE)));
});

// The payload is what the server encrypted for this device: {title, body, tag, url}. The tag
// makes one notification per message however many devices and tabs heard of it.
self.addEventListener('push', (event) => {
  let message = null;
  try {
    message = event.data ? event.data.json() : null;
  } catch {
    message = null;
  }
  if (!message) {
    return;
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: '/icons/icon-192.png',
      data: { url: message.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((pages) => {
      const page = pages.find((p) => 'focus' in p);
      if (page) {
        return page.navigate(url).then((p) => (p || page).focus());
      }
      return self.clients.openWindow(url);
    }),
  );
});
