// The portal's service worker. It keeps the portal's shell (static files
// and an offline page) and nothing else: pages and API answers always come from the network.
{% autoescape off %}{# JSON literals, from the view #}
const CACHE = {{ cache_name }};
const SHELL = {{ shell }};
const OFFLINE = {{ offline }};
{% endautoescape %}

self.addEventListener("install", (event) => {
  // Without cookies: nothing kept is anyone's own.
  const requests = SHELL.map((url) => new Request(url, { credentials: "omit" }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // An earlier release's shell goes.
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages from the network; the offline page only when there is none.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE, { ignoreVary: true })));
  } else if (SHELL.includes(url.pathname) && !url.search) {
    // The shell at once from the cache, refreshed behind it for the next page.
    event.respondWith(
      caches.open(CACHE).then((cache) =>
        cache.match(url.pathname, { ignoreVary: true }).then((cached) => {
          const fresh = fetch(url.pathname, { credentials: "omit" })
            .then((response) => {
              if (response.ok) cache.put(url.pathname, response.clone());
              return response;
            })
            .catch(() => cached);
          return cached || fresh;
        })
      )
    );
  }
});
