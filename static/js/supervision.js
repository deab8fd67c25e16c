// The supervisor panel's small script: live toasts, each shown once, at most a few at a time,
// fading away after a while.
(function () {
  "use strict";
  var LIFETIME = 12000;
  var MAX_VISIBLE = 3;
  var FADE = 400;
  function fade(toast) {
    if (toast.classList.contains("toast-fading")) return;
    toast.classList.add("toast-fading");
    setTimeout(function () { toast.remove(); }, FADE);
  }
  function expire(toast) {
    if (toast.dataset.expires) return;
    toast.dataset.expires = "1";
    setTimeout(function () { fade(toast); }, LIFETIME);
  }
  function tidy() {
    var seen = {};
    var visible = 0;
    // Newest first (toasts are added at the top of the stack).
    document.querySelectorAll("#toasts .toast").forEach(function (toast) {
      var key = toast.dataset.event;
      if (key && seen[key]) { toast.remove(); return; }
      if (key) seen[key] = true;
      if (toast.classList.contains("toast-fading")) return;
      visible += 1;
      if (visible > MAX_VISIBLE) { fade(toast); return; }
      expire(toast);
    });
  }
  document.addEventListener("htmx:wsAfterMessage", tidy);
  document.addEventListener("click", function (event) {
    var toast = event.target.closest(".toast");
    if (toast && !event.target.closest("a")) toast.remove();
  });
})();
