"""Upload checks by content, not by name: Pillow for images, `filetype` for the rest;
and the names uploads are stored under.

Each validator raises `ValidationError` with a translated message and leaves the file
untouched; forms call them as field validators, services may call them again.

Storage names: a file is stored as `<prefix>/<yyyy>/<mm>/<uuid4 hex><ext>` whatever its
name on the uploader's computer (250 ASCII characters or 80 Chinese ones overflow a
file-system name of 255 bytes); the original name is kept in an `UploadName` row for
display (`original_name`). The extension is the canonical one of the file's type: every
upload passes a check above, which requires the name's extension to match the type
detected from the bytes, so `.JPEG` becomes `.jpg` and a name without a known
extension gets none.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import uuid

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .limits import MAX_FILE_NAME_LENGTH

IMAGE_FORMATS = {"JPEG": "JPG/JPEG", "PNG": "PNG"}
IMAGE_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
VIDEO_MIMES = {"video/mp4": (".mp4",), "video/quicktime": (".mov",)}
DOCUMENT_MIMES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
# The extension a stored file gets, from the (checked) extension of its upload's name.
STORED_EXTENSIONS = {
    ".jpg": ".jpg",
    ".jpeg": ".jpg",
    ".png": ".png",
    ".pdf": ".pdf",
    ".mp4": ".mp4",
    ".mov": ".mov",
}
# Keys of files stored before the generated keys: "<32 hex>-<original name>".
_LEGACY_PREFIX = re.compile(r"^[0-9a-f]{32}-")


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


# --- storage names ------------------------------------------------------------------------


def display_name(filename: str) -> str:
    """The uploaded file's own name, fit for display and a header: no folders, no control
    characters, at most `MAX_FILE_NAME_LENGTH` characters (cut at a character, never
    inside one, keeping the extension)."""
    name = posixpath.basename((filename or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(name) > MAX_FILE_NAME_LENGTH:
        root, dot, ext = name.rpartition(".")
        if dot and root and len(ext) < 16:
            name = f"{root[: MAX_FILE_NAME_LENGTH - len(ext) - 1]}.{ext}"
        else:
            name = name[:MAX_FILE_NAME_LENGTH]
    return name or "file"


def new_upload_key(prefix: str, filename: str) -> str:
    """The storage name of a new upload, `<prefix>/<yyyy>/<mm>/<uuid4 hex><ext>`, and a
    record of its original name. For the models' `upload_to`: Django calls it when the
    file is saved, inside the saving transaction, so the record commits with the file's
    row."""
    from .models import UploadName

    ext = STORED_EXTENSIONS.get(posixpath.splitext(filename or "")[1].lower(), "")
    key = f"{prefix}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{ext}"
    UploadName.objects.create(key=key, original_name=display_name(filename))
    return key


def _fallback_name(key: str) -> str:
    return _LEGACY_PREFIX.sub("", posixpath.basename(key or ""))


def original_names(keys) -> dict[str, str]:
    """{storage key: the name it was uploaded with} for several files, in one query."""
    from .models import UploadName

    keys = {str(key) for key in keys if key}
    found = dict(UploadName.objects.filter(key__in=keys).values_list("key", "original_name"))
    return {key: found.get(key) or _fallback_name(key) for key in keys}


def original_name(fieldfile) -> str:
    """The name a stored file (a FieldFile or its storage key) was uploaded with."""
    key = getattr(fieldfile, "name", fieldfile) or ""
    return original_names([key]).get(key, "") if key else ""
