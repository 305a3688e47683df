// Reports made without a connection, kept on the phone (IndexedDB, photos
// included) and sent when the connection returns. Every page shows which
// reports wait (#offline-queue). Each report carries the key report.js gave
// it, so a report sent twice (the answer lost on the way) is one ticket.
(function () {
  "use strict";
  var DB = "gridadmin", STORE = "reports";
  var banner = document.getElementById("offline-queue");
  var sending = false;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() { return run("readonly", function (store) { return store.getAll(); }); }

  // Keep a report: its fields and its files (as Blobs) under its key.
  function keep(action, formData) {
    var fields = [], files = [];
    formData.forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size > 0) { files.push({ name: name, blob: value, filename: value.name, type: value.type }); }
      } else {
        fields.push([name, value]);
      }
    });
    var get = function (name) { var f = fields.filter(function (p) { return p[0] === name; })[0]; return f ? f[1] : ""; };
    var report = { key: get("report_key") || String(Date.now()), action: action, title: get("title"),
                   savedAt: new Date().toISOString(), fields: fields, files: files, problem: "" };
    return run("readwrite", function (store) { store.put(report); }).then(show);
  }

  function show() {
    if (!banner || !window.indexedDB) { return Promise.resolve(); }
    return all().then(function (reports) {
      banner.textContent = "";
      if (!reports.length) { banner.classList.add("d-none"); return; }
      var head = document.createElement("div");
      head.textContent = banner.dataset.waiting.replace("{count}", reports.length);
      banner.appendChild(head);
      var list = document.createElement("ul");
      list.className = "mb-0";
      reports.forEach(function (r) {
        var item = document.createElement("li");
        item.textContent = (r.title || "—") + " · " + new Date(r.savedAt).toLocaleString() +
          (r.files.length ? " · " + banner.dataset.photos.replace("{count}", r.files.length) : "") +
          (r.problem ? " · " + r.problem : "");
        list.appendChild(item);
      });
      banner.appendChild(list);
      banner.classList.remove("d-none");
    });
  }

  // A fresh CSRF token: the one kept with a report may have expired.
  function token(action) {
    return fetch(action, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok || response.url.indexOf("/login") >= 0) { throw new Error("login"); }
      return response.text();
    }).then(function (html) {
      var input = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
      if (!input) { throw new Error("login"); }
      return input.value;
    });
  }

  function sendOne(report) {
    return token(report.action).then(function (csrf) {
      var data = new FormData();
      report.fields.forEach(function (pair) { data.append(pair[0], pair[0] === "csrf_token" ? csrf : pair[1]); });
      report.files.forEach(function (f) { data.append(f.name, f.blob, f.filename); });
      return fetch(report.action, { method: "POST", body: data, credentials: "same-origin" });
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/details/") >= 0) {
        return run("readwrite", function (store) { store.delete(report.key); });
      }
      // Refused (a field the server does not take): kept, with the reason.
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var problem = doc.querySelector(".invalid-feedback li, .alert-danger");
        report.problem = problem ? problem.textContent.trim() : banner.dataset.refused;
        return run("readwrite", function (store) { store.put(report); });
      });
    });
  }

  // Send what waits, one report after another; stop at the first network failure.
  function flush() {
    if (sending || !navigator.onLine || !window.indexedDB) { return Promise.resolve(); }
    sending = true;
    return all().then(function (reports) {
      var chain = Promise.resolve();
      reports.filter(function (r) { return !r.problem; }).forEach(function (r) {
        chain = chain.then(function () { return sendOne(r); });
      });
      return chain;
    }).catch(function () { /* still offline or logged out: try again later */ })
      .then(function () { sending = false; return show(); });
  }

  window.gridadminOffline = { keep: keep, show: show, flush: flush };
  window.addEventListener("online", flush);
  if (window.indexedDB) { show().then(flush); }
})();
