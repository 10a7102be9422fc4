/* "Start from the template" buttons of the product form (catalog/widgets.py).
 *
 * A button with data-fill-template="<textarea id>" copies the text of the hidden
 * textarea named by data-template-source into that field, after asking (data-confirm)
 * when the field already has text. No request: the page carries the template.
 */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-template]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.dataset.fillTemplate);
    var source = document.getElementById(button.dataset.templateSource);
    if (!field || !source) {
      return;
    }
    if (field.value.trim() && !window.confirm(button.dataset.confirm)) {
      return;
    }
    field.value = source.value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  });
})();
