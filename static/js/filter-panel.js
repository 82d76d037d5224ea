// On narrow screens the listing's filters fold behind their "Filter activities"
// toggle, so that the results come first; on wide screens, beside the results,
// they stay open. Without JavaScript they are open everywhere and work as a
// plain form. A panel marked data-keep-open (its form has errors) stays open.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 64em)");
  document.querySelectorAll("details.filter-panel").forEach(function (panel) {
    function fit() {
      panel.open = wide.matches || panel.hasAttribute("data-keep-open");
    }
    fit();
    wide.addEventListener("change", fit);
  });
})();
