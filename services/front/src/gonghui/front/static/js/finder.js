// The station finder: the phone's position into the form, and the results on a Leaflet map.
(function () {
  "use strict";
  var form = document.getElementById("finder-form");
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");

  if (locate && form) {
    locate.addEventListener("click", function () {
      window.gonghuiLocate(form, status, "输入地址", function () {
        form.elements.q.value = "";
        form.submit();
      });
    });
    // Typing an address replaces a position found earlier.
    form.elements.q.addEventListener("input", function () {
      form.elements.lat.value = "";
      form.elements.lon.value = "";
    });
  }

  var data = document.getElementById("map-data");
  var element = document.getElementById("map");
  if (!data || !element || typeof L === "undefined") {
    return;
  }
  var map_ = JSON.parse(data.textContent);
  if (!map_.center || !map_.tiles) {
    return;
  }
  var map = L.map(element, { zoomControl: true }).setView(map_.center, 14);
  var tiles = L.tileLayer(map_.tiles, {
    subdomains: "1234",
    maxZoom: 18,
    attribution: map_.attribution
  });
  var failed = false;
  tiles.on("tileerror", function () {
    if (!failed) {
      failed = true;
      element.classList.add("tiles-failed");
    }
  });
  tiles.addTo(map);
  L.circleMarker(map_.center, { radius: 7, color: "#1d4ed8", fillOpacity: 0.9 })
    .addTo(map)
    .bindTooltip("您的位置");
  var bounds = [map_.center];
  map_.markers.forEach(function (station) {
    var point = [station.lat, station.lon];
    bounds.push(point);
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/stations/" + encodeURIComponent(station.code);
    link.textContent = station.name;
    var phrase = document.createElement("div");
    phrase.textContent = station.phrase;
    popup.appendChild(link);
    popup.appendChild(phrase);
    L.marker(point, { title: station.name, alt: station.name }).addTo(map).bindPopup(popup);
  });
  if (bounds.length > 1) {
    // Markers are drawn above their point: more room at the top keeps them inside.
    map.fitBounds(bounds, { paddingTopLeft: [24, 48], paddingBottomRight: [24, 16], maxZoom: 16 });
  }
})();
