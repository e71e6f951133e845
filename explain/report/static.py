"""The report's stylesheet and the overview table's script, written beside the pages (no server, no CDN).

The script builds the prediction table from ``assets/rows-*.js`` (the rows as data) with ``textContent`` only,
so nothing a record holds is ever parsed as markup; it sorts, filters and pages the rows and says how many
are shown of how many."""

CSS = """
:root{--ok:#186a3b;--bad:#a93226;--muted:#666;--line:#ddd;--pos:#1f5fa8;--neg:#b03a2e}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#222;line-height:1.4}
header{background:#f4f4f4;border-bottom:1px solid var(--line);padding:.5em 2em}
header a{margin-right:1.2em}
main{padding:0 2em 3em;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em}
section{border-top:1px solid var(--line);margin-top:1em}
.toc ol{display:flex;flex-wrap:wrap;gap:.3em 1.4em;list-style:none;padding:0;margin:.3em 0}
.note{color:var(--muted);font-size:.9em}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:#7d6608}
.badge{display:inline-block;padding:0 .45em;border-radius:.3em;font-size:.85em;border:1px solid currentColor}
table{border-collapse:collapse;font-size:.88em;margin:.4em 0}
td,th{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
td.r,th.r{text-align:right}
.n{font-variant-numeric:tabular-nums;white-space:nowrap}
tr.group td{font-style:italic;color:#444}
tr.total td{font-weight:600;border-top:2px solid #999}
tr.absent td{color:var(--muted)}
tr.hit td{background:#fff6d5}
.pos{color:var(--pos)}.neg{color:var(--neg)}
.bar{display:inline-block;height:.7em;vertical-align:middle}
.bar.pos{background:var(--pos)}.bar.neg{background:var(--neg)}
figure{display:inline-block;margin:0 .8em .8em 0;text-align:center;font-size:.8em;vertical-align:top}
img.pic{max-width:180px;max-height:180px;width:auto;height:auto;image-rendering:pixelated;border:1px solid #999}
img.thumb{max-width:72px;max-height:72px;width:auto;height:auto;image-rendering:pixelated;border:1px solid #999}
img.plot{max-width:100%;height:auto;border:0}
.tokens{display:flex;flex-wrap:wrap;gap:2px;font-family:ui-monospace,monospace;font-size:.9em;margin:.4em 0}
.tok{border:1px solid var(--line);padding:1px 4px;border-radius:3px;text-align:center;min-width:1.4em}
.tok small{display:block;color:var(--muted);font-size:.7em}
.tok.here{outline:2px solid #222}
.tok.unread{opacity:.45}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;overflow-x:auto}
pre.text .ws{color:#aaa}
.controls{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:center;margin:.6em 0}
#pager button{margin-right:.4em}
th.sortable{cursor:pointer;text-decoration:underline dotted}
.board svg{width:320px;height:320px}
table.seq td,table.seq th{text-align:center;font-family:ui-monospace,monospace;min-width:1.6em}
table.seq td.here{outline:2px solid #222;outline-offset:-2px}
table.seq td.bad{background:#f8d7d3;color:var(--bad);font-weight:600}
table.seq td.ok{color:var(--ok)}
table.seq td.nolabel{color:var(--muted)}
table.seq td.unread{opacity:.45}
table.grid td,table.grid th{font-family:ui-monospace,monospace;font-size:.85em;text-align:center;padding:1px 5px}
table.grid tbody th{text-align:left}
table.grid th small{display:block;color:var(--muted);font-size:.75em}
table.grid .here{background:#fff6d5}
table.grid tr.ev th{background:#e8f0fb}
pre.code{margin:0;padding:.2em .4em;font-size:.85em}
.scroll{overflow-x:auto}
svg.heads text{font:12px ui-monospace,monospace}
svg.heads .pos{fill:#888;font-size:10px}
svg.heads .result{fill:#444}
svg.heads .none{fill:#999;font-size:10px}
pre.text{overflow-wrap:anywhere}
.highlighttable pre{white-space:pre;line-height:125%;margin:0}
.highlighttable td.code{max-width:1000px;overflow-x:auto}
details{margin:.5em 0}
"""

OVERVIEW_JS = r"""
(function () {
  "use strict";
  var rows = window.ZOO_ROWS || [];
  var body = document.getElementById("rows-body");
  var count = document.getElementById("rows-count");
  var pageInfo = document.getElementById("page-info");
  var outcome = document.getElementById("f-outcome");
  var klass = document.getElementById("f-class");
  var search = document.getElementById("f-search");
  var size = 50, page = 0, key = "i", ascending = true;
  // no probability column where the outputs are not a distribution (CBC's agreements)
  var withProbability = document.querySelector('th[data-key="probability"]') !== null;

  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }
  function fmt(v) {
    if (v === null || v === undefined) { return "\u2014"; }
    if (typeof v === "number") { return Number(v.toPrecision(4)).toString(); }
    return String(v);
  }
  function matches(r) {
    var o = outcome.value, c = klass.value, q = search.value.toLowerCase();
    if (o === "wrong" && r.correct !== false) { return false; }
    if (o === "correct" && r.correct !== true) { return false; }
    if (o === "unlabelled" && r.correct !== null) { return false; }
    if (o === "incomplete" && r.complete) { return false; }
    if (c && r.predicted !== c && r.target !== c) { return false; }
    if (q && String(r.id).toLowerCase().indexOf(q) < 0) { return false; }
    return true;
  }
  function compare(a, b) {
    var x = a[key], y = b[key];
    if (x === null || x === undefined) { return 1; }
    if (y === null || y === undefined) { return -1; }
    if (x < y) { return ascending ? -1 : 1; }
    if (x > y) { return ascending ? 1 : -1; }
    return a.i - b.i;
  }
  function render() {
    var shown = rows.filter(matches).sort(compare);
    var pages = Math.max(1, Math.ceil(shown.length / size));
    page = Math.min(page, pages - 1);
    var start = page * size, end = Math.min(shown.length, start + size);
    while (body.firstChild) { body.removeChild(body.firstChild); }
    shown.slice(start, end).forEach(function (r) {
      var tr = document.createElement("tr");
      var td = document.createElement("td");
      var a = document.createElement("a");
      a.href = r.page; a.textContent = r.id; td.appendChild(a); tr.appendChild(td);
      tr.appendChild(cell(r.predicted));
      tr.appendChild(cell(r.target === null ? "\u2014" : r.target));
      tr.appendChild(cell(r.correct === null ? "\u2014" : (r.correct ? "right" : "wrong"),
                          r.correct === null ? "" : (r.correct ? "ok" : "bad")));
      if (withProbability) { tr.appendChild(cell(fmt(r.probability), "r n")); }
      tr.appendChild(cell(fmt(r.value), "r n"));
      tr.appendChild(cell(r.runner_up === null ? "\u2014" : r.runner_up));
      tr.appendChild(cell(fmt(r.margin), "r n"));
      tr.appendChild(cell(r.complete ? "yes" : "no", r.complete ? "" : "warn"));
      body.appendChild(tr);
    });
    count.textContent = shown.length ? ("Showing " + (start + 1) + "\u2013" + end + " of " + shown.length +
      " matching prediction(s); " + rows.length + " in all.") : ("No prediction matches; " + rows.length + " in all.");
    pageInfo.textContent = "page " + (page + 1) + " of " + pages;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }
  function sortBy(k, asc) { key = k; ascending = asc; page = 0; render(); }
  Array.prototype.forEach.call(document.querySelectorAll("th[data-key]"), function (th) {
    th.className = "sortable";
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-key");
      sortBy(k, key === k ? !ascending : true);
    });
  });
  [outcome, klass].forEach(function (el) { el.addEventListener("change", function () { page = 0; render(); }); });
  search.addEventListener("input", function () { page = 0; render(); });
  document.getElementById("prev").addEventListener("click", function () { page -= 1; render(); });
  document.getElementById("next").addEventListener("click", function () { page += 1; render(); });
  document.getElementById("wrong-first").addEventListener("click", function () { sortBy("wrong", false); });
  document.getElementById("least-certain").addEventListener("click", function () { sortBy("margin", true); });
  document.getElementById("in-order").addEventListener("click", function () {
    outcome.value = ""; klass.value = ""; search.value = ""; sortBy("i", true);
  });
  render();
})();
"""
