// gridadmin's service worker (served at /sw.js, scope /): the installable
// web app. It keeps the app's own static files, and the report form as last
// opened, so the form opens without a connection; reports made then wait in
// IndexedDB (static/js/offline.js). Other pages hold records in the user's
// scope and are never kept: they go to the network as usual.
"use strict";
var STATIC = "gridadmin-static-v1";
var PAGES = "gridadmin-pages-v1";
var REPORT_FORM = "/admin/ticket/new/";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== STATIC && n !== PAGES; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/admin/static/") === 0) {
    // Static files: from the network when there is one (kept fresh), else kept.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }, function () {
      return caches.match(request, { ignoreSearch: false }).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (request.mode === "navigate" && url.pathname === REPORT_FORM) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { cache.put(REPORT_FORM, copy); });
      }
      return response;
    }, function () {
      return caches.match(REPORT_FORM).then(function (hit) { return hit || Response.error(); });
    }));
  }
});

// Logging out forgets the kept form (it names the user's grids).
self.addEventListener("message", function (event) {
  if (event.data === "logout") { caches.delete(PAGES); }
});
