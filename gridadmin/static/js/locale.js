// The browser-side widgets in the page's language: select2's messages and
// moment's month and day names come from their locale files (loaded before
// this one); the date pickers' button labels come from our catalogue.
(function ($) {
  "use strict";
  var data = document.getElementById("gridadmin-i18n");
  var labels = data ? JSON.parse(data.textContent) : {};
  if (window.moment && labels.moment) {
    window.moment.locale(labels.moment);
  }
  // daterangepicker.js loads after us and hard-codes English button labels:
  // wrap it as it is defined, adding our labels to every picker's options.
  var wrapped;
  Object.defineProperty($.fn, "daterangepicker", {
    configurable: true,
    get: function () { return wrapped; },
    set: function (original) {
      wrapped = function (options, callback) {
        var merged = $.extend(true, {locale: labels.daterangepicker || {}}, options || {});
        return original.call(this, merged, callback);
      };
    }
  });
})(jQuery);
