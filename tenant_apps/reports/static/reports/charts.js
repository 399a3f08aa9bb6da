// Draws the report's charts from the JSON the page carries (#report-charts), on load and
// after htmx swaps in new figures. The figures are the tables' own; no inline script or style.
(function () {
  "use strict";

  var COLOURS = ["#2f6fde", "#e0703a", "#2a9d6f", "#b04fc4", "#c9a227", "#5b6b7f", "#d64561", "#3bb0c9"];
  var drawn = {};

  function dataset(series, index, chart) {
    var colour = COLOURS[index % COLOURS.length];
    return {
      label: series.label,
      data: series.data,
      borderColor: colour,
      backgroundColor: chart.type === "line" ? colour : colour + "cc",
      borderWidth: 2,
      pointRadius: 2,
      spanGaps: true,
      tension: 0.2,
    };
  }

  function config(chart) {
    var valueAxis = {
      stacked: chart.stacked,
      beginAtZero: true,
      max: chart.top === null ? undefined : chart.top,
      title: { display: Boolean(chart.unit), text: chart.unit },
    };
    var labelAxis = { stacked: chart.stacked };
    return {
      type: chart.type,
      data: { labels: chart.labels, datasets: chart.datasets.map(function (s, i) { return dataset(s, i, chart); }) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: chart.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: chart.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { position: "bottom" } },
      },
    };
  }

  function drawAll() {
    var source = document.getElementById("report-charts");
    if (!source || typeof window.Chart === "undefined") return;
    JSON.parse(source.textContent).forEach(function (chart) {
      var canvas = document.querySelector('canvas[data-chart="' + chart.id + '"]');
      if (!canvas) return;
      if (drawn[chart.id]) drawn[chart.id].destroy();
      drawn[chart.id] = new window.Chart(canvas, config(chart));
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
