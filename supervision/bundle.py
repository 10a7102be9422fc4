"""The dispute bundle (05 › Acting on a case: "the admin shows the log read-only and can
export it for a dispute"): one ZIP that holds everything a third party needs to check a
case without access to the marketplace.

- `log.json`: every log row as stored: the fields its hash covers (`CaseLog.content()`,
  `CONTENT_FIELDS`), the actor's account name, `prev_hash` and `hash`. Anyone can
  recompute `hash = SHA-256(prev_hash + canonical JSON of the content)` (`HASH_RULE`).
- `log.csv`: the same rows for people (UTF-8 with a byte-order mark, so spreadsheets read
  the Chinese); `files` and `data` as JSON; a text cell a spreadsheet would run as a
  formula starts with an apostrophe (`log.json` keeps the text exactly).
- `evidence/<log entry>-<id>-<name>`: every evidence file of the case, copied from the
  private storage block by block (never a whole file in memory), its SHA-256 recomputed
  while copying and compared with the one recorded at upload.
- `manifest.json` (written last): the case and order facts, the appeals, each file of the
  bundle with its size and SHA-256, the chain's head and whether `verify_chain` passes
  (else the first broken row).

The ZIP is written to a `SpooledTemporaryFile` (in memory up to `SPOOL_BYTES`, then on
disk) that the admin streams back. Reading only: nothing is written to the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils import timezone, translation
from django.utils.text import get_valid_filename

from marketplace.core.files import display_name

from .flows import ACTION_LABELS, FlowCode, Node
from .models import Appeal, Case, CaseLog, EvidenceFile
from .services.log import verify_chain

FORMAT = "marketplace-supervision-dispute-bundle/1"
HASH_RULE = "hash = sha256_hex(prev_hash + canonical_json(content)), prev_hash of row 1 = ''"
CANONICAL_JSON = "JSON with sorted keys, separators (',', ':'), UTF-8, no ASCII escaping"
CONTENT_FIELDS = (
    "case",
    "seq",
    "actor",
    "role",
    "action",
    "from_node",
    "to_node",
    "comment",
    "files",
    "data",
    "created_at",
)
CSV_COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "actor_username",
    "role",
    "action",
    "from_node",
    "to_node",
    "comment",
    "files",
    "data",
    "prev_hash",
    "hash",
)
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Bundle:
    file: IO[bytes]  # the ZIP, positioned at its start
    filename: str
    size: int
    manifest: dict


class _HashingWriter:
    """Write-through to a ZIP entry, counting bytes and hashing them."""

    def __init__(self, target) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)

    def facts(self, path: str) -> dict:
        return {"path": path, "sha256": self.digest.hexdigest(), "size": self.size}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def csv_text(value: str) -> str:
    """A text cell as log.csv writes it (a formula start gets an apostrophe)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def log_row(row: CaseLog) -> dict:
    """One row of log.json: the hashed content, the actor's name and the two hashes."""
    return {
        **row.content(),
        "actor_username": row.actor.username if row.actor_id else None,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def csv_row(row: CaseLog) -> list[str]:
    """One row of log.csv, in `CSV_COLUMNS` order."""
    content = row.content()
    return [
        str(row.seq),
        content["created_at"],
        "" if row.actor_id is None else str(row.actor_id),
        csv_text(row.actor.username) if row.actor_id else "",
        row.role,
        row.action,
        row.from_node,
        row.to_node,
        csv_text(row.comment),
        json.dumps(row.files, ensure_ascii=False, sort_keys=True),
        json.dumps(row.data, ensure_ascii=False, sort_keys=True),
        row.prev_hash,
        row.hash,
    ]


def evidence_path(evidence: EvidenceFile) -> str:
    """Where an evidence file sits in the ZIP: unique (log entry, id) and readable."""
    name = get_valid_filename(display_name(evidence.original_name)) or "file"
    return f"evidence/{evidence.log_seq}-{evidence.pk}-{name}"


def bundle_filename(case: Case) -> str:
    return f"supervision-case-{case.pk}-{get_valid_filename(case.order.number)}.zip"


def _entry(zf: zipfile.ZipFile, path: str, when: dt.datetime):
    info = zipfile.ZipInfo(path, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return zf.open(info, "w")


def _write_log_csv(zf, rows, when) -> dict:
    writer = csv.writer(_Echo())
    with _entry(zf, "log.csv", when) as entry:
        out = _HashingWriter(entry)
        out.write(("\ufeff" + writer.writerow(CSV_COLUMNS)).encode("utf-8"))
        for row in rows:
            out.write(writer.writerow(csv_row(row)).encode("utf-8"))
    return out.facts("log.csv")


def _write_log_json(zf, rows, when) -> dict:
    with _entry(zf, "log.json", when) as entry:
        out = _HashingWriter(entry)
        out.write(b"[")
        for i, row in enumerate(rows):
            line = json.dumps(log_row(row), ensure_ascii=False, sort_keys=True)
            out.write((("," if i else "") + "\n" + line).encode("utf-8"))
        out.write(b"\n]\n")
    return out.facts("log.json")


def _write_evidence(zf, evidence: EvidenceFile, logged: set[tuple[int, str]], when) -> dict:
    facts = {
        "id": evidence.pk,
        "original_name": evidence.original_name,
        "log_seq": evidence.log_seq,
        "appeal": evidence.appeal_id,
        "role": evidence.role,
        "uploaded_by": evidence.uploaded_by.username,
        "uploaded_at": _utc(evidence.created_at),
        "content_type": evidence.content_type,
        "recorded_sha256": evidence.sha256,
        "recorded_size": evidence.size,
        # The log row that recorded the upload lists it by this hash (and so covers it).
        "in_log": (evidence.log_seq, evidence.sha256) in logged,
    }
    path = evidence_path(evidence)
    try:
        source = evidence.file.open("rb")
    except OSError:
        return {**facts, "path": None, "missing": True, "matches": False}
    try:
        with _entry(zf, path, when) as entry:
            out = _HashingWriter(entry)
            for chunk in source.chunks(CHUNK):
                out.write(chunk)
    finally:
        source.close()
    copied = out.facts(path)
    return {
        **facts,
        **copied,
        "missing": False,
        "matches": copied["sha256"] == evidence.sha256 and copied["size"] == evidence.size,
    }


def _english(label) -> str:
    with translation.override("en"):
        return str(label)


def _case_facts(case: Case) -> dict:
    return {
        "id": case.pk,
        "flow": case.flow,
        "flow_label": _english(FlowCode(case.flow).label),
        "node": case.node,
        "node_label": _english(Node(case.node).label),
        "status": case.status,
        "opened_at": _utc(case.opened_at),
        "node_entered_at": _utc(case.node_entered_at),
        "due_at": _utc(case.due_at),
        "accepted_at": _utc(case.accepted_at),
        "completed_at": _utc(case.completed_at),
        "closed_at": _utc(case.closed_at),
        "rejection_count": case.rejection_count,
        "requirements": case.requirements,
        "result_description": case.result_description,
        "buyer": {"id": case.buyer_id, "username": case.buyer.username},
        "seller": {
            "id": case.seller_id,
            "store_name": case.seller.store_name,
            "company_name": case.seller.company_name,
        },
        "product": {"id": case.product_id, "name": case.order.product_name},
        "hardware": {
            "carrier": case.carrier,
            "tracking_number": case.tracking_number,
            "recipient_phone": case.recipient_phone,
            "buyer_phone": case.buyer_phone,
            "shipped_at": _utc(case.shipped_at),
            "signed_for_at": _utc(case.signed_for_at),
        }
        if case.flow == FlowCode.HARDWARE
        else None,
    }


def _order_facts(order) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "kind": order.kind,
        "status": order.status,
        "payment_status": order.payment_status,
        "product_name": order.product_name,
        "version_number": order.version_number,
        "spec_name": order.spec_name,
        "amount": str(order.amount),
        "refunded_amount": str(order.refunded_amount),
        "created_at": _utc(order.created_at),
        "paid_at": _utc(order.paid_at),
    }


def _appeal_facts(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "opened_by": appeal.opened_by.username,
        "role": appeal.role,
        "reason": appeal.reason,
        "node": appeal.node,
        "status": appeal.status,
        "decision": appeal.decision,
        "decided_by": appeal.decided_by.username if appeal.decided_by_id else None,
        "decided_at": _utc(appeal.decided_at),
        "note": appeal.note,
        "created_at": _utc(appeal.created_at),
    }


def case_bundle(case: Case, *, exported_by=None) -> Bundle:
    """The dispute bundle of `case` (module docstring)."""
    case = Case.objects.select_related("order", "buyer", "seller").get(pk=case.pk)
    rows = list(CaseLog.objects.filter(case=case).select_related("actor").order_by("seq"))
    evidence = list(
        EvidenceFile.objects.filter(case=case).select_related("uploaded_by").order_by("id")
    )
    appeals = list(
        Appeal.objects.filter(case=case).select_related("opened_by", "decided_by").order_by("id")
    )
    logged = {(row.seq, f.get("sha256")) for row in rows for f in row.files or ()}
    broken = verify_chain(case.pk)
    now = timezone.now()
    when = timezone.localtime(now)

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    with zipfile.ZipFile(spool, "w") as zf:
        files = [_write_log_csv(zf, rows, when), _write_log_json(zf, rows, when)]
        files += [_write_evidence(zf, item, logged, when) for item in evidence]
        manifest = {
            "format": FORMAT,
            "generated_at": _utc(now),
            "generated_by": getattr(exported_by, "username", None),
            "case": _case_facts(case),
            "order": _order_facts(case.order),
            "appeals": [_appeal_facts(a) for a in appeals],
            "chain": {
                "rows": len(rows),
                "log_count": case.log_count,
                "head": case.log_head,
                "intact": broken is None,
                "broken": None
                if broken is None
                else {"seq": broken.seq, "log_id": broken.log_id, "reason": broken.reason},
                "hash_rule": HASH_RULE,
                "canonical_json": CANONICAL_JSON,
                "content_fields": list(CONTENT_FIELDS),
            },
            "actions": {name: _english(label) for name, label in ACTION_LABELS.items()},
            "files": files,
        }
        with _entry(zf, "manifest.json", when) as entry:
            entry.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    size = spool.tell()
    spool.seek(0)
    return Bundle(file=spool, filename=bundle_filename(case), size=size, manifest=manifest)


def read_bundle(data: bytes) -> dict[str, bytes]:
    """{path: bytes} of a bundle (tests, and anyone checking one in a shell)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}
