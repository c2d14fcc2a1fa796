// gridcase service worker, served at /sw.js by app/views/offline.py, which writes self.GRIDCASE in front:
// { workbox: the vendored Workbox folder, shell: [{url, revision}], fallback: the outbox page, newCase: the form,
// login: the sign-in page }.
// Workbox does the caching; this file only says what is kept and how.
/* global workbox */
"use strict";
importScripts(self.GRIDCASE.workbox + "workbox-sw.js");
workbox.setConfig({ modulePathPrefix: self.GRIDCASE.workbox, debug: false });

// Every module is touched here, while the worker is first evaluated: importScripts is refused later.
var core = workbox.core;
var routing = workbox.routing;
var strategies = workbox.strategies;
var precaching = workbox.precaching;
var cacheable = workbox.cacheableResponse;

var G = self.GRIDCASE;
var PAGES = "gridcase-pages";
var STATIC = "gridcase-static";

core.setCacheNameDetails({ prefix: "gridcase" });
self.skipWaiting();
core.clientsClaim();

// The app shell: CSS, our scripts, htmx, the icon — fetched again only when their content changes.
precaching.cleanupOutdatedCaches();
precaching.precacheAndRoute(G.shell);

// Pages kept for offline use: the landing page, the outbox and the new-case form of each grid (the form
// carries the categories, buildings and units). The network answers first; without it, the copy kept.
function keptPage(url) {
  return url.pathname === "/" || url.pathname === G.fallback || url.pathname === G.newCase;
}

var pagePlugins = [
  new cacheable.CacheableResponsePlugin({ statuses: [200] }),
  {
    // A page reached through a redirect is kept as a plain answer (a browser refuses a redirected
    // answer for a navigation); a page that ended at the sign-in form is not kept at all.
    cacheWillUpdate: function (param) {
      var response = param.response;
      if (!response || !response.redirected) return response;
      if (new URL(response.url).pathname === G.login) return null;
      return core.copyResponse(response);
    },
  },
];

var pages = new strategies.NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 5, plugins: pagePlugins });

routing.registerRoute(function (options) {
  return options.request.mode === "navigate" && options.sameOrigin && keptPage(options.url);
}, pages);

// Other static files (a page's own stylesheet, say): the copy kept, refreshed in the background.
routing.registerRoute(function (options) {
  return options.sameOrigin && options.url.pathname.indexOf("/static/") === 0;
}, new strategies.StaleWhileRevalidate({ cacheName: STATIC, plugins: [new cacheable.CacheableResponsePlugin({ statuses: [200] })] }));

// Offline and not kept: the one grid form kept answers for /cases/new, else the outbox page.
routing.setCatchHandler(function (options) {
  var request = options.request;
  var url = options.url || new URL(request.url);
  if (request.mode !== "navigate") return Promise.resolve(Response.error());
  return caches.open(PAGES).then(function (cache) {
    var lookup = Promise.resolve(undefined);
    if (url.pathname === G.newCase && !url.searchParams.get("grid")) {
      lookup = cache.keys().then(function (keys) {
        var forms = keys.filter(function (key) { return new URL(key.url).pathname === G.newCase; });
        return forms.length === 1 ? cache.match(forms[0]) : undefined;
      });
    }
    return lookup.then(function (found) {
      return found || cache.match(G.fallback);
    }).then(function (found) {
      return found || Response.error();
    });
  });
});

// A page asks for the pages a grid worker needs to be kept ({type: "keep", urls}); it is told when done.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  var done = Promise.all(data.urls.map(function (url) {
    var request = new Request(url, { credentials: "same-origin" });
    return pages.handle({ event: event, request: request }).catch(function () { return null; });
  })).then(function (answers) {
    var kept = answers.filter(function (answer) { return answer && answer.ok; }).length;
    if (event.ports && event.ports[0]) event.ports[0].postMessage({ type: "kept", kept: kept });
  });
  event.waitUntil(done);
});
