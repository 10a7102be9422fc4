"""The dispute bundle (supervision/bundle.py): a ZIP a third party can check without the
marketplace — the log as CSV and JSON equal to the rows, every evidence file with its
hash, and a manifest that says whether the chain holds (and where it breaks)."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from django.db import connection

from supervision import bundle as bundle_module
from supervision import services as s
from supervision.bundle import CSV_COLUMNS, case_bundle, csv_row, log_row, read_bundle
from supervision.flows import FlowCode, Node
from supervision.models import CaseLog, EvidenceFile, canonical_json
from tests.factories.accounts import FinanceFactory
from tests.factories.supervision import evidence_jpeg, evidence_pdf, evidence_png

from .helpers import case_at

pytestmark = pytest.mark.django_db


def tamper(sql: str, params=()) -> None:
    """Change the log by hand, bypassing `CaseLog.save()` (on PostgreSQL the append-only
    trigger is bypassed with the replication role, as only a superuser can)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def case():
    """A standard case with evidence from both parties and a decided appeal."""
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)  # the seller delivered a PDF
    s.case_reject(
        case_id=case.pk, actor=case.buyer, reason="=SUM(A1) missing table", files=[evidence_png()]
    )
    s.evidence_upload(
        case_id=case.pk, actor=case.seller.user, files=[evidence_pdf("Proof 证明.pdf")]
    )
    appeal = s.appeal_open(
        case_id=case.pk, actor=case.buyer, reason="Still wrong", files=[evidence_jpeg()]
    )
    s.appeal_decide(
        appeal_id=appeal.pk, actor=FinanceFactory(), decision="return_to_seller", note="Redo it"
    )
    case.refresh_from_db()
    return case


def _rows(case) -> list[CaseLog]:
    return list(CaseLog.objects.filter(case=case).select_related("actor").order_by("seq"))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_zip_holds_the_log_the_evidence_and_a_manifest(case):
    bundle = case_bundle(case)
    files = read_bundle(bundle.file.read())
    evidence = list(EvidenceFile.objects.filter(case=case).order_by("id"))
    assert len(evidence) == 4
    paths = [bundle_module.evidence_path(e) for e in evidence]
    assert set(files) == {"log.csv", "log.json", "manifest.json", *paths}
    for item, path in zip(evidence, paths, strict=True):
        assert path.startswith(f"evidence/{item.log_seq}-{item.pk}-")
    assert bundle.filename == f"supervision-case-{case.pk}-{case.order.number}.zip"
    manifest = json.loads(files["manifest.json"])
    assert manifest == bundle.manifest
    assert manifest["case"]["id"] == case.pk
    assert manifest["case"]["flow"] == "standard" and manifest["case"]["node"] == "implementing"
    assert manifest["order"]["number"] == case.order.number
    assert [a["decision"] for a in manifest["appeals"]] == ["return_to_seller"]

    # Every file of the bundle is listed with the SHA-256 and size of its bytes.
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for path, facts in listed.items():
        assert facts["sha256"] == _sha(files[path]), path
        assert facts["size"] == len(files[path]), path

    # Each evidence file is the uploaded one: the hash recorded at upload and in the log.
    for item in evidence:
        facts = listed[bundle_module.evidence_path(item)]
        with item.file.open("rb") as stored:
            assert files[facts["path"]] == stored.read()
        assert facts["sha256"] == item.sha256 == facts["recorded_sha256"]
        assert facts["matches"] and facts["in_log"] and not facts["missing"]
        assert facts["original_name"] == item.original_name
    assert any(f["original_name"] == "Proof 证明.pdf" for f in listed.values() if "id" in f)


def test_the_json_and_csv_rows_equal_the_log(case):
    files = read_bundle(case_bundle(case).file.read())
    rows = _rows(case)

    as_json = json.loads(files["log.json"])
    assert as_json == [json.loads(json.dumps(log_row(r))) for r in rows]
    assert [r["seq"] for r in as_json] == list(range(1, case.log_count + 1))
    assert [r["action"] for r in as_json] == [r.action for r in rows]
    # The chain can be recomputed from the JSON alone.
    previous = ""
    for item in as_json:
        content = {key: item[key] for key in bundle_module.CONTENT_FIELDS}
        assert item["prev_hash"] == previous
        assert item["hash"] == _sha((previous + canonical_json(content)).encode())
        previous = item["hash"]
    assert previous == case.log_head

    text = files["log.csv"].decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(table[0]) == CSV_COLUMNS
    assert table[1:] == [csv_row(r) for r in rows]
    # A comment a spreadsheet would run as a formula is defused in the CSV only.
    reject = next(r for r in table[1:] if r[5] == "reject")
    assert reject[8] == "'=SUM(A1) missing table"
    assert (
        next(r for r in as_json if r["action"] == "reject")["comment"] == "=SUM(A1) missing table"
    )
    upload = next(r for r in table[1:] if r[5] == "upload_evidence")
    assert json.loads(upload[9])[0]["name"] == "Proof 证明.pdf"


def test_the_manifest_says_the_chain_is_intact(case):
    chain = case_bundle(case).manifest["chain"]
    assert chain["intact"] is True and chain["broken"] is None
    assert chain["head"] == case.log_head and chain["rows"] == chain["log_count"] == case.log_count


def test_a_row_altered_by_hand_shows_in_the_manifest(case):
    row = CaseLog.objects.get(case=case, action="reject")
    tamper("UPDATE supervision_caselog SET comment = %s WHERE id = %s", ["x", row.pk])
    bundle = case_bundle(case)
    chain = bundle.manifest["chain"]
    assert chain["intact"] is False
    assert chain["broken"]["seq"] == row.seq and chain["broken"]["log_id"] == row.pk
    # The bundle shows the row as it now is: its stored hash no longer covers it.
    altered = next(
        r for r in json.loads(read_bundle(bundle.file.read())["log.json"]) if r["seq"] == row.seq
    )
    assert altered["comment"] == "x" and altered["hash"] == row.hash


def test_a_removed_last_row_shows_in_the_manifest(case):
    last = CaseLog.objects.filter(case=case).order_by("-seq").first()
    tamper("DELETE FROM supervision_caselog WHERE id = %s", [last.pk])
    chain = case_bundle(case).manifest["chain"]
    assert chain["intact"] is False and chain["broken"]["seq"] == last.seq
    assert chain["rows"] == case.log_count - 1


def test_a_missing_or_changed_file_is_reported(case):
    first, second = EvidenceFile.objects.filter(case=case).order_by("id")[:2]
    first.file.storage.delete(first.file.name)
    with second.file.storage.open(second.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4 something else")
    listed = {f.get("id"): f for f in case_bundle(case).manifest["files"]}
    assert listed[first.pk]["missing"] is True and listed[first.pk]["path"] is None
    assert listed[second.pk]["matches"] is False
    assert listed[second.pk]["recorded_sha256"] == second.sha256 != listed[second.pk]["sha256"]


def test_a_large_bundle_spills_to_disk_and_stays_whole(case, monkeypatch):
    monkeypatch.setattr(bundle_module, "SPOOL_BYTES", 1024)
    bundle = case_bundle(case)
    assert bundle.file._rolled  # written to a temporary file, not kept in memory
    data = bundle.file.read()
    assert len(data) == bundle.size
    assert json.loads(read_bundle(data)["manifest.json"])["chain"]["intact"] is True


def test_making_a_bundle_writes_nothing(case, django_assert_max_num_queries):
    before = (case.log_count, CaseLog.objects.filter(case=case).count())
    with django_assert_max_num_queries(8):
        case_bundle(case)
    case.refresh_from_db()
    assert (case.log_count, CaseLog.objects.filter(case=case).count()) == before
