// The workspace's focus, announcements and request feedback. Every action swaps the whole desk,
// which drops keyboard focus to the page: after each action focus goes where the person goes on
// (data-focus-after on the form). What changes without the person asking (a new message, a new
// conversation, an offer, a status set by a supervisor or a rule, the last seconds of after
// service) is said once in a live region outside the desk, so swaps never remove it.
(function () {
  "use strict";

  // --- Live regions ----------------------------------------------------------------------------
  function region(kind) { return document.getElementById(kind === "assertive" ? "cc-alert" : "cc-announce"); }
  function say(text, kind) {
    var el = region(kind);
    if (!el || !text) return;
    // Emptied first, so the same words said twice are announced twice.
    el.textContent = "";
    setTimeout(function () { el.textContent = text; }, 50);
  }
  function phrase(name) {
    var el = region("polite");
    return el ? (el.dataset[name] || "") : "";
  }
  window.ccSay = say;

  // What the page showed the last time we looked; announcements are the differences.
  var seen = null;
  var ownRequest = false;
  function snapshot() {
    var desk = document.getElementById("desk");
    var status = document.querySelector("[data-testid=agent-status]");
    var lists = document.getElementById("lists");
    var incoming = document.getElementById("incoming");
    var messages = {};
    document.querySelectorAll("#messages [id^=msg-]").forEach(function (m) { messages[m.id] = true; });
    return {
      conversation: desk ? desk.dataset.conversation : "",
      status: status ? status.textContent.trim() : "",
      // In service is the engine's answer to new work, which is announced itself.
      inService: !!(status && status.classList.contains("status-in_service")),
      assigned: lists ? parseInt(lists.dataset.assigned || "0", 10) : 0,
      ringing: incoming ? parseInt(incoming.dataset.count || "0", 10) : 0,
      transferOffer: !!document.querySelector("[data-testid=incoming-transfer]"),
      messages: messages
    };
  }
  function compare() {
    var now = snapshot();
    var before = seen;
    seen = now;
    if (!before) return;
    if (now.ringing > before.ringing) {
      var call = document.querySelector("#incoming .incoming-call:last-child p");
      say(call ? call.textContent.trim() : phrase("offer"), "assertive");
    } else if (now.transferOffer && !before.transferOffer) {
      var transfer = document.querySelector("[data-testid=incoming-transfer] p");
      say(transfer ? transfer.textContent.trim() : phrase("offer"), "assertive");
    }
    if (ownRequest) return;  // the person's own action: they know what they did
    if (now.conversation && now.conversation === before.conversation) {
      var fresh = [];
      document.querySelectorAll("#messages .msg-inbound[id^=msg-]").forEach(function (m) {
        if (!before.messages[m.id]) fresh.push(m);
      });
      if (fresh.length) {
        var last = fresh[fresh.length - 1];
        var who = last.querySelector("header strong");
        var body = last.querySelector(":scope > p");
        say(phrase("message") + " " + (who ? who.textContent.trim() : "") + ": " + (body ? body.textContent.trim() : ""));
      }
    }
    if (now.assigned > before.assigned) {
      var first = document.querySelector("#assigned-list .conv-item .who");
      say(phrase("assigned") + (first ? ": " + first.textContent.trim() : ""));
    }
    if (now.status && before.status && now.status !== before.status && !now.inService) {
      say(phrase("status") + " " + now.status);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { seen = snapshot(); });
  document.addEventListener("htmx:wsAfterMessage", compare);
  // afterSwap is the answer to a request (live updates swap out of band): the person's own.
  document.addEventListener("htmx:afterSwap", function () { compare(); ownRequest = false; });

  // The last ten seconds of after service: said once per deadline, not every second.
  var warned = {};
  setInterval(function () {
    var countdown = document.querySelector("[data-testid=wrapup-countdown][data-deadline]");
    if (!countdown) return;
    var deadline = countdown.dataset.deadline;
    var left = (Date.parse(deadline) - Date.now()) / 1000;
    if (left <= 10 && left > 0 && !warned[deadline]) {
      warned[deadline] = true;
      say(phrase("wrapup"));
    }
  }, 500);

  // --- Focus after an action -------------------------------------------------------------------
  var focusAfter = null;
  function key(el) {
    if (!el) return null;
    if (el.id) return "#" + CSS.escape(el.id);
    if (el.dataset && el.dataset.testid) return "[data-testid=\"" + el.dataset.testid + "\"]";
    return null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (!form || !form.closest("#desk")) return;
    if (elt.tagName === "FORM" || (elt.tagName === "BUTTON" && elt.type === "submit")) ownRequest = true;
    var then = form.dataset.focusAfter;
    if (!then) return;
    var used = document.activeElement && form.contains(document.activeElement) ? document.activeElement : null;
    focusAfter = {then: then, used: key(used) || key(form.querySelector("[data-testid]")), conversation: form.closest("#desk").dataset.conversation};
  });
  function visible(el) { return el && el.offsetParent !== null; }
  function nextConversation(closed) {
    var items = Array.prototype.slice.call(document.querySelectorAll("#lists .conv-item > a"));
    var next = items.filter(function (a) { return a.closest(".conv-item").id !== "conv-item-" + closed; })[0];
    return next || document.querySelector("#lists .tabs a[aria-current]") || document.querySelector("#lists .tabs a");
  }
  function target(wanted) {
    if (wanted.then === "reply") return document.querySelector("#composer textarea[name=text]");
    if (wanted.then === "next") {
      // Closing leads to after service when the queue has it: its first field is next.
      var wrapup = document.querySelector(".wrapup-form select, .wrapup-form textarea");
      return visible(wrapup) ? wrapup : nextConversation(wanted.conversation);
    }
    return (wanted.used && document.querySelector(wanted.used)) || null;
  }
  document.addEventListener("htmx:afterSettle", function () {
    if (!focusAfter) return;
    var wanted = focusAfter;
    focusAfter = null;
    var el = target(wanted);
    if (el && document.activeElement !== el) el.focus({focusVisible: true});
  });
  window.ccNextConversation = nextConversation;
  // A live update re-renders parts of the desk (the list, the agent's bar) under the keyboard:
  // focus moves to the same control in the new markup (text fields are kept by workspace.js).
  var refocus = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var el = document.activeElement, target = event.detail.target;
    if (!el || el === document.body || !target || !target.contains(el)) return;
    if (el.id && /^(INPUT|TEXTAREA)$/.test(el.tagName)) return;
    var anchor = el.closest("[id]");
    if (!anchor) return;
    refocus = {anchor: anchor.id, tag: el.tagName, index: Array.prototype.indexOf.call(anchor.querySelectorAll(el.tagName), el),
               visible: el.matches(":focus-visible")};
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!refocus) return;
    var wanted = refocus, anchor = document.getElementById(wanted.anchor);
    if (!anchor) return;
    refocus = null;
    var el = wanted.anchor && anchor.id === wanted.anchor && wanted.index === -1 ? anchor : anchor.querySelectorAll(wanted.tag)[wanted.index];
    if (el && document.activeElement !== el) el.focus({focusVisible: wanted.visible});
  });
  // Opening a conversation (a page of its own) leads to its reply box.
  document.addEventListener("DOMContentLoaded", function () {
    var reply = document.getElementById("reply");
    if (reply && document.activeElement === document.body && !location.hash) reply.focus();
  });

  // --- Busy state and failures -----------------------------------------------------------------
  // A form's validation answer (422) replaces the desk like any answer, with the errors shown.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  function busy(form, on) {
    if (!form || form.tagName !== "FORM") return;
    form.setAttribute("aria-busy", on ? "true" : "false");
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = on; if (on) b.setAttribute("aria-busy", "true"); else b.removeAttribute("aria-busy"); });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.tagName === "FORM" && form.closest("#desk")) {
      var old = form.querySelector("[data-testid=request-error]");
      if (old) old.remove();
      busy(form, true);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM" || !form.closest("#desk")) return;
    busy(form, false);
    if (event.detail.successful || (event.detail.xhr && event.detail.xhr.status === 422)) return;
    // Nothing was swapped: what the person typed is still there. Say what happened.
    focusAfter = null;
    var p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.dataset.testid = "request-error";
    p.textContent = phrase("failed");
    form.insertBefore(p, form.firstChild);
  });
})();

// Dialogs and pop-up menus: Escape closes them and focus goes back to what opened them. The
// transfer dialog opens with the button's command (no script needed in current browsers); this
// covers older ones, reopens it after a live update re-rendered it, and after a refused transfer.
(function () {
  "use strict";
  var hasCommands = "commandForElement" in HTMLButtonElement.prototype;
  document.addEventListener("click", function (event) {
    if (hasCommands) return;
    var button = event.target.closest("button[commandfor]");
    if (!button) return;
    var dialog = document.getElementById(button.getAttribute("commandfor"));
    if (!dialog || !dialog.showModal) return;
    if (button.getAttribute("command") === "show-modal" && !dialog.open) dialog.showModal();
    if (button.getAttribute("command") === "close" && dialog.open) dialog.close();
  });
  function openMarked() {
    document.querySelectorAll("dialog[data-show-modal]").forEach(function (dialog) {
      dialog.removeAttribute("data-show-modal");
      if (!dialog.open && dialog.isConnected) dialog.showModal();
    });
  }
  document.addEventListener("DOMContentLoaded", openMarked);
  document.addEventListener("htmx:afterSettle", openMarked);
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target, fragment = event.detail.fragment;
    if (!target || !fragment || !fragment.querySelectorAll) return;
    target.querySelectorAll("dialog[id][open]").forEach(function (open) {
      var twin = fragment.querySelector("dialog[id='" + open.id + "']");
      if (twin) twin.setAttribute("data-show-modal", "");
    });
  });
  document.addEventListener("htmx:oobAfterSwap", openMarked);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return;  // the dialog closes itself
    var menus = Array.prototype.slice.call(document.querySelectorAll("#desk details[open]"));
    if (!menus.length) return;
    var menu = menus.filter(function (d) { return d.contains(document.activeElement); }).pop() || menus[menus.length - 1];
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
    event.preventDefault();
  });
})();

// Skip links: to the conversation list (the current conversation, else the first) and to the
// reply box (the list when no conversation is open).
(function () {
  "use strict";
  function listTarget() {
    return document.querySelector("#lists .conv-item.current > a") || document.querySelector("#lists .conv-item > a")
      || document.querySelector("#lists .tabs a[aria-current]");
  }
  window.ccListTarget = listTarget;
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-skip]");
    if (!link) return;
    var el = link.dataset.skip === "reply" ? (document.getElementById("reply") || listTarget()) : listTarget();
    if (!el) return;
    event.preventDefault();
    el.focus({focusVisible: true});
  });
})();
