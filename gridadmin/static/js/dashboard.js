/* The dashboard's charts: each [data-chart] element holds what it draws as
   JSON; the same numbers are in the table beside it. Apache ECharts,
   vendored (no CDN). */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var palette = ["#1f5fa8", "#c0392b", "#1e7e34", "#b8860b", "#6f42c1", "#17a2b8", "#6c757d", "#e83e8c",
                 "#20c997", "#fd7e14"];
  function option(spec) {
    var base = { aria: { enabled: true }, color: palette, animation: false, tooltip: {} };
    if (spec.type === "pie") {
      base.tooltip = { trigger: "item" };
      base.legend = { bottom: 0, type: "scroll" };
      base.series = [{ type: "pie", radius: ["35%", "65%"], name: spec.series[0].name,
        data: spec.labels.map(function (label, i) { return { name: label, value: spec.series[0].data[i] }; }) }];
      return base;
    }
    base.tooltip = { trigger: "axis" };
    base.legend = { top: 0, type: "scroll" };
    base.grid = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
    if (spec.type === "line") {
      base.xAxis = { type: "category", data: spec.labels };
      base.yAxis = { type: "value", minInterval: 1 };
      base.series = spec.series.map(function (s) { return { name: s.name, type: "line", data: s.data }; });
    } else {
      base.yAxis = { type: "category", data: spec.labels.slice().reverse(), axisLabel: { width: 90, overflow: "truncate" } };
      base.xAxis = { type: "value", minInterval: 1 };
      base.series = spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data.slice().reverse() };
      });
    }
    return base;
  }
  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el);
    chart.setOption(option(spec));
    charts.push(chart);
    el.setAttribute("data-rendered", "1");
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
