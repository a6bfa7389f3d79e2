// BatchLab's service worker: after one visit the site loads and trains with no network. It keeps the
// site's own files only (never another origin's), fetched from the network first, so that a new
// deploy is used as soon as the page is online; offline, the kept copy answers. On install it keeps
// the page and every file the page and its workers load; on each fresh page it drops hashed files the
// new page no longer names, so an old deploy's files do not pile up.
const CACHE = "batchlab";
const WORKER_FILES = ["worker.js", "worker_bg.wasm", "worker_loader.js"];

/** The same-origin files a page's HTML names (its scripts, styles and preloads). */
function named(html) {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)]
    .map((m) => m[1])
    .filter((u) => !/^(data:|https?:|#)/.test(u))
    .map((u) => new URL(u, self.registration.scope).href);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const page = await fetch("./", { cache: "no-store" });
    const html = await page.clone().text();
    await cache.put("./", page);
    await cache.addAll([...new Set([...named(html), ...WORKER_FILES.map((f) => new URL(f, self.registration.scope).href)])]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** Drops kept files with a build hash in their name that `html` no longer names. */
async function prune(cache, html) {
  const keep = new Set(named(html));
  for (const request of await cache.keys()) {
    // Trunk writes a build hash as hex without leading zeros: 16 digits or fewer.
    if (/-[0-9a-f]{1,16}(_bg)?\.(js|wasm|css|svg)$/.test(new URL(request.url).pathname) && !keep.has(request.url)) {
      await cache.delete(request);
    }
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const page = request.mode === "navigate";
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) {
        // A page is kept under the site's own address, whatever its query: any link opens offline.
        await cache.put(page ? "./" : request, response.clone());
        if (page) event.waitUntil(response.clone().text().then((html) => prune(cache, html)));
      }
      return response;
    } catch (offline) {
      const kept = await cache.match(page ? "./" : request);
      if (kept) return kept;
      throw offline;
    }
  })());
});
