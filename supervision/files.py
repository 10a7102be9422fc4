"""Evidence files (05 › Evidence files): checked by their content, stored privately,
linked only for the case's parties and operators.

Accepted: PDF, PNG, JPEG, Word / Excel / PowerPoint (docx, xlsx, pptx) and ZIP, each
recognised by its bytes (`marketplace.core.files.check_document`) with a matching
extension, so a text file renamed to `.pdf` or a ZIP renamed to `.docx` is refused; at
most `SUPERVISION_EVIDENCE_MAX_BYTES` each and `MAX_FILES_PER_ACTION` per request.

Checking (`evidence_check`) reads the files and writes nothing, so a service checks all
of a request's files before it changes anything; storing (`evidence_store`) happens in
the service's transaction after its checks passed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.core.files import check_document, display_name
from marketplace.core.private_files import private_url

from .exceptions import EvidenceRejected

OFFICE = "application/vnd.openxmlformats-officedocument."
EVIDENCE_MIMES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    OFFICE + "wordprocessingml.document": (".docx",),
    OFFICE + "spreadsheetml.sheet": (".xlsx",),
    OFFICE + "presentationml.presentation": (".pptx",),
    "application/zip": (".zip",),
}
MAX_FILES_PER_ACTION = 10


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    sha256: str
    size: int
    content_type: str

    def as_log(self, path: str) -> dict:
        """The file as the log records it (and hashes it)."""
        return {"name": self.name, "sha256": self.sha256, "path": path}


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def evidence_check(upload) -> CheckedFile:
    """One upload checked by content and size; `EvidenceRejected` otherwise."""
    try:
        mime = check_document(
            upload, max_bytes=settings.SUPERVISION_EVIDENCE_MAX_BYTES, mimes=EVIDENCE_MIMES
        )
    except ValidationError as exc:
        raise EvidenceRejected(
            _("“%(name)s”: %(problem)s")
            % {"name": display_name(upload.name), "problem": " ".join(exc.messages)}
        ) from None
    return CheckedFile(
        upload=upload,
        name=display_name(upload.name),
        sha256=_sha256(upload),
        size=upload.size,
        content_type=mime,
    )


def evidence_check_all(uploads: Iterable | None) -> list[CheckedFile]:
    """All of a request's files checked (none is fine here; the flow may require one)."""
    uploads = [u for u in (uploads or ()) if u]
    if len(uploads) > MAX_FILES_PER_ACTION:
        raise EvidenceRejected(
            _("Attach at most %(count)s files at a time.") % {"count": MAX_FILES_PER_ACTION}
        )
    return [evidence_check(upload) for upload in uploads]


def evidence_store(*, case, checked: CheckedFile, actor, role: str, log_seq: int, now, appeal=None):
    """Save one checked file to private storage with its row; return the row."""
    from .models import EvidenceFile

    evidence = EvidenceFile(
        case=case,
        appeal=appeal,
        uploaded_by=actor,
        role=role,
        log_seq=log_seq,
        original_name=checked.name,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        created_at=now,
    )
    checked.upload.seek(0)
    evidence.file.save(checked.name, checked.upload, save=False)
    evidence.save(force_insert=True)
    return evidence


def evidence_url(evidence) -> str:
    """The signed, expiring link of an evidence file; the view checks the viewer again
    (`EvidenceFile.can_view_private_file`) on every request."""
    return private_url(evidence, "file")
