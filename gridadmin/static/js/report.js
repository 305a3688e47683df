// 随手拍, the report form (templates/admin/ticket_report.html):
// - a report key (a UUID made here) so the server makes one ticket of it
//   however often it is sent (a retry, the offline queue);
// - the phone's position (browser geolocation, WGS-84) attached when the
//   user allows it; without it the report still goes, with the place typed;
// - sent in the background, so a refused field redraws the form with the
//   chosen photos still attached (a page reload would lose them);
// - without a connection, kept on the phone (static/js/offline.js).
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function setup(form) {
    var key = form.querySelector("input[name=report_key]");
    if (key && !key.value) { key.value = uuid(); }
    locate(form, false);
    var button = form.querySelector("#locate-button");
    if (button) { button.addEventListener("click", function () { locate(form, true); }); }
    preview(form);
    form.addEventListener("change", function (event) {
      if (event.target.type === "file") { preview(form); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  }

  // --- position ---------------------------------------------------------

  function field(form, name) { return form.querySelector("[name=" + name + "]"); }

  function status(form, text) {
    var el = form.querySelector("#position-status");
    if (el) { el.textContent = text; }
  }

  function locate(form, asked) {
    var lat = field(form, "latitude"), lon = field(form, "longitude"), acc = field(form, "location_accuracy");
    if (!lat || !lon) { return; }
    if (lat.value && lon.value && !asked) {
      status(form, form.dataset.positionFound.replace("{metres}", acc && acc.value ? acc.value : "?"));
      return;
    }
    if (!navigator.geolocation) { status(form, form.dataset.positionNone); return; }
    status(form, form.dataset.positionWaiting);
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      var metres = Math.round(pos.coords.accuracy * 10) / 10;
      if (acc) { acc.value = metres; }
      status(form, form.dataset.positionFound.replace("{metres}", metres));
    }, function () {
      status(form, form.dataset.positionNone);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // --- photos -------------------------------------------------------------

  function preview(form) {
    var box = form.querySelector("#photo-preview");
    if (!box) { return; }
    box.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        box.appendChild(img);
      });
    });
  }

  // --- sending ------------------------------------------------------------

  function send(form) {
    var data = new FormData(form);
    var submit = form.querySelector("[type=submit]");
    if (submit) { submit.disabled = true; }
    var action = form.getAttribute("action") || window.location.href;
    var keep = function () {
      window.gridadminOffline.keep(action, data).then(function () {
        // Kept: the form is cleared for the next report, which gets a key of its own.
        form.reset();
        var key = form.querySelector("input[name=report_key]");
        if (key) { key.value = uuid(); }
        preview(form);
        if (submit) { submit.disabled = false; }
        var note = document.getElementById("report-queued");
        if (note) { note.textContent = form.dataset.queued; note.classList.remove("d-none"); note.focus(); }
      }, function () {
        if (submit) { submit.disabled = false; }
      });
    };
    if (!navigator.onLine) { keep(); return; }
    post(action, data, false).then(function (response) {
      if (response.redirected && response.url.indexOf("/login") < 0) {
        window.location.href = response.url;  // the new ticket's page
        return null;
      }
      return response.text().then(function (html) {
        if (submit) { submit.disabled = false; }
        redraw(form, html);
      });
    }, keep);
  }

  // A form kept open past its CSRF token's life is answered 400: take a
  // fresh token from the form's page and send once more (nothing retyped).
  function post(action, data, retried) {
    return fetch(action, { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
      if (response.status !== 400 || retried) { return response; }
      return fetch(action, { credentials: "same-origin" }).then(function (page) { return page.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
          if (!fresh) { return response; }
          data.set("csrf_token", fresh.value);
          var mine = document.querySelector("#report-form input[name=csrf_token]");
          if (mine) { mine.value = fresh.value; }
          return post(action, data, true);
        });
    });
  }

  // The server refused a field: its answer is the form again with the
  // messages. Draw it, moving the photo inputs (with their files) and the
  // position across, so nothing chosen is lost.
  function redraw(form, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) {
      // Not the form (an error page): say so above the form and keep it as it is.
      var message = doc.querySelector("#error-message");
      var note = document.getElementById("report-queued");
      if (note) {
        note.textContent = message ? message.textContent : html.slice(0, 200);
        note.className = "alert alert-danger";
        note.focus();
      }
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      var twin = fresh.querySelector("#" + input.id);
      if (twin) { twin.parentNode.replaceChild(document.adoptNode(input), twin); }
    });
    main.parentNode.replaceChild(document.adoptNode(fresh), main);
    var redrawn = document.getElementById("report-form");
    if (window.faForm) { window.faForm.applyGlobalStyles(redrawn); }
    setup(redrawn);
    var problem = document.querySelector(".invalid-feedback, .alert-danger");
    if (problem) { problem.scrollIntoView({ block: "center" }); }
  }

  var form = document.getElementById("report-form");
  if (form) { setup(form); }
})();
