(function () {
  "use strict";
  // Draws the vitals widget's chart (uPlot, as the analytics dashboard) from the
  // p75 series the page carries; the tables are rendered by the server.
  function draw() {
    var holder = document.getElementById("vitals-chart");
    var data = document.getElementById("vitals-series");
    if (!holder || !data || typeof uPlot === "undefined") return;
    var series = JSON.parse(data.textContent || "{}");
    var names = ["LCP", "FCP", "INP", "TTFB"].filter(function (n) { return series[n]; });
    if (!names.length) {
      holder.textContent = "No daily p75 yet.";
      return;
    }
    var days = {};
    names.forEach(function (n) { series[n].forEach(function (p) { days[p[0]] = true; }); });
    var xs = Object.keys(days).map(Number).sort(function (a, b) { return a - b; });
    var columns = [xs];
    names.forEach(function (n) {
      var byDay = {};
      series[n].forEach(function (p) { byDay[p[0]] = p[1]; });
      columns.push(xs.map(function (x) { return x in byDay ? byDay[x] : null; }));
    });
    var colours = ["#4f46e5", "#059669", "#d97706", "#dc2626"];
    var opts = {
      width: Math.min(holder.clientWidth || 640, 900), height: 240,
      series: [{}].concat(names.map(function (n, i) {
        return { label: n + " p75 (ms)", stroke: colours[i], width: 2, spanGaps: true };
      })),
      axes: [{}, { label: "ms" }]
    };
    new uPlot(opts, columns, holder);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
