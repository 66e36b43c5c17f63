// The services map: Leaflet (served by the site) over the tile server the
// settings name; the markers come from a JSON block in the page. Popups are
// built as DOM nodes, so names are never parsed as HTML.
(function () {
  "use strict";
  var element = document.getElementById("service-map");
  var data = document.getElementById("service-markers");
  if (!element || !data || typeof L === "undefined") { return; }
  var markers = JSON.parse(data.textContent);
  if (!markers.length) { return; }
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: element.dataset.attribution || ""
  }).addTo(map);
  var bounds = [];
  markers.forEach(function (item) {
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.name;
    var where = document.createElement("div");
    where.textContent = item.where;
    popup.appendChild(link);
    popup.appendChild(where);
    L.circleMarker([item.lat, item.lon], {
      radius: 8, color: "#004d99", weight: 2, fillColor: "#0066cc", fillOpacity: 0.8
    }).bindPopup(popup).addTo(map);
    bounds.push([item.lat, item.lon]);
  });
  if (bounds.length === 1) {
    map.setView(bounds[0], 14);
  } else {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
  }
})();
