// htmx settings and small helpers of the case-routing UI.
(function () {
  if (window.htmx) {
    // Swap validation (422) and conflict/forbidden answers too: the server sends fragments for them.
    htmx.config.responseHandling = [
      {code: "204", swap: false},
      {code: "[23]..", swap: true},
      {code: "(401|403|404|409|422|429)", swap: true, error: false},
      {code: "[45]..", swap: false, error: true}
    ];
    htmx.config.historyCacheSize = 0;
  }
  document.body.addEventListener("inbox-changed", function () {
    var list = document.getElementById("inbox-list");
    if (list && window.htmx) htmx.ajax("GET", location.pathname + location.search, {target: "#inbox-list", headers: {"HX-Target": "inbox-list"}});
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<div class="flash error" role="alert">请求失败（' + e.detail.xhr.status + '），请刷新页面后重试</div>';
  });
  // Live countdown to a statutory due time (days, hours, minutes), counted on the server's clock: the page
  // carries the server's "now", and the browser only adds the time elapsed since the page was loaded.
  var serverNow = Date.parse(document.body.dataset.serverNow || "");
  var skew = serverNow ? serverNow - Date.now() : 0;
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (!due) return;
      var ms = due - (Date.now() + skew), late = ms < 0; ms = Math.abs(ms);
      var d = Math.floor(ms / 86400000), h = Math.floor(ms % 86400000 / 3600000), m = Math.floor(ms % 3600000 / 60000);
      var zh = document.documentElement.lang !== "en";
      var text = zh ? (d + "天" + h + "小时" + m + "分") : (d + "d " + h + "h " + m + "m");
      el.textContent = late ? (zh ? "已超出 " : "over by ") + text : (zh ? "距到期 " : "due in ") + text;
    });
  }
  tick(); setInterval(tick, 30000);
  document.body.addEventListener("htmx:afterSwap", tick);
})();

// Printing a case page shows what folded sections hold (the receipt's text, a decision's details): a
// printed case file is read without clicking (docs/ui.md "Printing").
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details:not([open])").forEach((d) => { d.open = true; d.dataset.printOpened = "1"; });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details[data-print-opened]").forEach((d) => { d.open = false; delete d.dataset.printOpened; });
});
