// The request list's bulk selection: "select all on this page" ticks every row's box, and the
// bar says how many are chosen. A static file, not an inline script, for the CSP. Without it
// the boxes still work one by one and "all matching these filters" needs none of this.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-pick]"));
  }

  function say() {
    var count = document.getElementById("bulk-count");
    if (!count) return;
    var everything = document.querySelector("input[name=everything]");
    var picked = boxes().filter(function (box) { return box.checked; }).length;
    count.textContent = everything && everything.checked
      ? everything.getAttribute("data-label")
      : picked + " selected";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-select-page]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    say();
  });
  document.addEventListener("htmx:afterSwap", say);
  document.addEventListener("DOMContentLoaded", say);
})();
