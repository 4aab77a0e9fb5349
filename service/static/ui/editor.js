/* The SPARQL editor's enhancement: CodeMirror 5 over the page's textarea (the form still submits
   by GET), completion of prefixes, classes, properties and entities (by label) read from
   the editor's terms URL, the syntax error marked at its line and column, and the saved questions
   in an examples dialog. Without this script the page is a plain form. */
(function () {
  "use strict";
  var form = document.querySelector("form.editor");
  var area = document.getElementById("query");
  if (!form || !area || typeof CodeMirror === "undefined") { return; }
  var terms = { prefixes: [], "class": [], property: [], entity: [] };
  fetch(form.getAttribute("data-terms"), { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : terms; })
    .then(function (t) { terms = t; })
    .catch(function () { /* no completion from the graph: the editor still works */ })
    .then(function () { form.setAttribute("data-terms-loaded", ""); });  // completion has what it will have

  function hint(cm) {
    var cur = cm.getCursor();
    var line = cm.getLine(cur.line);
    var start = cur.ch;
    while (start > 0 && /[\w:\-]/.test(line.charAt(start - 1))) { start -= 1; }
    var word = line.slice(start, cur.ch);
    if (!word) { return null; }
    var low = word.toLowerCase();
    var before = line.slice(0, start);
    var list = [];
    var afterA = /\sa\s+$/.test(before) || /rdf:type\s+$/.test(before);
    function add(items, kind, test) {
      items.forEach(function (t) {
        if (test(t)) { list.push({ text: t.text, displayText: t.label + "  · " + kind, className: "hint-" + kind }); }
      });
    }
    var startsWith = function (t) { return t.text.toLowerCase().indexOf(low) === 0 || t.text.toLowerCase().indexOf(":" + low) > 0; };
    if (/^prefix\s*$/i.test(before.trim()) || word.indexOf(":") < 0) {
      terms.prefixes.forEach(function (p) {
        if (p.label.toLowerCase().indexOf(low) === 0) { list.push({ text: p.label, displayText: p.label + "  · prefix", className: "hint-prefix" }); }
      });
    }
    add(terms["class"], "class", startsWith);
    if (!afterA) { add(terms.property, "property", startsWith); }
    var entities = terms.entity.filter(function (t) { return low.length > 1 && t.label.toLowerCase().indexOf(low) >= 0; });
    var rank = function (t) { var l = t.label.toLowerCase(); return l === low ? 0 : l.indexOf(low) === 0 ? 1 : 2; };
    entities.sort(function (a, b) { return rank(a) - rank(b) || a.label.length - b.label.length; });
    add(entities, "entity", function () { return true; });
    if (afterA) { list.sort(function (a, b) { return (a.className === "hint-class" ? 0 : 1) - (b.className === "hint-class" ? 0 : 1); }); }
    return { list: list.slice(0, 60), from: CodeMirror.Pos(cur.line, start), to: CodeMirror.Pos(cur.line, cur.ch) };
  }

  var cm = CodeMirror.fromTextArea(area, {
    mode: "application/sparql-query", lineNumbers: true, lineWrapping: true,
    screenReaderLabel: (document.querySelector("label[for=query]") || {}).textContent || "SPARQL query", indentUnit: 2, viewportMargin: Infinity,
    extraKeys: { "Ctrl-Space": "autocomplete", "Ctrl-Enter": function () { form.requestSubmit ? form.requestSubmit() : form.submit(); } },
    hintOptions: { hint: hint, completeSingle: false }
  });
  cm.on("inputRead", function (editor, change) {
    if (change.origin === "+input" && /[\w:]/.test(change.text.join(""))) { editor.showHint({ hint: hint, completeSingle: false }); }
  });

  var errorLine = parseInt(form.getAttribute("data-error-line") || "0", 10);
  if (errorLine > 0 && errorLine <= cm.lineCount()) {
    var l = errorLine - 1;
    var col = Math.max(0, parseInt(form.getAttribute("data-error-column") || "1", 10) - 1);
    var text = cm.getLine(l);
    var end = col;
    while (end < text.length && /\S/.test(text.charAt(end))) { end += 1; }
    cm.addLineClass(l, "background", "cm-error-line");
    cm.markText(CodeMirror.Pos(l, col), CodeMirror.Pos(l, Math.max(end, col + 1)), { className: "cm-error-mark", attributes: { title: "the error is here" } });
    cm.setCursor(CodeMirror.Pos(l, col));
  }

  var examples = document.querySelector("ul.examples");
  var open = form.querySelector("button.open-examples");
  if (examples && open && typeof HTMLDialogElement !== "undefined") {
    var dialog = document.createElement("dialog");
    dialog.className = "examples";
    dialog.setAttribute("aria-label", "Examples: the saved questions");
    var title = document.createElement("h2");
    title.textContent = "Examples: the saved questions";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.placeholder = "Filter the examples";
    filter.setAttribute("aria-label", "Filter the examples");
    var list = examples.cloneNode(true);
    list.removeAttribute("aria-labelledby");
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (li) { li.hidden = li.textContent.toLowerCase().indexOf(q) < 0; });
    });
    dialog.appendChild(title); dialog.appendChild(filter); dialog.appendChild(list); dialog.appendChild(close);
    document.body.appendChild(dialog);
    open.hidden = false;
    open.addEventListener("click", function () { dialog.showModal(); filter.focus(); });
  }
}());
