(function () {
  "use strict";
  var d = document, each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  d.documentElement.className += " js";

  function key(row, i) {
    var c = row.cells[i];
    if (!c) { return ""; }
    var s = c.getAttribute("data-sort");
    return s !== null ? s : c.textContent.replace(/\s+/g, " ").trim().toLowerCase();
  }
  function isNum(x) { return x !== "" && isFinite(x); }
  function sortBy(table, i, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var asc = th.getAttribute("aria-sort") !== "ascending";
    each(table.tHead.querySelectorAll("th[aria-sort]"), function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, i), y = key(b, i), r;
      if (isNum(x) && isNum(y)) { r = parseFloat(x) - parseFloat(y); }
      else { r = x < y ? -1 : (x > y ? 1 : 0); }
      return asc ? r : -r;
    });
    each(rows, function (r) { body.appendChild(r); });
  }
  each(d.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) { return; }
    var head = table.tHead.rows[table.tHead.rows.length - 1];
    each(head.cells, function (th, i) {
      if (th.hasAttribute("data-nosort")) { return; }
      var b = d.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.title = "Sort by this column";
      while (th.firstChild) { b.appendChild(th.firstChild); }
      th.appendChild(b);
      b.addEventListener("click", function () { sortBy(table, i, th); });
    });
  });

  each(d.querySelectorAll("[data-filters]"), function (box) {
    var table = d.getElementById(box.getAttribute("data-filters"));
    if (!table || !table.tBodies[0]) { return; }
    var controls = box.querySelectorAll("input, select"), out = box.querySelector(".shown");
    function apply() {
      var rows = table.tBodies[0].rows, n = 0;
      for (var r = 0; r < rows.length; r++) {
        var row = rows[r], ok = true;
        for (var k = 0; k < controls.length && ok; k++) {
          var c = controls[k], v = c.value.trim().toLowerCase(), what = c.getAttribute("data-key");
          if (!v) { continue; }
          if (what === "text") { ok = row.textContent.toLowerCase().indexOf(v) >= 0; }
          else { ok = (" " + (row.getAttribute("data-" + what) || "") + " ").indexOf(" " + v + " ") >= 0; }
        }
        row.hidden = !ok;
        if (ok) { n++; }
      }
      if (out) { out.textContent = n + " of " + rows.length + " shown"; }
    }
    each(controls, function (c) {
      c.addEventListener("input", apply);
      c.addEventListener("change", apply);
    });
    apply();
  });

  window.addEventListener("beforeprint", function () {
    each(d.querySelectorAll("details"), function (x) { x.open = true; });
  });
})();
