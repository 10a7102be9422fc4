"""Writes of the open API that belong to no other domain module: uploads (§4.2).

`isv_upload_create` stores a string (type CHARACTERS) or a file (type FILE) a seller's
server sent for a marketplace event. A file goes to the default storage (django-storages
in production) under `isv-uploads/<uuid4 hex>.<ext>`; its name as sent is kept in
`file_name`. For FILE the SHA-256 the seller declared must match the bytes received
(else nothing is stored), and the size is at most `OPEN_API_UPLOAD_MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ..models import IsvUpload
from . import errors

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def isv_upload_create(
    *,
    seller,
    event_id: str,
    type: str,  # noqa: A002 - the wire field's name
    characters: str = "",
    file: UploadedFile | None = None,
    file_name: str = "",
    sha256: str = "",
) -> IsvUpload:
    if type == IsvUpload.Type.CHARACTERS:
        if not characters:
            raise errors.OpenApiError(
                errors.INVALID_PARAMETER, "characters is required for type CHARACTERS."
            )
        return IsvUpload.objects.create(
            seller=seller, event_id=event_id, type=type, characters=characters
        )
    if file is None:
        raise errors.OpenApiError(errors.INVALID_PARAMETER, "The file part is missing.")
    if not file_name or not sha256:
        raise errors.OpenApiError(
            errors.INVALID_PARAMETER, "file_name and sha256 are required for type FILE."
        )
    if file.size > settings.OPEN_API_UPLOAD_MAX_BYTES:
        raise errors.OpenApiError(
            errors.INVALID_PARAMETER,
            f"The file is larger than {settings.OPEN_API_UPLOAD_MAX_BYTES} bytes.",
        )
    if _sha256(file) != sha256.lower():
        raise errors.OpenApiError(
            errors.INVALID_PARAMETER, "sha256 does not match the file received."
        )
    upload = IsvUpload(
        seller=seller, event_id=event_id, type=type, file_name=file_name, sha256=sha256.lower()
    )
    match = _EXTENSION.search(file_name)
    stored_name = uuid.uuid4().hex + (f".{match[1].lower()}" if match else "")
    upload.file.save(stored_name, file, save=False)
    upload.save()
    return upload
