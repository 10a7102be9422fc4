/* Product page tabs that links and the back button understand.
 *
 * The URL's hash names the open tab (#overview, #specs, #support): a link to #specs
 * (the "See specs and prices" button, or one from elsewhere) opens that tab on load and
 * on hashchange, and opening a tab by its trigger pushes its hash, so Back returns to
 * the tab before. The tab triggers stay the only elements with data-bs-toggle="tab":
 * Bootstrap's Tab needs its trigger inside the tab list.
 */
(function () {
  "use strict";
  var list = document.getElementById("product-tabs");
  if (!list || !window.bootstrap) {
    return;
  }

  function triggerFor(hash) {
    if (!hash || hash.length < 2) {
      return null;
    }
    var id = hash.slice(1);
    var pane = document.getElementById(id);
    if (!pane || !pane.classList.contains("tab-pane")) {
      return null;
    }
    return list.querySelector('[data-bs-toggle="tab"][data-bs-target="#' + id + '"]');
  }

  var first = list.querySelector('[data-bs-toggle="tab"]');

  function show(hash, scroll) {
    var trigger = triggerFor(hash) || (hash ? null : first);
    if (!trigger) {
      return;
    }
    window.bootstrap.Tab.getOrCreateInstance(trigger).show();
    if (scroll) {
      list.scrollIntoView({ block: "start" });
    }
  }

  // Opening a tab by its trigger records it in the history (not when the hash opened it).
  list.addEventListener("shown.bs.tab", function (event) {
    var target = event.target.getAttribute("data-bs-target");
    if (target && window.location.hash !== target) {
      if (!window.location.hash && target === first.getAttribute("data-bs-target")) {
        return;
      }
      history.pushState(null, "", target);
    }
  });

  window.addEventListener("hashchange", function () {
    show(window.location.hash, Boolean(triggerFor(window.location.hash)));
  });
  window.addEventListener("popstate", function () {
    show(window.location.hash, false);
  });

  if (triggerFor(window.location.hash)) {
    show(window.location.hash, true);
  }
})();
