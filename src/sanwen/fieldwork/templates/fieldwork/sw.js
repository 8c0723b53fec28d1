{% load static %}/* Sanwen's service worker (scope /field/): the field pages, the assets they use and the
   campaign vocabulary in them stay on the phone; pages come from the network first and from the
   cache when there is none. Records made offline wait in the outbox (IndexedDB, see offline.js),
   not here. Workbox comes from the npm lockfile, copied into static; nothing from elsewhere. */
importScripts(
  "{% static 'vendor/workbox/workbox-core.prod.js' %}",
  "{% static 'vendor/workbox/workbox-cacheable-response.prod.js' %}",
  "{% static 'vendor/workbox/workbox-expiration.prod.js' %}",
  "{% static 'vendor/workbox/workbox-routing.prod.js' %}",
  "{% static 'vendor/workbox/workbox-strategies.prod.js' %}"
);
const PAGES = 'sanwen-pages-v1';
const STATIC = 'sanwen-static-v1';
const STATIC_PREFIX = "{{ static_prefix }}";
workbox.core.setCacheNameDetails({ prefix: 'sanwen' });
self.skipWaiting();
workbox.core.clientsClaim();

// A page is kept only as the person saw it: a 200 that was not a redirect (to the login page).
const pageOnly = {
  cacheWillUpdate: async ({ response }) => (response && response.status === 200 && !response.redirected ? response : null),
};
workbox.routing.registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.pathname.startsWith('/field/'),
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 8,
    plugins: [pageOnly, new workbox.expiration.ExpirationPlugin({ maxEntries: 60 })],
    matchOptions: { ignoreVary: true, ignoreSearch: true },
  })
);
workbox.routing.registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(STATIC_PREFIX),
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: STATIC,
    plugins: [
      new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),
      new workbox.expiration.ExpirationPlugin({ maxEntries: 300 }),
    ],
  })
);

// Offline, a field page never opened on this phone: our own page, in the person's language, with
// links to the pages every phone keeps, instead of the browser's error. It loads only kept assets.
const FALLBACK = {{ fallback|safe }};
const CSP = {{ csp|safe }};
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function fallbackPage() {
  const links = FALLBACK.links.map(([href, label]) => `<a class="list-group-item list-group-item-action" href="${escapeHtml(href)}">${escapeHtml(label)}</a>`).join('');
  const body = `<!doctype html><html lang="${escapeHtml(FALLBACK.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(FALLBACK.title)}</title>
<link rel="stylesheet" href="{% static 'vendor/bootstrap/bootstrap.min.css' %}">
<link rel="stylesheet" href="{% static 'vendor/bootstrap-icons/bootstrap-icons.min.css' %}"></head>
<body><main class="container py-3" id="offline-fallback">
<h1 class="h5"><i class="bi bi-wifi-off"></i> ${escapeHtml(FALLBACK.title)}</h1>
<p class="small">${escapeHtml(FALLBACK.text)}</p>
<div class="list-group">${links}</div></main></body></html>`;
  return new Response(body, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' },
  });
}
workbox.routing.setCatchHandler(async ({ request }) => (request.mode === 'navigate' ? fallbackPage() : Response.error()));

const ASSET_IN_PAGE = /(?:src|href)="([^"]+)"/g;

async function warm(pages, assetList) {
  const pageCache = await caches.open(PAGES);
  const assets = new Set(assetList);
  for (const url of pages) {
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (response.status === 200 && !response.redirected) {
        // The scripts and styles each kept page uses are kept with it.
        for (const match of (await response.clone().text()).matchAll(ASSET_IN_PAGE)) {
          if (match[1].startsWith(STATIC_PREFIX)) assets.add(new URL(match[1], self.location.origin).href);
        }
        await pageCache.put(url, response);
      }
    } catch (e) { /* no signal: keep what is there */ }
  }
  const staticCache = await caches.open(STATIC);
  for (const url of assets) {
    try {
      if (!(await staticCache.match(url))) {
        const response = await fetch(url);
        if (response.status === 200) await staticCache.put(url, response);
      }
    } catch (e) { /* idem */ }
  }
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'warm') {
    event.waitUntil(warm(data.pages || [], data.assets || []).then(() => event.source && event.source.postMessage({ type: 'warmed' })));
  } else if (data.type === 'forget') {
    // Logging out: the next person on this phone must not see this one's pages offline.
    event.waitUntil(caches.delete(PAGES));
  }
});
