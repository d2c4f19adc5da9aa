// The appointment ("is now a good time?") follows the answer live. The page works without this
// file ("Check for an answer"); with it, the room's WebSocket tells it of every change, and the
// page reloads itself when the dialogue is no longer what it was rendered with (data-seq,
// data-status, data-ready-at: the same words as the socket's view). What someone is typing is
// never thrown away: then the page only says that something changed, and they reload it.
(function () {
  "use strict";

  var root = document.getElementById("appointment");
  if (!root || !window.WebSocket || !window.JSON) return;
  var rendered = [root.getAttribute("data-seq"), root.getAttribute("data-status"),
    root.getAttribute("data-ready-at")];
  // Nothing more can happen to a cancelled, lapsed or ended request.
  if (["cancelled", "lapsed", "closed"].indexOf(rendered[1]) >= 0) return;

  var notice = document.getElementById("appointment-notice");
  var hint = document.getElementById("appointment-live-hint");
  var socket = null;
  var retries = 0;
  var leaving = false; // a form was sent or the page is going: its answer arrives as a page
  var touched = false; // someone typed into a field of this page

  function reload() {
    // The page's own address, not location.href: after a refused form the address is the
    // form's (POST only).
    leaving = true;
    location.replace(root.getAttribute("data-url"));
  }

  function isField(node) {
    if (!node || !node.tagName) return false;
    var tag = node.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") return true;
    return tag === "input" &&
      ["hidden", "submit", "button", "reset", "image"].indexOf(node.type) < 0;
  }

  // A field counts as holding someone's input when it was typed into, has words in it (also
  // after a refused form put them back), or is half filled in (a date missing its time is
  // "bad input" with an empty value); and while anyone is in a field at all.
  function holdsInput() {
    if (touched || isField(document.activeElement)) return true;
    var fields = root.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (!isField(field)) continue;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) return true;
      } else if (field.value !== "" || field.value !== field.defaultValue ||
        (field.validity && field.validity.badInput)) {
        return true;
      }
    }
    return false;
  }

  function whatChanged(view) {
    if (view.status === "cancelled") return "This request was cancelled.";
    if (view.status === "lapsed") return "This request lapsed.";
    if (view.status === "open" || view.status === "paused") return "The dialogue has started.";
    if (view.status === "closed") return "The dialogue has ended.";
    if (view.ready_at_label) return view.ready_at_label;
    return "Something changed.";
  }

  function showNotice(view) {
    var words = whatChanged(view) + " Reload the page to see it; what you typed stays here until you do.";
    var text = notice.querySelector("p");
    if (text && text.textContent === words) return; // said once is enough
    notice.textContent = "";
    text = document.createElement("p");
    text.textContent = words;
    var again = document.createElement("button");
    again.type = "button";
    again.className = "button";
    again.textContent = "Reload the page";
    again.addEventListener("click", reload);
    var box = document.createElement("div");
    box.className = "notice appointment-notice";
    box.append(text, again);
    notice.appendChild(box);
  }

  function onView(view) {
    if (leaving) return;
    var now = [String(view.seq), view.status, view.ready_at_label || ""];
    if (now[0] === rendered[0] && now[1] === rendered[1] && now[2] === rendered[2]) {
      notice.textContent = "";
      return;
    }
    if (holdsInput()) showNotice(view);
    else reload();
  }

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message && message.type === "view") onView(message);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.getAttribute("data-ws-path"));
    socket.addEventListener("open", function () {
      retries = 0;
      root.setAttribute("data-live", "true");
      if (hint) hint.hidden = false;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function () {
      root.removeAttribute("data-live");
      if (hint) hint.hidden = true;
      if (leaving) return;
      // As room.js: 0.5 s doubling to 15 s, with jitter, so many screens do not return at once.
      var delay = Math.min(15000, 500 * Math.pow(2, retries)) + Math.random() * 300;
      retries += 1;
      window.setTimeout(connect, delay);
    });
  }

  root.addEventListener("input", function (event) { if (isField(event.target)) touched = true; });
  root.addEventListener("change", function (event) { if (isField(event.target)) touched = true; });
  // The form's own answer comes as the next page; the change it makes must not reload this one
  // in the middle of sending it.
  root.addEventListener("submit", function () { leaving = true; });
  window.addEventListener("pagehide", function () {
    leaving = true;
    if (socket) socket.close();
  });
  window.addEventListener("pageshow", function (event) {
    // Back from the browser's page cache: ask again, the answer may have come meanwhile.
    if (event.persisted) {
      leaving = false;
      retries = 0;
      connect();
    }
  });

  connect();
})();
