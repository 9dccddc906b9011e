// The dashboard's charts (ECharts) and its map of stations (Leaflet), from the page's own data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];

  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) { return; }
    var made = window.echarts.init(element, null, { renderer: "svg" });
    made.setOption(option);
    charts.push(made);
  }

  var stations = data.charts.stations;
  if (stations) {
    chart("chart-stations", {
      tooltip: { trigger: "item" },
      series: [{
        type: "pie",
        radius: ["40%", "70%"],
        label: { formatter: "{b}：{c}" },
        data: stations.labels.map(function (label, i) { return { name: label, value: stations.values[i] }; })
      }]
    });
  }
  var cases = data.charts.cases;
  if (cases) {
    chart("chart-cases", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 30 },
      xAxis: { type: "category", data: cases.kinds },
      yAxis: { type: "value", minInterval: 1 },
      series: cases.series.map(function (s) { return { name: s.name, type: "bar", data: s.values }; })
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });

  var mapElement = document.getElementById("stations-map");
  if (mapElement && window.L && data.points.length) {
    var map = window.L.map(mapElement, { attributionControl: true });
    if (data.tiles) {
      var subdomains = data.tiles.indexOf("{s}") >= 0 && data.tiles.indexOf("autonavi") >= 0 ? "1234" : "abc";
      window.L.tileLayer(data.tiles, { subdomains: subdomains, attribution: data.attribution, maxZoom: 18 }).addTo(map);
    }
    var bounds = [];
    data.points.forEach(function (p) {
      var color = p.compliant && p.status === "active" ? "#1e7b34" : "#b7791f";
      window.L.circleMarker([p.lat, p.lon], { radius: 7, color: color, fillColor: color, fillOpacity: 0.8 })
        .bindPopup(p.name + "（" + p.code + "）<br>" + p.status_label + (p.compliant ? " · 六有达标" : " · 六有未达标"))
        .addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
  }
})();
