// The service worker: keeps every file of the site (precache.js, written by mobile_bundle) so
// the app starts and runs offline once loaded. A rebuilt site has a new digest, hence a new
// cache; the old one of this site (same scope) is dropped.
importScripts("precache.js");

const PREFIX = `exposure-camera ${self.registration.scope} `;
const CACHE = PREFIX + self.PRECACHE.version;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(self.PRECACHE.files))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  event.respondWith(caches.open(CACHE)
    .then((cache) => cache.match(event.request, {ignoreSearch: true}))
    .then((hit) => hit ?? fetch(event.request)));
});
