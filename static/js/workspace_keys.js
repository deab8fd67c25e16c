// Keyboard shortcuts of the workspace, listed in the "?" overlay (#shortcuts), where they can be
// turned off (localStorage "cc-shortcuts" = "off"). Keys are never taken while the person types
// in a field, except Ctrl+Enter in the reply box, which sends, and Alt+letter where it types no
// character.
(function () {
  "use strict";

  function enabled() { return window.localStorage.getItem("cc-shortcuts") !== "off"; }
  function typing(el) {
    if (!el) return false;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }
  function focus(el) {
    if (!el) return false;
    el.focus({focusVisible: true});
    return true;
  }
  // j/k: with a conversation open, open the next/previous one; otherwise move along the list
  // (Enter opens, Tab reaches the item's Asignarme).
  function step(delta) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#lists .conv-item > a"));
    if (!links.length) return false;
    var focused = links.indexOf(document.activeElement);
    var open = links.findIndex(function (a) { return a.closest(".conv-item").classList.contains("current"); });
    var current = focused !== -1 ? focused : open;
    var next = current === -1 ? links[0] : links[Math.min(links.length - 1, Math.max(0, current + delta))];
    if (open !== -1 && focused === -1 && next !== links[open]) { next.click(); return true; }
    return focus(next);
  }
  function tab(name) {
    var link = document.querySelector("[data-testid=tab-" + name + "]");
    if (!link || link.getAttribute("aria-current")) return false;
    link.click();
    return true;
  }
  function send() {
    var form = document.getElementById("composer");
    if (!form) return false;
    if (form.requestSubmit) form.requestSubmit(form.querySelector("[data-testid=send]"));
    else form.querySelector("[data-testid=send]").click();
    return true;
  }
  var actions = {
    "j": function () { return step(1); },
    "k": function () { return step(-1); },
    "r": function () { return focus(document.getElementById("reply")); },
    "a": function () { return tab("assigned"); },
    "u": function () { return tab("unassigned"); },
    "Alt+c": function () { return click("[data-testid=close]"); },
    "Alt+t": function () { return click("[data-testid=transfer-open]"); },
    "Alt+n": function () { return click("[data-testid=receive-new]"); },
    "Alt+s": function () { return focus(document.querySelector("[data-testid=status-menu]")); },
    "?": function () { return openHelp(); }
  };
  function help() { return document.getElementById("shortcuts"); }
  function openHelp() {
    var dialog = help();
    if (!dialog || dialog.open) return false;
    dialog.showModal();
    return true;
  }
  window.ccOpenShortcuts = openHelp;

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.id === "reply") {
      if (send()) event.preventDefault();
      return;
    }
    if (!enabled() || document.querySelector("dialog[open]")) return;
    if (event.ctrlKey || event.metaKey) return;
    var name;
    if (event.altKey) {
      if (!/^Key[A-Z]$/.test(event.code)) return;
      var letter = event.code.slice(3).toLowerCase();
      // In a field, Alt+letter acts only where it types nothing (Windows, Linux); where it types
      // a character (Option+c is "ç" on a Mac) the character is the person's.
      if (typing(target) && event.key.toLowerCase() !== letter) return;
      name = "Alt+" + letter;
    } else {
      if (typing(target)) return;
      name = event.key;
    }
    var action = actions[name];
    if (action && action()) event.preventDefault();
  });

  // The switch in the overlay, and the button that opens it (shortcuts on or off).
  function reflect() {
    document.querySelectorAll("[data-shortcuts-switch]").forEach(function (box) { box.checked = enabled(); });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-shortcuts-switch]")) return;
    window.localStorage.setItem("cc-shortcuts", event.target.checked ? "on" : "off");
    reflect();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) openHelp();
  });
  document.addEventListener("DOMContentLoaded", reflect);
})();
