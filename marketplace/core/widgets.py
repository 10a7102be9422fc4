"""Form widgets shared by the centers."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


class ImageUploadInput(forms.FileInput):
    """An image upload that shows the image: the current one (pass it as `current`, a
    stored file), and a preview of the file chosen to replace it, drawn in the browser
    by static/js/image_upload.js (pages load it in their scripts block). It has no
    "Clear" box: a required image is replaced, never removed.

    Rendered here rather than from a widget template, so that it works with Django's
    default form renderer.
    """

    def __init__(self, attrs=None, *, current=None) -> None:
        attrs = {"accept": "image/png,image/jpeg", **(attrs or {})}
        super().__init__(attrs)
        self.current = current

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = dict(attrs or {})
        attrs.setdefault("data-image-upload-input", "")
        file_input = super().render(name, value, attrs, renderer)
        current_url = getattr(self.current, "url", "") if self.current else ""
        return format_html(
            '<div class="d-flex flex-wrap align-items-center gap-3" data-image-upload>'
            '<img src="{}" alt="{}" class="img-thumbnail" style="max-height: 80px" '
            "data-image-upload-preview{}>"
            '<div class="flex-grow-1"><div class="small text-muted mb-1" '
            "data-image-upload-caption>{}</div>{}</div></div>",
            current_url,
            _("Image preview"),
            "" if current_url else SafeString(" hidden"),
            _("Current image. Choose a file to replace it.")
            if current_url
            else _("Choose an image: it shows here before you save."),
            file_input,
        )
