"""Upload checks by content, not by name: Pillow for images, `filetype` for the rest.

Each validator raises `ValidationError` with a translated message and leaves the file
untouched; forms call them as field validators, services may call them again.
"""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG": "JPG/JPEG", "PNG": "PNG"}
IMAGE_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
VIDEO_MIMES = {"video/mp4": (".mp4",), "video/quicktime": (".mov",)}
DOCUMENT_MIMES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def _check_size(upload, max_bytes: int) -> None:
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty_file")


def _name_matches(upload, extensions: tuple[str, ...]) -> bool:
    return (upload.name or "").lower().endswith(extensions)


def _head(upload, length: int = 8192) -> bytes:
    upload.seek(0)
    data = upload.read(length)
    upload.seek(0)
    return data


def check_image(
    upload,
    *,
    max_bytes: int,
    exact_size: tuple[int, int] | None = None,
    exact_width: int | None = None,
) -> tuple[int, int]:
    """Accept a real JPEG or PNG (content and extension agree); return (width, height)."""
    _check_size(upload, max_bytes)
    allowed = ", ".join(IMAGE_FORMATS.values())
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            img.verify()
            fmt, size = img.format, img.size
    except (
        UnidentifiedImageError,
        # A decompression bomb (a small file declaring a huge image): Pillow refuses it
        # with an exception of its own, not an OSError.
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(
            _("This file is not a valid image. Upload a %(formats)s file.") % {"formats": allowed},
            code="not_an_image",
        ) from exc
    finally:
        upload.seek(0)
    # Many cameras write JPEGs with extra frames that Pillow calls "MPO": still a JPEG.
    fmt = "JPEG" if fmt == "MPO" else fmt
    if fmt not in IMAGE_FORMATS or not _name_matches(upload, IMAGE_EXTENSIONS[fmt]):
        raise ValidationError(
            _("Only %(formats)s images are accepted, with a matching file extension.")
            % {"formats": allowed},
            code="bad_image_format",
        )
    if exact_size and size != tuple(exact_size):
        raise ValidationError(
            _("The image must be exactly %(w)s×%(h)s pixels; this one is %(aw)s×%(ah)s.")
            % {"w": exact_size[0], "h": exact_size[1], "aw": size[0], "ah": size[1]},
            code="bad_image_size",
        )
    if exact_width and size[0] != exact_width:
        raise ValidationError(
            _("The image must be %(w)s pixels wide; this one is %(aw)s.")
            % {"w": exact_width, "aw": size[0]},
            code="bad_image_width",
        )
    return size


def check_video(upload, *, max_bytes: int) -> str:
    """Accept an MP4 or MOV video, recognised by its bytes; return its MIME type."""
    _check_size(upload, max_bytes)
    kind = filetype.guess(_head(upload))
    mime = kind.mime if kind else ""
    if mime not in VIDEO_MIMES or not _name_matches(upload, VIDEO_MIMES[mime]):
        raise ValidationError(
            _("Only MP4 or MOV videos are accepted, with a matching file extension."),
            code="bad_video",
        )
    return mime


def check_document(upload, *, max_bytes: int, mimes: dict | None = None) -> str:
    """Accept a PDF or image document, recognised by its bytes; return its MIME type."""
    mimes = mimes or DOCUMENT_MIMES
    _check_size(upload, max_bytes)
    kind = filetype.guess(_head(upload))
    mime = kind.mime if kind else ""
    if mime not in mimes or not _name_matches(upload, mimes[mime]):
        extensions = sorted({ext for exts in mimes.values() for ext in exts})
        raise ValidationError(
            _("This file type is not accepted. Allowed: %(types)s.")
            % {"types": ", ".join(extensions)},
            code="bad_document",
        )
    return mime
