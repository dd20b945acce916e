/* Draws the charts of a page with Apache ECharts (vendor/echarts, loaded only where a page has
   charts: core/includes/chart_scripts.html).

   Each chart is a box <div data-chart="ID" hidden> and a <script type="application/json"
   id="ID"> that sscard.core.charts wrote: {locale, unit, option}. The option is plain JSON, its
   words already in the page's language; this file only adds what JSON cannot say (the unit
   after a tooltip's number). The box stays hidden when there is no JavaScript: the table beside
   it carries the same numbers. No inline script anywhere (the Content-Security-Policy). */
(function () {
  "use strict";

  var drawn = [];

  function draw(box) {
    if (box.dataset.chartDrawn || typeof echarts === "undefined") {
      return;
    }
    var source = document.getElementById(box.dataset.chart);
    if (!source) {
      return;
    }
    var payload = JSON.parse(source.textContent);
    var option = payload.option;
    if (payload.unit && option.tooltip) {
      option.tooltip.valueFormatter = function (value) {
        return value === null || value === undefined ? "—" : value + " " + payload.unit;
      };
    }
    box.hidden = false;
    box.dataset.chartDrawn = "1";
    fitNarrow(option, box.clientWidth);
    var chart = echarts.init(box, null, { renderer: "canvas", locale: payload.locale });
    chart.setOption(option);
    drawn.push(chart);
  }

  /* On a phone a pie's names would run past the box and a bar's names squeeze the bars: the
     pie shows its shares inside (the legend and the table name the parts), the names beside
     bars take at most a third of the box. */
  function fitNarrow(option, width) {
    if (width >= 480) {
      return;
    }
    (option.series || []).forEach(function (series) {
      if (series.type === "pie") {
        series.radius = ["30%", "70%"];
        series.label = { position: "inside", formatter: "{d}%", color: "#fff" };
      }
    });
    var axis = option.yAxis;
    if (axis && axis.type === "category" && axis.axisLabel && axis.axisLabel.width) {
      axis.axisLabel.width = Math.min(axis.axisLabel.width, Math.round(width / 3));
    }
  }

  function drawAll(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.matches && root.matches("[data-chart]")) {
      boxes.push(root);
    }
    boxes.forEach(draw);
  }

  var pending = null;
  function resizeAll() {
    // one resize per frame however many events the window sends
    if (pending !== null) {
      return;
    }
    pending = window.requestAnimationFrame(function () {
      pending = null;
      drawn = drawn.filter(function (chart) {
        if (chart.isDisposed() || !document.body.contains(chart.getDom())) {
          if (!chart.isDisposed()) {
            chart.dispose();
          }
          return false;
        }
        chart.resize();
        return true;
      });
    });
  }

  if (window.htmx) {
    htmx.onLoad(drawAll);
  } else {
    drawAll(document);
  }
  window.addEventListener("resize", resizeAll);
})();
