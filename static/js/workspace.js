// The workspace's small script: timers that tick from the server's start time, the canned
// response picker, the tab title with unread conversations, and the attention sound.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = format((now - Date.parse(el.dataset.since)) / 1000);
    });
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      el.textContent = format((Date.parse(el.dataset.deadline) - now) / 1000);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);

  // Canned responses: pick from the list, or type "/" and a shortcut.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest(".canned-pick");
    if (!pick) return;
    var form = pick.closest("form");
    var text = form.querySelector("textarea[name=text]");
    text.value = pick.dataset.body;
    text.focus();
    var details = pick.closest("details");
    if (details) details.open = false;
    var list = form.querySelector(".canned-suggestions");
    if (list) list.hidden = true;
  });
  document.addEventListener("input", function (event) {
    var text = event.target;
    if (!text.matches || !text.matches("#composer textarea[name=text]")) return;
    var list = text.form.querySelector(".canned-suggestions");
    var value = text.value;
    if (!list) return;
    if (value.charAt(0) !== "/" || value.indexOf(" ") !== -1) { list.hidden = true; return; }
    var typed = value.slice(1).toLowerCase();
    list.replaceChildren();
    text.form.querySelectorAll(".canned-pick").forEach(function (pick) {
      if (pick.dataset.shortcut.toLowerCase().indexOf(typed) !== 0) return;
      var li = document.createElement("li");
      var clone = pick.cloneNode(true);
      clone.textContent = "/" + pick.dataset.shortcut + " — " + pick.dataset.body.slice(0, 60);
      li.appendChild(clone);
      list.appendChild(li);
    });
    list.hidden = list.children.length === 0;
  });

  // A live update must not close what the person has open (a menu, the transfer dialog):
  // open <details> keep their state across out-of-band swaps, matched by id.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target, fragment = event.detail.fragment;
    if (!target || !fragment || !fragment.querySelectorAll) return;
    target.querySelectorAll("details[id][open]").forEach(function (open) {
      var twin = fragment.querySelector("details[id='" + open.id + "']");
      if (twin) twin.setAttribute("open", "");
    });
    // Nor wipe what they are typing (a whisper while the customer writes): text fields with an
    // id keep their text, and their focus, when a live update re-renders them.
    target.querySelectorAll("textarea[id], input[type=text][id]").forEach(function (field) {
      if (!field.value) return;
      var twin = fragment.querySelector("#" + CSS.escape(field.id));
      if (!twin || twin.value) return;
      twin.value = field.value;
      if (twin.tagName === "TEXTAREA") twin.textContent = field.value;
      if (document.activeElement === field) twin.setAttribute("data-refocus", "");
    });
  });
  // A form's answer can come back after a live update re-rendered the form (the form and the
  // answer's target are then out of the page, and their events reach no listener): once the
  // request succeeds, what was sent is emptied in the page as it is now.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt, xhr = event.detail.xhr;
    if (!form || !form.querySelectorAll || !xhr) return;
    var ids = Array.prototype.map.call(form.querySelectorAll("[data-clear-on-sent][id]"), function (field) {
      return field.id;
    });
    if (!ids.length) return;
    xhr.addEventListener("load", function () {
      if (xhr.status < 200 || xhr.status >= 300) return;
      setTimeout(function () {  // after htmx's own swap of the answer
        ids.forEach(function (id) {
          var current = document.getElementById(id);
          if (current) { current.value = ""; current.textContent = ""; }
        });
      }, 0);
    });
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var field = document.querySelector("[data-refocus]");
    if (!field) return;
    field.removeAttribute("data-refocus");
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });

  // Attention: tab title with unread conversations, and a short sound when work arrives.
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  var lastUnread = null;
  var lastAssigned = 0;
  var lastRinging = 0;
  function attention() {
    var lists = document.getElementById("lists");
    if (!lists) return;
    var unread = parseInt(lists.dataset.unread || "0", 10);
    var assigned = parseInt(lists.dataset.assigned || "0", 10);
    document.title = (unread ? "(" + unread + ") " : "") + baseTitle;
    var incoming = document.getElementById("incoming");
    var ringing = incoming ? parseInt(incoming.dataset.count || "0", 10) : 0;
    if (lastUnread !== null && (unread > lastUnread || assigned > lastAssigned || ringing > lastRinging)) ding();
    lastUnread = unread;
    lastAssigned = assigned;
    lastRinging = ringing;
  }
  function muted() { return window.localStorage.getItem("cc-muted") === "1"; }
  function ding() {
    if (muted()) return;
    var audio = document.getElementById("ding");
    if (audio) { audio.currentTime = 0; audio.play().catch(function () {}); }
  }
  window.ccDing = ding;
  document.addEventListener("DOMContentLoaded", attention);
  document.addEventListener("htmx:afterSettle", attention);
  document.addEventListener("htmx:wsAfterMessage", function () { tick(); attention(); });

  // Live connection: a discreet banner while disconnected; a heartbeat keeps the device active.
  // After every (re)connect and every swap of the desk, tell the server what the page shows,
  // so it renders the right conversation.
  var heartbeat = null;
  var socket = null;
  function sendState() {
    var desk = document.getElementById("desk");
    if (!socket || !desk) return;
    socket.send(JSON.stringify({
      open: desk.dataset.conversation || null, footer: desk.dataset.footer || "",
      tab: desk.dataset.tab || "assigned", sort: desk.dataset.sort || "newest"
    }));
  }
  document.addEventListener("htmx:wsOpen", function (event) {
    var banner = document.getElementById("reconnecting");
    if (banner) banner.hidden = true;
    socket = event.detail.socketWrapper;
    clearInterval(heartbeat);
    heartbeat = setInterval(function () { socket.send("ping"); }, 20000);
    sendState();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "desk") sendState();
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    var messages = document.getElementById("messages");
    if (!messages) return;
    // A message can arrive twice (the reply's own response and the live event): keep one.
    var seen = {};
    messages.querySelectorAll("[id^=msg-]").forEach(function (el) {
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
    messages.scrollTop = messages.scrollHeight;
  });
  document.addEventListener("htmx:wsClose", function (event) {
    clearInterval(heartbeat);
    // 4401: the server closed the socket because the session ended (logged out elsewhere,
    // deactivated). htmx does not reconnect after it; reloading lets the server send the
    // login page instead of leaving "Reconectando…" up forever.
    var closed = event.detail && event.detail.event;
    if (closed && closed.code === 4401) {
      window.location.reload();
      return;
    }
    var banner = document.getElementById("reconnecting");
    if (banner && document.getElementById("live")) banner.hidden = false;
  });
  document.addEventListener("cc:ding", ding);
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-mute-toggle]");
    if (!toggle) return;
    window.localStorage.setItem("cc-muted", muted() ? "0" : "1");
    toggle.setAttribute("aria-pressed", muted() ? "true" : "false");
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-mute-toggle]").forEach(function (t) {
      t.setAttribute("aria-pressed", muted() ? "true" : "false");
    });
  });
})();
