// The dashboard's charts (templates/web/leadership/dashboard.html): each [data-chart] element fetches its
// figure from /dashboard/<chart>.json and draws it with ECharts (served from node_modules, /vendor/echarts/).
// Every point of the JSON carries the link of the list behind it: clicking a bar or a slice goes there.
(function () {
  "use strict";

  function option(chart) {
    var tooltip = { trigger: chart.type === "pie" ? "item" : "axis", confine: true };
    if (chart.type === "pie") {
      return {
        tooltip: tooltip,
        legend: { type: "scroll", bottom: 0 },
        series: [{ type: "pie", radius: ["30%", "62%"], center: ["50%", "44%"], data: chart.series[0].data,
                   label: { formatter: "{b}: {c}" } }]
      };
    }
    var category = { type: "category", data: chart.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var value = { type: "value", name: chart.unit, minInterval: chart.unit === "%" ? 0 : 1 };
    var many = chart.legend || chart.series.length > 1;
    return {
      tooltip: tooltip,
      legend: many ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: chart.horizontal ? 130 : 48, right: 24, top: 32, bottom: many ? 56 : 40, containLabel: false },
      xAxis: chart.horizontal ? value : category,
      yAxis: chart.horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: chart.series.map(function (s) {
        return { name: s.name, type: chart.type === "line" ? "line" : "bar", stack: s.stack, data: s.data,
                 barMaxWidth: 36, emphasis: { focus: "series" }, cursor: "pointer" };
      })
    };
  }

  function draw(element) {
    var card = element.closest(".chart-card");
    fetch(element.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (chart) {
        if (chart.as_of_text) {  // a snapshot figure: the instant it stands at
          var asOf = card.querySelector(".chart-asof");
          asOf.textContent = chart.as_of_text;
          asOf.hidden = false;
        }
        if (chart.empty) {
          element.hidden = true;
          card.querySelector(".chart-empty").hidden = false;
          return;
        }
        var instance = echarts.init(element, null, { renderer: "canvas" });
        // data-drawn once the (short) entry animation is over: what a print or a screenshot waits for
        instance.on("finished", function () { element.dataset.drawn = "true"; });
        instance.setOption(Object.assign({ animationDuration: 400 }, option(chart)));
        instance.on("click", function (params) {
          if (params.data && params.data.link) { window.location.href = params.data.link; }
        });
        window.addEventListener("resize", function () { instance.resize(); });
      })
      .catch(function () {
        element.hidden = true;
        var empty = card.querySelector(".chart-empty");
        empty.textContent = empty.dataset.error;
        empty.hidden = false;
      });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
