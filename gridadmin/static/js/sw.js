// gridadmin's service worker: the app's static files for offline use.
"use strict";
var CACHE = "gridadmin-static-v1";

self.addEventListener("install", function (event) { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
