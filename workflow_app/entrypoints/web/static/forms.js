// Task forms in the browser (docs/ui.md "Task forms"): the schema's conditional rules applied live, and
// rows of tables and lists added and removed. The form works without this script too: every field is
// shown, tables offer blank rows, and the server's validation decides.
(function () {
  function valueOf(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.disabled) continue;
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) return el.value; }
      else if (el.value !== "") return el.value;
    }
    return "";
  }
  function holds(form, alternatives) {
    return alternatives.some(function (alt) {
      return alt.all.every(function (test) {
        var v = valueOf(form, test.field);
        if (test.present) return v !== "";
        if (test.absent) return v === "";
        if (v === "") return false;  // an unanswered question applies no branch
        var inside = test.values.indexOf(v) >= 0;
        return test.negate ? !inside : inside;
      });
    });
  }
  function apply(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var show = holds(form, JSON.parse(box.dataset.showWhen));
      box.hidden = !show;
      box.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (el.dataset.locked === undefined) el.dataset.locked = el.disabled ? "1" : "";
        el.disabled = !show || el.dataset.locked === "1";
      });
    });
    form.querySelectorAll("[data-required-when]").forEach(function (box) {
      var mark = box.querySelector(":scope > .label .req");
      if (mark) mark.hidden = !holds(form, JSON.parse(box.dataset.requiredWhen)) && !box.dataset.alwaysRequired;
    });
  }
  function rows(form, path) {
    return form.querySelector('[data-repeat="' + path + '"]');
  }
  function addRow(form, path) {
    var tpl = form.querySelector('template[data-row-template="' + path + '"]');
    var box = rows(form, path);
    if (!tpl || !box) return;
    var index = Number(box.dataset.next || box.querySelectorAll(".repeat-row").length);
    box.dataset.next = index + 1;
    var html = tpl.innerHTML.split("__INDEX__").join(String(index));
    var holder = document.createElement(box.tagName === "TABLE" ? "tbody" : "ul");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    (box.tBodies ? box.tBodies[0] : box).appendChild(row);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
  }
  function setup(root) {
    root.querySelectorAll("form[data-live-rules]").forEach(function (form) {
      form.querySelectorAll(".add-row, .remove-row").forEach(function (b) { b.hidden = false; });
      form.querySelectorAll("[data-required-when]").forEach(function (box) {
        var mark = box.querySelector(":scope > .label .req");
        if (mark && !mark.hidden) box.dataset.alwaysRequired = "1";
      });
      apply(form);
      if (form.dataset.liveBound) return;
      form.dataset.liveBound = "1";
      form.addEventListener("change", function () { apply(form); });
      form.addEventListener("click", function (e) {
        var add = e.target.closest(".add-row");
        if (add) { e.preventDefault(); addRow(form, add.dataset.addRow); apply(form); return; }
        var remove = e.target.closest(".remove-row");
        if (remove) { e.preventDefault(); remove.closest(".repeat-row").remove(); apply(form); }
      });
    });
  }
  setup(document);
  document.body.addEventListener("htmx:afterSwap", function (e) { setup(e.target.parentNode || document); });
})();
