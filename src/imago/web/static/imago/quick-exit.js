// Quick exit: one tap on the button, or the Esc key, leaves for a neutral page and replaces
// the current history entry, so the Back button does not bring this page back.
(function () {
  "use strict";
  var button = document.getElementById("quick-exit");
  if (!button) return;
  var target = button.getAttribute("data-exit-url");

  function leave(event) {
    if (event) event.preventDefault();
    document.title = "";
    document.body.hidden = true; // hide content at once, before the next page paints
    window.location.replace(target);
  }

  button.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) leave(event);
  });
})();
