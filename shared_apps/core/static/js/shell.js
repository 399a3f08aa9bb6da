// The app shell's behaviour (no inline scripts under the CSP):
// - "Menu"/"More" buttons (data-menu-toggle) open and close the navigation they control on
//   small screens; Escape closes it and gives focus back to the button that opened it.
// - Tables that scroll sideways in their own box can be reached and scrolled by keyboard.
// - Filters (details.fold) are folded on phones unless some are in use, open on wider screens.
// - On an agency's host (it links a manifest) the service worker that keeps the shell offline.
(function () {
  "use strict";

  var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-menu-toggle]"));
  var menu = toggles.length ? document.getElementById(toggles[0].getAttribute("aria-controls")) : null;
  var opener = null;

  function setOpen(open, button) {
    menu.classList.toggle("open", open);
    toggles.forEach(function (toggle) { toggle.setAttribute("aria-expanded", String(open)); });
    if (open) {
      opener = button;
      var first = menu.querySelector("a");
      if (first) first.focus();
    } else if (opener) {
      opener.focus();
      opener = null;
    }
  }

  if (menu) {
    toggles.forEach(function (toggle) {
      toggle.addEventListener("click", function () { setOpen(!menu.classList.contains("open"), toggle); });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) setOpen(false);
    });
  }

  var phone = window.matchMedia("(max-width: 767px)");
  function fold() {
    document.querySelectorAll("details.fold[data-fold-on-phones]").forEach(function (details) {
      details.open = !phone.matches;
    });
  }
  fold();
  phone.addEventListener("change", fold);

  // A table that scrolls sideways in its own box takes focus, so the keyboard can scroll it.
  function reachScrollers() {
    document.querySelectorAll(".page table, .table-scroll").forEach(function (box) {
      if (getComputedStyle(box).overflowX === "visible") return;
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    });
  }
  reachScrollers();
  window.addEventListener("resize", reachScrollers);
  document.addEventListener("htmx:afterSettle", reachScrollers);

  if ("serviceWorker" in navigator && document.querySelector('link[rel="manifest"]')) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" });
  }
})();
