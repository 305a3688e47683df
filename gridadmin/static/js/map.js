// The map page: grid boundaries and open tickets within the user's scope,
// fetched for the view as it moves (the server bounds how many). Tiles only
// when configured; without them, a plain background and no request leaves
// the machine. Positions are stored in WGS-84; for GCJ-02 tiles (most
// Chinese providers) they are shifted with gcoord before drawing.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var settings = JSON.parse(element.dataset.settings);
  settings.labels = JSON.parse(document.getElementById("map-labels").textContent);
  // Flask-Admin's base template writes <html> without a language: name it,
  // so screen readers read the page (and the map's labels) as Chinese.
  if (!document.documentElement.lang) { document.documentElement.lang = settings.lang; }
  var status = document.getElementById("map-status");
  var shift = settings.tiles.coords === "gcj02" && window.gcoord
    ? function (lng, lat) { return window.gcoord.transform([lng, lat], window.gcoord.WGS84, window.gcoord.GCJ02); }
    : function (lng, lat) { return [lng, lat]; };
  var unshift = settings.tiles.coords === "gcj02" && window.gcoord
    ? function (lng, lat) { return window.gcoord.transform([lng, lat], window.gcoord.GCJ02, window.gcoord.WGS84); }
    : function (lng, lat) { return [lng, lat]; };
  var colours = {red: "#c82333", yellow: "#e0a800", green: "#1e7e34", none: "#0062cc"};

  var map = L.map(element, {zoomControl: false, attributionControl: true, worldCopyJump: false});
  L.control.zoom({zoomInTitle: settings.labels.zoom_in, zoomOutTitle: settings.labels.zoom_out}).addTo(map);
  map.attributionControl.setPrefix(false);  // no link off the machine in the corner
  settings.tiles.layers.forEach(function (layer) {
    L.tileLayer(layer.url, {subdomains: layer.subdomains, attribution: layer.attribution, maxZoom: 18}).addTo(map);
  });
  var boundaries = L.geoJSON(null, {
    coordsToLatLng: function (c) { var p = shift(c[0], c[1]); return L.latLng(p[1], p[0]); },
    style: {color: "#6f42c1", weight: 2, fillOpacity: 0.05},
    onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); }
  }).addTo(map);
  var tickets = L.layerGroup().addTo(map);

  function popup(t) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("strong");
    title.textContent = t.number + " " + t.title;
    box.appendChild(title);
    [t.grid, t.status, t.light_label + (t.due ? " · " + t.due : "")].forEach(function (text) {
      if (!text) { return; }
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    var link = document.createElement("a");
    link.href = t.url;
    link.textContent = settings.labels.open;
    box.appendChild(link);
    return box;
  }

  var pending = null;
  function load() {
    var b = map.getBounds();
    var sw = unshift(b.getWest(), b.getSouth()), ne = unshift(b.getEast(), b.getNorth());
    var url = settings.data + "?bbox=" + [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(6); }).join(",");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    element.dataset.loaded = "0";
    fetch(url, {credentials: "same-origin", signal: pending.signal})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        boundaries.clearLayers();
        boundaries.addData(data.boundaries);
        tickets.clearLayers();
        data.tickets.forEach(function (t) {
          var p = shift(t.lng, t.lat);
          L.circleMarker([p[1], p[0]], {radius: 9, weight: 2, color: "#fff", fillColor: colours[t.light] || colours.none,
                                        fillOpacity: 0.95, className: "ticket-marker light-" + t.light})
            .bindPopup(popup(t)).addTo(tickets);
        });
        status.textContent = data.more ? settings.labels.more : "";
        element.dataset.boundaries = data.boundaries.features.length;
        element.dataset.tickets = data.tickets.length;
        element.dataset.loaded = "1";
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { status.textContent = settings.labels.failed; }
      });
  }

  map.on("moveend", load);
  if (settings.home) {
    var sw = shift(settings.home[0], settings.home[1]), ne = shift(settings.home[2], settings.home[3]);
    map.fitBounds([[sw[1], sw[0]], [ne[1], ne[0]]], {padding: [10, 10]});
  } else {
    map.fitBounds([[18, 73], [54, 135]]);  // the whole country
  }
  window.gridadminMap = {map: map, boundaries: boundaries, tickets: tickets, shift: shift};
})();
