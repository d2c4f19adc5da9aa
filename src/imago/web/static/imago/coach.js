// The language coach on a screen: its feedback shown beside the words, for the author only.
// window.imagoCoach.render(panel, feedback) draws one answer; watch(textarea, ask) asks
// again a moment after the person stops typing. Forms marked data-coach-form get both here;
// the dialogue room (room.js) asks over its own WebSocket and draws with the same render.
(function () {
  "use strict";

  var PAUSE_MS = 600; // after the last key: fast enough to feel live, calm enough not to nag

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // The words with the flagged parts marked (the server cut them into pieces).
  function marked(pieces) {
    var box = el("p", "coach-marked");
    pieces.forEach(function (piece) {
      if (!piece.label) { box.appendChild(document.createTextNode(piece.text)); return; }
      var mark = el("mark", "coach-mark", piece.text);
      mark.title = piece.label;
      box.appendChild(mark);
    });
    return box;
  }

  function crisis(feedback) {
    var section = el("section", "coach-crisis");
    section.setAttribute("role", "alert");
    section.appendChild(el("h3", "", "You don't have to carry this alone"));
    section.appendChild(el("p", "", feedback.suggestion || ""));
    var list = el("ul", "coach-resources");
    feedback.resources.forEach(function (r) {
      var item = el("li");
      var link = el("a", "", r.name);
      link.href = r.href;
      item.appendChild(link);
      item.appendChild(document.createTextNode(": " + r.how + " "));
      item.appendChild(el("span", "muted", "(" + r.source + ")"));
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  function render(panel, feedback) {
    panel.textContent = "";
    panel.hidden = !feedback;
    if (!feedback) return;
    if (feedback.crisis) {
      panel.appendChild(crisis(feedback));
      return;
    }
    if (feedback.ok) {
      panel.appendChild(el("p", "coach-ok", feedback.suggestion || "This reads well."));
      return;
    }
    panel.appendChild(el("p", "coach-heading", "The coach noticed"));
    var flags = el("ul", "coach-flags");
    feedback.flags.forEach(function (f) { flags.appendChild(el("li", "", f.label)); });
    panel.appendChild(flags);
    if (feedback.marked.length) panel.appendChild(marked(feedback.marked));
    if (feedback.suggestion) panel.appendChild(el("p", "coach-suggestion", feedback.suggestion));
  }

  // Ask `ask(text, answer)` a moment after typing stops; only the newest answer is drawn.
  function watch(textarea, ask, draw) {
    var timer = null;
    var asked = 0;
    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = textarea.value;
        var mine = ++asked;
        if (!text.trim()) { draw(null); return; }
        ask(text, function (feedback) {
          if (mine === asked && textarea.value === text) draw(feedback);
        });
      }, PAUSE_MS);
    });
  }

  // Forms: post the form's own fields to its own address, asking for JSON.
  function coachForm(form) {
    var textarea = form.querySelector("textarea");
    var panel = document.getElementById(form.getAttribute("data-coach-form"));
    if (!textarea || !panel || !window.fetch) return;
    watch(textarea, function (text, answer) {
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (r) { return r.json(); }).then(function (data) {
        answer(data.feedback || null);
      }).catch(function () { /* offline: the post button still works */ });
    }, function (feedback) { render(panel, feedback); });
    // Another choice in the form (which step) reads the same words again.
    form.addEventListener("change", function (event) {
      if (event.target !== textarea) textarea.dispatchEvent(new Event("input"));
    });
  }

  window.imagoCoach = { render: render, watch: watch };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-coach-form]").forEach(coachForm);
  });
})();
