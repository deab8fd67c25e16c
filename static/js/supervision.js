// The supervisor panel's small script: live toasts, each shown once, at most a few at a time,
// fading away after a while; a sound for each new one, and a browser notification while the tab
// is in the background, as the supervisor's notification preferences say (data-panel and
// data-browser on #toasts). The preferences page asks the browser for permission.
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
  function notifyBrowser(toast) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    var link = toast.querySelector("a");
    var note = new Notification(toast.textContent.trim(), { tag: toast.dataset.event || undefined });
    note.onclick = function () {
      window.focus();
      if (link) window.location.href = link.href;
      note.close();
    };
  }
  function announce(box, toast) {
    if (toast.dataset.announced) return;
    toast.dataset.announced = "1";
    if (box.dataset.browser === "1") notifyBrowser(toast);
    if (box.dataset.panel === "0") { toast.remove(); return; }
    if (window.ccDing) window.ccDing();
  }
  function tidy() {
    var box = document.getElementById("toasts");
    if (!box) return;
    var seen = {};
    var visible = 0;
    // Newest first (toasts are added at the top of the stack).
    box.querySelectorAll(".toast").forEach(function (toast) {
      var key = toast.dataset.event;
      if (key && seen[key]) { toast.remove(); return; }
      if (key) seen[key] = true;
      announce(box, toast);
      if (!toast.isConnected || toast.classList.contains("toast-fading")) return;
      visible += 1;
      if (visible > MAX_VISIBLE) { fade(toast); return; }
      expire(toast);
    });
  }
  document.addEventListener("htmx:wsAfterMessage", tidy);
  document.addEventListener("click", function (event) {
    var toast = event.target.closest(".toast");
    if (toast && !event.target.closest("a")) toast.remove();
    var ask = event.target.closest("[data-ask-notifications]");
    if (ask && "Notification" in window) {
      Notification.requestPermission().then(function () { ask.hidden = Notification.permission !== "default"; });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var ask = document.querySelector("[data-ask-notifications]");
    if (ask) ask.hidden = !("Notification" in window) || Notification.permission !== "default";
  });
})();
