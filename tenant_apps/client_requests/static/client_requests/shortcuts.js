// The team's keyboard shortcuts on the request pages (the list of them: includes/shortcuts.html).
// A static file, not an inline script, for the CSP. Keys never fire while someone types in a
// field or holds a modifier, so they cannot eat text or a browser shortcut.
(function () {
  "use strict";

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || target.closest("input, textarea, select") !== null;
  }

  function updateForm() {
    return document.getElementById("request-update");
  }

  function focusField(name) {
    var form = updateForm();
    var field = form && form.elements.namedItem(name);
    if (!field) return false;
    field.focus();
    field.scrollIntoView({ block: "center" });
    return true;
  }

  function assignToMe() {
    var form = updateForm();
    var owner = form && form.elements.namedItem("owner");
    if (!owner) return false;
    var me = form.getAttribute("data-me");
    var offered = Array.prototype.some.call(owner.options, function (option) {
      return option.value === me;
    });
    var said = document.getElementById("update-saved");
    if (!offered) {
      if (said) said.textContent = "You don't work on this client's requests, so you can't own this one.";
      return true;
    }
    owner.value = me;
    form.requestSubmit();
    return true;
  }

  // j / k: the next or previous row's link in a request list, wrapping at neither end.
  function moveInList(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("table.requests tbody td.title a"));
    if (!links.length) return false;
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : index + step;
    if (next < 0 || next >= links.length) return true;
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  var opener = null;

  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return false;
    opener = document.activeElement;
    dialog.showModal();
    return true;
  }

  var keys = {
    a: assignToMe,
    s: function () { return focusField("status"); },
    n: function () { return focusField("note"); },
    j: function () { return moveInList(1); },
    k: function () { return moveInList(-1); },
    "?": showShortcuts,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-shortcuts-open]");
    if (button) showShortcuts();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    // Focus goes back to where it was when the dialog opened (WCAG: dialogs return focus).
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) opener.focus();
      opener = null;
    });
  });
})();
