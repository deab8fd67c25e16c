// The supervisor panel's small script: live toasts, each shown once, at most three at a time,
// repeats counted on one toast (×N), each dismissable, fading away after a while, all of them
// listed in the notifications panel; a sound for each new one, and a browser notification while the tab
// is in the background, as the supervisor's notification preferences say (data-panel and
// data-browser on #toasts). The preferences page asks the browser for permission.
(function () {
  "use strict";
  var LIFETIME = 12000;
  var MAX_VISIBLE = 3;
  var FADE = 400;
  var LIST_MAX = 100;
  var STORE = "cc-notifications";
  function fade(toast) {
    if (toast.classList.contains("toast-fading")) return;
    toast.classList.add("toast-fading");
    setTimeout(function () { toast.remove(); }, FADE);
  }
  function expire(toast) {
    clearTimeout(toast._ccExpiry);
    toast._ccExpiry = setTimeout(function () { fade(toast); }, LIFETIME);
  }
  function textOf(toast) {
    var text = toast.querySelector(".toast-text") || toast;
    return text.textContent.trim();
  }
  function notifyBrowser(toast) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    var link = toast.querySelector("a");
    var note = new Notification(textOf(toast), { tag: toast.dataset.event || undefined });
    note.onclick = function () {
      window.focus();
      if (link) window.location.href = link.href;
      note.close();
    };
  }

  // The notifications panel: every toast of this browser tab's session, newest first, repeats
  // counted on one line. Kept in sessionStorage so that it follows the supervisor across pages.
  function stored() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function store(items) {
    try { window.sessionStorage.setItem(STORE, JSON.stringify(items.slice(0, LIST_MAX))); } catch (e) { /* full */ }
  }
  function drawList() {
    var list = document.getElementById("notification-list");
    if (!list) return;
    var items = stored();
    list.replaceChildren();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "notification");
      var time = document.createElement("time");
      time.textContent = item.time;
      li.appendChild(time);
      var body = item.url ? document.createElement("a") : document.createElement("span");
      if (item.url) body.href = item.url;
      body.textContent = item.text;
      li.appendChild(body);
      if (item.count > 1) {
        var count = document.createElement("span");
        count.className = "toast-count";
        count.textContent = "\u00d7" + item.count;
        li.appendChild(count);
      }
      list.appendChild(li);
    });
    var empty = document.querySelector("[data-notifications-empty]");
    if (empty) empty.hidden = items.length > 0;
    var badge = document.querySelector("[data-notification-count]");
    if (badge) {
      badge.textContent = String(items.length);
      badge.hidden = items.length === 0;
    }
  }
  function record(toast) {
    var items = stored(), text = textOf(toast), link = toast.querySelector("a");
    var now = new Date();
    var time = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    if (items.length && items[0].text === text) {
      items[0].count += 1;
      items[0].time = time;
    } else {
      items.unshift({ text: text, url: link ? link.getAttribute("href") : "", time: time, count: 1 });
    }
    store(items);
    drawList();
  }

  function setCount(toast, count) {
    toast.dataset.count = String(count);
    var badge = toast.querySelector(".toast-count");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "toast-count";
      badge.setAttribute("data-testid", "toast-count");
      (toast.querySelector(".toast-text") || toast).appendChild(badge);
    }
    badge.textContent = "\u00d7" + count;
  }
  function announce(box, toast) {
    toast.dataset.announced = "1";
    if (box.dataset.browser === "1") notifyBrowser(toast);
    if (box.dataset.panel === "0") { toast.remove(); return; }
    record(toast);
    if (window.ccDing) window.ccDing();
  }
  function tidy() {
    var box = document.getElementById("toasts");
    if (!box) return;
    var seen = {};
    // Newest first (toasts are added at the top of the stack); the ones shown before are older.
    var toasts = Array.prototype.slice.call(box.querySelectorAll(".toast"));
    toasts.forEach(function (toast) {
      var key = toast.dataset.event;
      if (key && seen[key]) { toast.remove(); return; }
      if (key) seen[key] = true;
      if (toast.dataset.announced) return;
      announce(box, toast);
      if (!toast.isConnected) return;
      // A repeat of a toast still shown: that one counts it (×N), moves to the top and stays longer.
      var text = textOf(toast);
      var twin = toasts.filter(function (other) {
        return other !== toast && other.isConnected && other.dataset.announced &&
          !other.classList.contains("toast-fading") && textOf(other).replace(/\s*\u00d7\d+$/, "") === text;
      })[0];
      if (twin) {
        toast.remove();
        setCount(twin, parseInt(twin.dataset.count || "1", 10) + 1);
        box.insertBefore(twin, box.firstChild);
        expire(twin);
      } else {
        expire(toast);
      }
    });
    var visible = 0;
    box.querySelectorAll(".toast").forEach(function (toast) {
      if (toast.classList.contains("toast-fading")) return;
      visible += 1;
      if (visible > MAX_VISIBLE) fade(toast);
    });
  }
  document.addEventListener("htmx:wsAfterMessage", tidy);
  document.addEventListener("click", function (event) {
    var close = event.target.closest(".toast-close");
    if (close) { close.closest(".toast").remove(); return; }
    var toast = event.target.closest(".toast");
    if (toast && !event.target.closest("a")) toast.remove();
    if (event.target.closest("[data-notifications-clear]")) { store([]); drawList(); }
    var ask = event.target.closest("[data-ask-notifications]");
    if (ask && "Notification" in window) {
      Notification.requestPermission().then(function () { ask.hidden = Notification.permission !== "default"; });
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details.notifications-menu[open]");
    if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });

  // A queue's longest wait changes colour as it ticks: warn from half its target, bad beyond it
  // (the same rule as supervision/context.py wait_level).
  function waits() {
    var now = Date.now();
    document.querySelectorAll("[data-wait-target]").forEach(function (el) {
      var time = el.querySelector("time[data-since]");
      var target = parseFloat(el.dataset.waitTarget);
      var seconds = time ? (now - Date.parse(time.dataset.since)) / 1000 : 0;
      var level = seconds >= target ? "bad" : (seconds >= target / 2 ? "warn" : "ok");
      el.classList.remove("level-ok", "level-warn", "level-bad");
      el.classList.add("level-" + level);
    });
  }
  setInterval(waits, 1000);

  document.addEventListener("DOMContentLoaded", function () {
    drawList();
    var ask = document.querySelector("[data-ask-notifications]");
    if (ask) ask.hidden = !("Notification" in window) || Notification.permission !== "default";
  });
})();

// The monitoring page shows one conversation at a time: the switcher shows another without
// reload, and a live update of the conversations keeps the one being watched.
(function () {
  "use strict";
  function show(root, id) {
    root.dataset.current = id;
    root.querySelectorAll(".monitored-conversation").forEach(function (article) {
      article.hidden = article.id !== "monitored-" + id;
    });
    root.querySelectorAll("[data-monitor-switch]").forEach(function (link) {
      if (link.dataset.monitorSwitch === id) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-monitor-switch]");
    var root = link && link.closest("#monitored");
    if (!root) return;
    event.preventDefault();
    show(root, link.dataset.monitorSwitch);
    window.history.replaceState(null, "", link.getAttribute("href"));
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target, fragment = event.detail.fragment;
    if (!target || target.id !== "monitored" || !fragment || !fragment.querySelector) return;
    var current = target.dataset.current;
    var next = fragment.querySelector("#monitored") || fragment.firstElementChild;
    if (current && next && next.querySelector("#monitored-" + current)) show(next, current);
  });
})();
