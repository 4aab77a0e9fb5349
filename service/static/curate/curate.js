// The workbench's enhancements; every page works without them (plain forms).
// - a selection in the article text fills the "new" form's words;
// - an edited item is checked at once (POST .../check), its problems shown under it;
// - clicking a highlighted span shows its entry.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const text = document.getElementById("article-text");
  const quote = document.getElementById("new-quote");
  if (text && quote) {
    document.addEventListener("selectionchange", function () {
      const sel = window.getSelection();
      if (!sel || sel.isCollapsed || !text.contains(sel.anchorNode) || !text.contains(sel.focusNode)) return;
      const words = sel.toString();
      if (words.trim()) quote.value = words;
    });
    text.addEventListener("click", function (event) {
      const mark = event.target.closest("mark[data-refs]");
      if (!mark) return;
      const ref = mark.dataset.refs.split(" ")[0];
      const entry = document.getElementById(ref);
      if (entry) entry.scrollIntoView({block: "center"});
    });
  }
  const timers = new WeakMap();
  function check(area) {
    const out = area.closest("form").querySelector("output.live");
    const url = window.location.pathname.replace(/\/$/, "") + "/check";
    fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : ""},
      credentials: "same-origin",
      body: JSON.stringify({entry: area.dataset.entry, yaml: area.value}),
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (!out) return;
      const mine = answer.problems.filter(function (p) { return !p.entry || p.entry === area.dataset.entry || area.dataset.entry.startsWith("suggestion-"); });
      out.textContent = mine.length ? mine.map(function (p) { return p.where + " " + (p.field || "") + ": " + p.message + (p.hint ? " (" + p.hint + ")" : ""); }).join("\n") : "no problems";
      // a place this entry names with no point: not a problem, but the map leaves its events out
      const unmapped = (answer.unmapped || []).filter(function (u) { return new RegExp("(?<![\\w-])" + u.place + "(?![\\w-])").test(area.value); });
      if (unmapped.length) {
        out.textContent += "\nnot on the map: " + unmapped.map(function (u) { return u.place; }).join(", ") + " (no point in registry.yaml)";
      }
      out.className = "live " + (mine.length ? "problem" : "ok");
    }).catch(function () { if (out) out.textContent = "could not check"; });
  }
  document.querySelectorAll("textarea[data-entry]").forEach(function (area) {
    area.addEventListener("input", function () {
      clearTimeout(timers.get(area));
      timers.set(area, setTimeout(function () { check(area); }, 400));
    });
  });
  document.querySelectorAll("input.search").forEach(function (input) {
    input.addEventListener("input", function () {
      const list = document.getElementById(input.getAttribute("list"));
      if (!list || input.value.length < 2) return;
      fetch("/curate/search?kind=" + input.dataset.kind + "&q=" + encodeURIComponent(input.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          list.replaceChildren.apply(list, rows.map(function (row) {
            const option = document.createElement("option");
            option.value = row.id;
            option.textContent = row.label;
            return option;
          }));
        });
    });
  });
  document.documentElement.dataset.workbench = "ready";  // the listeners are in place (tests wait for it)
})();
