// The browser-side widgets in the page's language: select2's messages and
// moment's month and day names come from their locale files (loaded before
// this one); the date pickers' button labels come from our catalogue.
//
// Typed dates: the picker re-parses the field on every key and writes back
// what it made of it, so typing "2026-11-24 09:30" produced "0002-01-01 …"
// after the first "2". Here a key only moves the calendar, and only once
// the text reads as a whole date (the ways people type them, 1900–2100);
// otherwise the text is left as typed and the server says what is wrong.
(function ($) {
  "use strict";
  var data = document.getElementById("gridadmin-i18n");
  var labels = data ? JSON.parse(data.textContent) : {};
  if (window.moment && labels.moment) {
    window.moment.locale(labels.moment);
  }
  var TYPED = [
    "YYYY-M-D H:m:s", "YYYY-M-D H:m", "YYYY-M-D", "YYYY/M/D H:m:s", "YYYY/M/D H:m", "YYYY/M/D",
    "YYYY.M.D H:m", "YYYY.M.D", "YYYY年M月D日 H:m", "YYYY年M月D日", "YYYY-M-DTH:m:s", "YYYY-M-DTH:m"
  ];
  var SEPARATOR = /\s+to\s+|\s*[至~～]\s*/;

  function typedDate(text) {
    var value = window.moment(text.trim(), TYPED, true);
    return value.isValid() && value.year() >= 1900 && value.year() <= 2100 ? value : null;
  }

  function followTyping($input, picker) {
    $input.off("keyup.daterangepicker").on("keyup.daterangepicker", function () {
      var parts = picker.singleDatePicker ? [$input.val()] : $input.val().split(SEPARATOR);
      if (parts.length !== (picker.singleDatePicker ? 1 : 2)) { return; }
      var found = $.map(parts, function (part) { return typedDate(part) || undefined; });
      if (found.length !== parts.length || found[found.length - 1].isBefore(found[0])) { return; }
      picker.startDate = found[0];
      picker.endDate = found[found.length - 1];
      picker.updateCalendars();  // the input itself is left as typed until the picker closes
    });
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
        var result = original.call(this, merged, callback);
        this.each(function () {
          var $input = $(this), picker = $input.data("daterangepicker");
          if (picker && $input.is("input")) { followTyping($input, picker); }
        });
        return result;
      };
    }
  });
})(jQuery);
