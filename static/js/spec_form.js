/* The seller's spec form shows only what the chosen billing mode needs.
 *
 * Elements with data-modes="trial package ..." are shown only for those billing modes
 * (trial days, package kind and quota, the price's unit and max periods), and each
 * price row's period offers only the periods that fit the mode (the JSON in
 * #spec-periods, from services.PERIODS_BY_MODE). The server drops values of hidden
 * fields, so nothing hidden can cause an error. Runs on load and after htmx swaps the
 * form (adding a row).
 */
(function () {
  "use strict";

  function periodsFor(mode) {
    var data = document.getElementById("spec-periods");
    if (!data) {
      return null;
    }
    return JSON.parse(data.textContent)[mode] || null;
  }

  function sync(form) {
    var select = form.querySelector("select[name=billing_mode]");
    if (!select) {
      return;
    }
    var mode = select.value;
    form.querySelectorAll("[data-modes]").forEach(function (element) {
      element.hidden = element.getAttribute("data-modes").split(" ").indexOf(mode) === -1;
    });
    var periods = periodsFor(mode);
    if (!periods) {
      return;
    }
    form.querySelectorAll("select[name$='-period']").forEach(function (period) {
      var first = null;
      Array.prototype.forEach.call(period.options, function (option) {
        var fits = periods.indexOf(option.value) !== -1;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && first === null) {
          first = option.value;
        }
      });
      if (periods.indexOf(period.value) === -1 && first !== null) {
        period.value = first;
      }
    });
  }

  function init() {
    var form = document.getElementById("spec-form");
    if (form) {
      sync(form);
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "billing_mode" && target.form && target.form.id === "spec-form") {
      sync(target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
})();
