/* Image uploads with a preview (marketplace/core/widgets.py, ImageUploadInput).
 *
 * When a file is chosen in an input inside [data-image-upload], its preview image shows
 * that file (an object URL, nothing uploaded yet); choosing none shows the current image
 * again.
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-image-upload] input[type=file]")) {
      return;
    }
    var box = input.closest("[data-image-upload]");
    var preview = box.querySelector("[data-image-upload-preview]");
    if (!preview) {
      return;
    }
    if (!preview.dataset.currentSrc) {
      preview.dataset.currentSrc = preview.getAttribute("src") || "";
    }
    var file = input.files && input.files[0];
    if (file && /^image\//.test(file.type)) {
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    } else {
      preview.src = preview.dataset.currentSrc;
      preview.hidden = !preview.dataset.currentSrc;
    }
  });
})();
