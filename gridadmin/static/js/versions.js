// Deletes and bulk actions carry the version of each record as the page
// showed it, so a record someone changed since is not deleted or acted on
// unseen (the server refuses and says who changed it). The versions come
// from the page (#gridadmin-versions: {id: version}).
(function () {
  "use strict";
  var data = document.getElementById("gridadmin-versions");
  var versions = data ? JSON.parse(data.textContent) : {};

  function addHidden(form, name, value) {
    var old = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (old) { old.parentNode.removeChild(old); }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM") { return; }
    var single = form.querySelector('input[name="id"]');
    if (single && versions.hasOwnProperty(single.value) && !form.querySelector('input[name="version"]')) {
      addHidden(form, "version", versions[single.value]);  // a delete button
    }
    var rows = form.querySelectorAll('input[name="rowid"]');
    for (var i = 0; i < rows.length; i++) {
      if (versions.hasOwnProperty(rows[i].value)) {
        addHidden(form, "version-" + rows[i].value, versions[rows[i].value]);  // a bulk action
      }
    }
  }, true);
})();
