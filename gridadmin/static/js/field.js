// On every admin page: the large-text mode (适老化) switch, remembered in a
// cookie (so the server draws the page large at once) and in localStorage;
// and the installable web app's service worker (static/js/sw.js).
(function () {
  "use strict";
  var root = document.documentElement;
  var button = document.getElementById("large-text-toggle");

  function setLarge(on) {
    root.classList.toggle("large-text", on);
    document.cookie = "text_size=" + (on ? "large" : "normal") + "; path=/; max-age=31536000; SameSite=Lax";
    try { localStorage.setItem("gridadmin.textSize", on ? "large" : "normal"); } catch (e) { /* private mode */ }
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  // A browser that lost the cookie but kept localStorage keeps the choice.
  try {
    var stored = localStorage.getItem("gridadmin.textSize");
    if (stored === "large" && !root.classList.contains("large-text")) { setLarge(true); }
  } catch (e) { /* private mode */ }

  if (button) {
    button.addEventListener("click", function () { setLarge(!root.classList.contains("large-text")); });
  }

  // Logging out: the service worker forgets the report form it kept.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action");
    if (action && /\/logout$/.test(action) && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("logout");
    }
  }, true);

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* not installable here */ });
  }
})();
