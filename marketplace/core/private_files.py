"""Private documents (business licences, authorization letters): stored apart from the
public media and handed out only through a signed, permission-checked link.

- `private_storage` is the `storage=` of such FileFields: the `STORAGES["private"]`
  backend, local disk outside MEDIA_ROOT or a private S3 prefix with signed URLs.
- `private_url(obj, "field")` is the link to show (templates: `{% load private_files %}`,
  `{{ obj|private_url:"field" }}`). Its token signs (model label, pk, field name) and
  expires after `PRIVATE_FILE_LINK_MAX_AGE` seconds; it carries no storage path.
- The `private_file` view opens the token, asks the object itself
  (`obj.can_view_private_file(user, field_name)`) on every request, and answers 404 to
  everyone else. The kernel never imports the models: it resolves them by label.
"""

from __future__ import annotations

import mimetypes

import filetype
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename

from .files import original_name

STORAGE_ALIAS = "private"
SALT = "marketplace.core.private_files"
# Types a browser may show inline; anything else is sent as an opaque download.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private storage: files have no public URL (`url()` refuses), so a template
    or admin that forgets `private_url` fails loudly instead of printing a dead or,
    worse, a public link."""

    def url(self, name):
        raise ValueError("Private files have no public URL: use private_url(obj, field).")


class _PrivateStorage(LazyObject):
    """`storages["private"]`, looked up when first used and again after a change of
    `STORAGES` (tests point it to a temporary folder). A FileField calls its storage
    callable once, at import: a plain `storages["private"]` would be fixed then."""

    def _setup(self):
        self._wrapped = storages[STORAGE_ALIAS]


_private_storage = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private_storage._wrapped = empty


def private_storage():
    """The `storage=` callable of private FileFields (a callable keeps migrations free of
    the environment's storage settings)."""
    return _private_storage


# --- links --------------------------------------------------------------------------------


def make_token(obj: models.Model, field_name: str) -> str:
    return signing.dumps([obj._meta.label_lower, obj.pk, field_name], salt=SALT, compress=True)


def read_token(token: str) -> tuple[str, object, str]:
    """(model label, pk, field name) of a valid, unexpired token; `Http404` otherwise."""
    try:
        label, pk, field_name = signing.loads(
            token, salt=SALT, max_age=settings.PRIVATE_FILE_LINK_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not (isinstance(label, str) and isinstance(field_name, str)):
        raise Http404
    return label, pk, field_name


def private_url(obj: models.Model | None, field_name: str) -> str:
    """The download link of `obj.<field_name>`, or "" when there is no file."""
    if obj is None or obj.pk is None or not getattr(obj, field_name, None):
        return ""
    return reverse("private_file", kwargs={"token": make_token(obj, field_name)})


# --- serving ------------------------------------------------------------------------------


def _private_field(model, field_name: str) -> models.FileField:
    """The private FileField `field_name` of `model`, or `Http404`."""
    try:
        field = model._meta.get_field(field_name)
    except Exception as exc:  # FieldDoesNotExist and friends: nothing to give away
        raise Http404 from exc
    if not isinstance(field, models.FileField) or field.storage is not _private_storage:
        raise Http404
    return field


def fetch_file(token: str, user):
    """The FieldFile a token names, if `user` may see it; `Http404` for anyone else, for
    a bad or expired token and for a missing object or file alike."""
    label, pk, field_name = read_token(token)
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    _private_field(model, field_name)
    if not hasattr(model, "can_view_private_file"):
        raise Http404
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None or not obj.can_view_private_file(user, field_name):
        raise Http404
    fieldfile = getattr(obj, field_name)
    if not fieldfile:
        raise Http404
    return fieldfile


def download_name(name: str, fallback: str) -> str:
    """The file's name as uploaded (files.original_name of its storage key), made safe
    for a header."""
    base = original_name(name)
    try:
        return get_valid_filename(base)
    except SuspiciousFileOperation:
        return fallback


def _content_type(head: bytes) -> str:
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    return mime if mime in INLINE_TYPES else "application/octet-stream"


def serve(fieldfile) -> HttpResponse:
    """Stream a local private file, or send the browser to a short-lived presigned URL
    of the object storage."""
    storage = fieldfile.storage
    filename = download_name(fieldfile.name, fallback=fieldfile.field.name)
    if not isinstance(storage, FileSystemStorage):
        # S3: the object was checked by its bytes on upload and named to match, so its
        # name gives the type without downloading it here first.
        guessed = mimetypes.guess_type(filename)[0] or ""
        response = HttpResponseRedirect(
            storage.url(
                fieldfile.name,
                parameters={
                    "ResponseContentType": guessed
                    if guessed in INLINE_TYPES
                    else "application/octet-stream",
                    "ResponseContentDisposition": content_disposition_header(False, filename),
                    "ResponseCacheControl": "private, no-store",
                },
            )
        )
    else:
        try:
            handle = storage.open(fieldfile.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        head = handle.read(2048)
        handle.seek(0)
        response = FileResponse(
            handle, content_type=_content_type(head), as_attachment=False, filename=filename
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
