// The brand preview card carries its proposed colours in data attributes; set them as the
// card's CSS custom properties through the CSSOM, which the CSP allows (inline styles it
// does not). Runs on page load and on each card htmx swaps in.
(function () {
  "use strict";

  function applyColours(root) {
    var cards = root.matches && root.matches("[data-preview-primary]")
      ? [root]
      : root.querySelectorAll("[data-preview-primary]");
    Array.prototype.forEach.call(cards, function (card) {
      card.style.setProperty("--brand-primary", card.dataset.previewPrimary);
      card.style.setProperty("--brand-accent", card.dataset.previewAccent);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { applyColours(document); });
  document.addEventListener("htmx:load", function (event) { applyColours(event.detail.elt); });
})();
