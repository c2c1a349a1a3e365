// Banter's service worker (scope `/`): when the network is gone, a page load gets the offline
// page instead of the browser's error; what was typed stays in the page's outbox
// (localStorage) and goes out once back online.
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
