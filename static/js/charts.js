// Draws the statistics charts with Apache ECharts from data the server put in data-* attributes
// (data-chart: the chart as JSON) or serves at a JSON address (data-chart-src). No inline scripts.
(function () {
  "use strict";

  var GRID = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };

  function stacked(spec) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: GRID,
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "cases", data: s.data };
      })
    };
  }

  function bars(spec) {
    return {
      tooltip: { trigger: "axis" },
      grid: GRID,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: spec.categories, inverse: true },
      series: [{ type: "bar", data: spec.data, label: { show: true, position: "right" } }]
    };
  }

  function funnel(spec) {
    return {
      tooltip: { trigger: "item" },
      series: [{
        type: "funnel", sort: "none", left: "10%", width: "80%", top: 8, bottom: 8,
        label: { show: true, position: "inside", formatter: "{b}: {c}" }, data: spec.data
      }]
    };
  }

  function heatmap(spec) {
    return {
      tooltip: { position: "top" },
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: spec.x, splitArea: { show: true }, axisLabel: { interval: 0 } },
      yAxis: { type: "category", data: spec.y, splitArea: { show: true } },
      visualMap: {
        min: 0, max: Math.max(spec.max, 1), orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#fff5f0", "#fb6a4a", "#a50f15"] }
      },
      series: [{ type: "heatmap", data: spec.data, label: { show: true } }]
    };
  }

  function line(spec) {
    return {
      tooltip: { trigger: "axis" },
      grid: GRID,
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ name: spec.name, type: "line", data: spec.data, label: { show: true } }]
    };
  }

  var KINDS = { stacked: stacked, bar: bars, funnel: funnel, heatmap: heatmap, line: line };

  function show(element, spec) {
    var build = KINDS[spec.kind];
    if (!build) { return; }
    var chart = window.echarts.init(element);
    chart.setOption(build(spec));
    element.setAttribute("data-drawn", "true");
  }

  function draw(element) {
    if (!window.echarts || element.hasAttribute("data-drawn")) { return; }
    var src = element.getAttribute("data-chart-src");
    if (src) {
      fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (spec) { show(element, spec); });
    } else {
      show(element, JSON.parse(element.getAttribute("data-chart")));
    }
  }

  function drawAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-chart], [data-chart-src]"), draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // A period or dimension chosen through htmx swaps the statistics in: draw the new charts.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-drawn]"), function (element) {
      var chart = window.echarts && window.echarts.getInstanceByDom(element);
      if (chart) { chart.resize(); }
    });
  });
})();
