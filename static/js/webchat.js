// The customers' web chat: keep the newest message in view, and send with Enter.
(function () {
  "use strict";
  function scrollDown() {
    var thread = document.getElementById("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", scrollDown);
  document.addEventListener("htmx:afterSettle", scrollDown);
  document.addEventListener("htmx:wsAfterMessage", scrollDown);
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || !box.matches || !box.matches("#composer textarea")) return;
    event.preventDefault();
    if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
  });
  // A heartbeat keeps proxies from dropping an idle socket.
  var heartbeat = null;
  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail.socketWrapper;
    clearInterval(heartbeat);
    heartbeat = setInterval(function () { socket.send("ping"); }, 25000);
  });
  document.addEventListener("htmx:wsClose", function () { clearInterval(heartbeat); });
})();
