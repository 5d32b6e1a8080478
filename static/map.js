/* Draws the hosts of a page on a map (Leaflet, vendored). Progressive: the page lists the same
   hosts without it. Reads [data-map-points] boxes: JSON [{name, url, lat, lon, exact, area, town}]. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var boxes = document.querySelectorAll("[data-map-points]");
  Array.prototype.forEach.call(boxes, function (box) {
    var points;
    try { points = JSON.parse(box.getAttribute("data-map-points") || "[]"); } catch (e) { return; }
    var tiles = box.getAttribute("data-map-tiles");
    if (!points.length || !tiles) { return; }
    box.hidden = false;
    var holder = document.createElement("div");
    holder.className = "map";
    holder.setAttribute("role", "region");
    holder.setAttribute("aria-label", box.getAttribute("data-map-label") || "Map");
    box.appendChild(holder);
    var map = L.map(holder, { scrollWheelZoom: false });
    L.tileLayer(tiles, {
      maxZoom: 18,
      attribution: box.getAttribute("data-map-attribution") || ""
    }).addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.name;
      popup.appendChild(link);
      var note = document.createElement("p");
      note.textContent = (point.town ? point.town + " · " : "") +
        box.getAttribute(point.exact ? "data-map-exact" : point.area ? "data-map-area" : "data-map-town");
      popup.appendChild(note);
      L.marker([point.lat, point.lon], { title: point.name, alt: point.name })
        .bindPopup(popup).addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    var place = box.getAttribute("data-map-place");
    if (place) {
      try {
        place = JSON.parse(place);
        L.circleMarker([place.lat, place.lon], { radius: 6 }).addTo(map);
        bounds.push([place.lat, place.lon]);
      } catch (e) { /* no place marker */ }
    }
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 11 });
  });
}());
