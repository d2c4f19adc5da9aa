// The live dialogue room. The page works without this file (a plain form post); with it, turns
// go over a WebSocket and the screen follows the "view" the server sends after every change.
// The server's view is the truth: this file keeps only what the person is typing.
(function () {
  "use strict";

  var root = document.getElementById("room");
  var initial = document.getElementById("room-view");
  if (!root || !initial || !window.WebSocket || !window.JSON) return;

  var view = JSON.parse(initial.textContent);
  var dialogueId = root.getAttribute("data-dialogue");
  var form = document.getElementById("room-form");
  var textarea = document.getElementById("room-textarea");
  var byId = function (id) { return document.getElementById(id); };

  var socket = null;
  var retries = 0;
  var pending = null; // the turn sent and not yet acknowledged or refused
  var leaving = false;
  var offer = null; // the therapist's suggestion, shown until the dialogue moves on

  // Drafts survive a reload or a dropped connection: kept per dialogue and step until acked.
  function draftKey(step) { return "imago-dialogue-" + dialogueId + "-" + step; }
  function saveDraft() {
    try { sessionStorage.setItem(draftKey(view.step), textarea.value); } catch (e) { /* private mode */ }
  }
  function loadDraft(step) {
    try { return sessionStorage.getItem(draftKey(step)) || ""; } catch (e) { return ""; }
  }
  function clearDraft(step) {
    try { sessionStorage.removeItem(draftKey(step)); } catch (e) { /* private mode */ }
  }

  // Missing parts are skipped: the therapist's page has no controls of its own turn.
  var nowhere = document.createElement("span");
  function setText(id, text) {
    var node = byId(id) || nowhere;
    // Only touch live regions when the words change, so nothing is announced twice.
    if (node.textContent !== text) node.textContent = text;
    return node;
  }
  function show(id, visible) { (byId(id) || nowhere).hidden = !visible; }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function button(label, value, secondary) {
    var b = document.createElement("button");
    b.type = "submit";
    b.name = "action";
    b.value = value;
    b.textContent = label;
    if (secondary) b.className = "secondary";
    return b;
  }

  function line(item) {
    var li = document.createElement("li");
    li.className = "room-line" + (item.mine ? " is-mine" : "") + (item.text ? "" : " is-note");
    var head = document.createElement("p");
    head.className = "room-line-head";
    var who = document.createElement("span");
    who.className = "room-who";
    who.textContent = item.who;
    var label = document.createElement("span");
    label.className = "room-label";
    label.textContent = item.label;
    var time = document.createElement("time");
    time.setAttribute("datetime", item.at);
    time.textContent = item.at_label;
    head.append(who, " ", label, " ", time);
    li.appendChild(head);
    if (item.text) {
      var text = document.createElement("p");
      text.className = "room-line-text";
      text.textContent = item.text;
      li.appendChild(text);
    }
    return li;
  }

  function renderTranscript() {
    var list = byId("room-transcript");
    var items = view.transcript;
    // Turns are only ever added, so append the new ones rather than redraw the whole list.
    if (list.children.length > items.length) list.textContent = "";
    for (var i = list.children.length; i < items.length; i++) list.appendChild(line(items[i]));
  }

  function renderControls() {
    var hasControls = view.actions.length > 0 || !!view.pause;
    show("room-controls", hasControls);
    setText("controls-heading", view.controls_heading);
    byId("room-expected-seq").value = String(view.seq);

    var stems = byId("room-stems-list");
    stems.textContent = "";
    var offered = offer && offer.stem && view.needs_text && view.stems.indexOf(offer.stem) < 0;
    (offered ? [offer.stem] : []).concat(view.stems).forEach(function (stem) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "room-stem";
      b.setAttribute("data-stem", stem);
      b.textContent = stem;
      li.appendChild(b);
      stems.appendChild(li);
    });
    setText("room-stems-label", "Ways to begin (tap one to add it)");
    show("room-stems", view.stems.length > 0 || !!offered);

    show("room-text", view.needs_text);
    setText("room-text-label", view.text_label);
    setText("room-text-hint", view.text_hint);
    // Never throw away words: only an empty box is filled from this step's saved draft.
    if (view.needs_text && !textarea.value) textarea.value = loadDraft(view.step);

    var actions = byId("room-actions");
    actions.textContent = "";
    view.actions.forEach(function (choice, i) {
      actions.appendChild(button(choice.label, choice.action, i > 0));
    });
    var pause = byId("room-pause");
    pause.textContent = "";
    if (view.pause) pause.appendChild(button(view.pause.label, view.pause.action, true));
  }

  // A break counts up gently from when it began, by the server's clock of the pause event.
  var breakTimer = null;
  function tick() {
    var node = byId("room-break-timer");
    var since = Date.parse(node.getAttribute("data-since"));
    if (isNaN(since)) return;
    var seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    setText("room-break-timer", "On a break for " + minutes + ":" + (rest < 10 ? "0" : "") + rest);
  }
  function renderBreak() {
    if (!byId("room-break")) return;
    show("room-break", !!view["break"]);
    if (view["break"]) {
      setText("room-break-calm", view["break"].calm);
      byId("room-break-timer").setAttribute("data-since", view["break"].since);
      tick();
      if (!breakTimer) breakTimer = window.setInterval(tick, 1000);
    } else if (breakTimer) {
      window.clearInterval(breakTimer);
      breakTimer = null;
    }
  }

  // The therapist's page: its forms post as plain pages; the live view keeps them current.
  function renderFacilitator() {
    var pause = byId("fac-pause");
    if (!pause) return;
    pause.hidden = !view.pause;
    if (view.pause) { pause.value = view.pause.action; setText("fac-pause", view.pause.label); }
    var nudge = byId("fac-nudge");
    nudge.hidden = !view.nudge;
    if (view.nudge) { byId("fac-nudge-seat").value = view.nudge.seat; setText("fac-nudge", view.nudge.label); }
    var stems = byId("fac-stems");
    if (stems) {
      stems.textContent = "";
      (view.offer || []).forEach(function (side) {
        if (!side.stems.length) return;
        var p = document.createElement("p");
        p.className = "muted";
        p.textContent = "Stems for " + side.name + " now: " +
          side.stems.map(function (s) { return "“" + s + "”"; }).join(", ");
        stems.appendChild(p);
      });
    }
  }

  // A suggestion or a gentle nudge from the therapist: shown to this partner only, never sent.
  function showOffer(message) {
    var words = message.kind === "nudge"
      ? message.from + " gently invites " + (view.together ? message.for : "you") + " to take the turn."
      : message.from + " suggests" + (view.together ? " for " + message.for : "") + ": " + message.text;
    offer = { seq: view.seq, words: words, stem: message.kind === "stem" ? message.text : "" };
    render();
  }

  function render() {
    var turn = byId("room-turn");
    turn.classList.toggle("is-mine", view.my_turn);
    turn.classList.toggle("is-paused", view.paused);
    setText("room-turn-text", view.turn_text);
    setText("room-waiting", view.waiting_text);
    show("room-waiting", !!view.waiting_text);
    setText("room-role", view.my_role_text);
    if (view.together) {
      // The shared screen: who speaks now, in words and in that partner's colour.
      var together = setText("room-together", view.together_text);
      together.className = "room-together " + (view.seat_class || "");
      together.hidden = !view.together_text;
      byId("room-as-seat").value = view.acting_seat || "";
    }
    setText("room-presence", view.presence_text || "");
    if (view.latest) {
      setText("room-latest-who", (view.latest.mine ? "You" : view.latest.who) + " · " +
        view.latest.label.toLowerCase());
      setText("room-latest-text", view.latest.text);
    }
    show("room-latest", !!view.latest);
    setText("room-facilitator", view.facilitator_text || "");
    show("room-facilitator", !!view.facilitator_text);
    renderBreak();
    setText("room-balance", view.balance ? view.balance.text : "");
    show("room-balance", !!view.balance);
    var nudge = view.balance && view.balance.nudge ? view.balance.nudge : "";
    setText("room-nudge", nudge);
    show("room-nudge", !!nudge);
    if (offer && offer.seq !== view.seq) offer = null; // the dialogue moved on
    setText("room-offer-text", offer ? offer.words : "");
    show("room-offer", !!offer);
    if (view.facilitator) renderFacilitator(); else renderControls();
    renderTranscript();
    if (coachStep && coachStep !== view.step) showCoach(null);
    show("room-after", view.closed);
    setBusy(!!pending);
  }

  function showError(message) {
    var node = setText("room-error", message);
    node.hidden = !message;
  }

  function setConnection(message) {
    setText("room-connection", message);
    show("room-connection", !!message);
  }

  function setBusy(busy) {
    if (!form) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      if (busy) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled");
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  if (form) form.addEventListener("submit", function (event) {
    // No live connection: let the form post as a plain page would.
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    event.preventDefault();
    if (pending) return; // one turn at a time; the first is still on its way
    var submitter = event.submitter;
    if (!submitter || !submitter.value) return;
    var choice = view.actions.concat(view.pause ? [view.pause] : []).filter(function (c) {
      return c.action === submitter.value;
    })[0];
    if (!choice) return;
    pending = {
      type: "event",
      action: choice.action,
      text: choice.needs_text ? textarea.value : "",
      client_id: newClientId(),
      expected_seq: view.seq,
      // "Send as it is" after the coach's feedback, or the words the crisis help was shown for.
      anyway: submitter.name === "anyway_action" || (!!cleared && textarea.value === cleared),
    };
    // On the shared screen the turn is taken for the seat the screen showed.
    if (view.together) pending.as_seat = view.acting_seat;
    pending.step = view.step;
    showError("");
    setBusy(true);
    send(pending);
  });

  if (form) form.addEventListener("click", function (event) {
    var stem = event.target.closest("[data-stem]");
    if (!stem) return;
    var words = stem.getAttribute("data-stem").replace(/\s*\.\.\.$/, " ");
    var before = textarea.value;
    var start = before.length + (before && !/\s$/.test(before) ? 1 : 0);
    textarea.value = before + (start > before.length ? " " : "") + words;
    saveDraft();
    textarea.focus();
    // A gap inside the stem ("I feel ... when") is selected, so typing fills it in.
    var gap = textarea.value.indexOf("...", start);
    if (gap >= 0) textarea.setSelectionRange(gap, gap + 3);
    else textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });

  if (textarea) textarea.addEventListener("input", saveDraft);

  // The coach, as the person types: asked over this screen's socket, answered to it alone.
  var coachAsked = null; // the latest reading asked for: {n, answer}; older answers are dropped
  var coachCount = 0;
  var cleared = ""; // words the crisis help was shown for: sent as they are if sent again
  function speakingAction() {
    var speaking = view.actions.filter(function (c) { return c.needs_text; })[0];
    return speaking ? speaking.action : "";
  }
  var coachStep = null; // the step the feedback shown is about; it goes when the step does
  function showCoach(feedback, action) {
    var panel = byId("room-coach");
    if (!panel || !window.imagoCoach) return;
    coachStep = feedback ? view.step : null;
    window.imagoCoach.render(panel, feedback);
    if (feedback && !feedback.ok && !feedback.crisis && action) {
      var row = document.createElement("div");
      row.className = "coach-actions";
      var anyway = button("Send as it is", action, true);
      anyway.name = "anyway_action";
      row.appendChild(anyway);
      panel.appendChild(row);
    }
  }
  if (textarea && window.imagoCoach) window.imagoCoach.watch(textarea, function (text, answer) {
    var action = speakingAction();
    if (!action || !socket || socket.readyState !== WebSocket.OPEN) return;
    coachCount += 1;
    coachAsked = { n: coachCount, answer: answer };
    send({ type: "coach", action: action, text: text, n: coachCount });
  }, function (feedback) { showCoach(feedback); });

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message.type === "view") {
      delete message.type;
      view = message;
      render();
    } else if (message.type === "presence") {
      view.partner_here = message.partner_here;
      view.presence_text = message.presence_text;
      view.facilitator_text = message.facilitator_text || "";
      setText("room-presence", message.presence_text);
      if (byId("room-facilitator")) {
        setText("room-facilitator", view.facilitator_text);
        show("room-facilitator", !!view.facilitator_text);
      }
    } else if (message.type === "offer") {
      if (byId("room-offer")) showOffer(message);
    } else if (message.type === "ack") {
      if (pending && message.client_id === pending.client_id) {
        clearDraft(pending.step);
        textarea.value = "";
        pending = null;
        setBusy(false);
        showCoach(null);
      }
      // The turn's own view comes with its ack (none for a turn stored before: a repeat).
      if (message.view) {
        view = message.view;
        render();
      }
    } else if (message.type === "coach") {
      if (coachAsked && coachAsked.n === message.n) coachAsked.answer(message.feedback);
    } else if (message.type === "coached" || message.type === "crisis") {
      if (pending && message.client_id === pending.client_id) {
        var action = pending.action;
        pending = null;
        setBusy(false);
        showCoach(message.type === "crisis" ? (message.crisis ? message : null) : message, action);
        if (message.type === "crisis") {
          cleared = textarea.value;
          if (message.crisis) byId("room-coach").scrollIntoView({ block: "center" });
        }
      }
    } else if (message.type === "refused") {
      if (!message.client_id || (pending && message.client_id === pending.client_id)) {
        pending = null;
        setBusy(false);
      }
      // The typed words stay in the box; the reason is shown above the controls.
      showError(message.message);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.getAttribute("data-ws-path"));
    socket.addEventListener("open", function () {
      retries = 0;
      setConnection("");
      root.setAttribute("data-live", "true");
      // A turn sent just before the connection dropped is sent again with the same id:
      // stored once either way, and acknowledged now.
      if (pending) send(pending);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function () {
      root.removeAttribute("data-live");
      if (leaving) return;
      // Without a connection this screen cannot know whether the partner is here.
      setText("room-presence", "");
      setConnection("Connection lost. Reconnecting…");
      var delay = Math.min(15000, 500 * Math.pow(2, retries)) + Math.random() * 300;
      retries += 1;
      window.setTimeout(connect, delay);
    });
  }

  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && (!socket || socket.readyState > WebSocket.OPEN)) {
      leaving = false;
      connect();
    }
  });

  render();
  connect();
})();
