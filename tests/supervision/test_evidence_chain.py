"""The evidence log holds up (issue 11 › Evidence): append-only in Python and, on
PostgreSQL, in the database; chained hashes that `supervision_verify` recomputes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from supervision import services as s
from supervision.flows import FlowCode, Node
from supervision.models import CaseLog, LogImmutable
from supervision.services.log import verify_chain, verify_chains
from tests.factories.supervision import evidence_pdf

from .helpers import case_at

pytestmark = pytest.mark.django_db


def tamper(sql: str, params=()) -> None:
    """Change the log by hand, as someone with full database access would (on PostgreSQL
    the trigger is bypassed with the replication role: only a superuser can)."""
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
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    s.case_reject(case_id=case.pk, actor=case.buyer, reason="Missing table")
    return case


def verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("supervision_verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_each_row_chains_to_the_previous_one(case):
    rows = list(CaseLog.objects.filter(case=case).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == ""
    for previous, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == previous.hash
        assert row.hash == row.compute_hash() and len(row.hash) == 64
    case.refresh_from_db()
    assert (case.log_count, case.log_head) == (len(rows), rows[-1].hash)
    delivered = next(r for r in rows if r.action == "mark_delivered")
    evidence = case.evidence.get()
    assert delivered.files == [
        {"name": evidence.original_name, "sha256": evidence.sha256, "path": evidence.file.name}
    ]
    assert verify("--case", str(case.pk))[0] == 0
    code, out, _ = verify()
    assert code == 0 and "every log chain is intact" in out


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE supervision_caselog SET comment = 'All fine' WHERE id = %s", "content"),
        ("UPDATE supervision_caselog SET role = 'seller' WHERE id = %s", "content"),
    ],
)
def test_an_altered_row_is_named(case, sql, reason):
    row = CaseLog.objects.get(case=case, action="reject")
    tamper(sql, [row.pk])
    broken = verify_chain(case.pk)
    assert (broken.seq, broken.log_id) == (row.seq, row.pk)
    assert reason in broken.reason
    code, _out, err = verify()
    assert code == 1
    assert f"case {case.pk}, log #{row.seq} (row id {row.pk})" in err


def test_a_swapped_file_hash_breaks_the_chain(case):
    row = CaseLog.objects.get(case=case, action="mark_delivered")
    files = [{**row.files[0], "sha256": "0" * 64}]
    import json

    tamper("UPDATE supervision_caselog SET files = %s WHERE id = %s", [json.dumps(files), row.pk])
    assert verify_chain(case.pk).seq == row.seq


def test_a_row_rehashed_by_hand_still_breaks_the_next_link(case):
    row = CaseLog.objects.get(case=case, action="mark_delivered")
    row.comment = "Nothing delivered"
    forged = row.compute_hash()
    tamper(
        "UPDATE supervision_caselog SET comment = %s, hash = %s WHERE id = %s",
        [row.comment, forged, row.pk],
    )
    broken = verify_chain(case.pk)
    assert broken.seq == row.seq + 1 and "previous hash" in broken.reason


def test_a_deleted_row_is_noticed(case):
    rows = list(CaseLog.objects.filter(case=case).order_by("seq"))
    tamper("DELETE FROM supervision_caselog WHERE id = %s", [rows[2].pk])
    assert verify_chain(case.pk).seq == 3
    tamper("DELETE FROM supervision_caselog WHERE case_id = %s AND seq > 2", [case.pk])
    broken = verify_chain(case.pk)
    assert broken.seq == 3 and "missing at the end" in broken.reason


def test_only_the_broken_case_is_reported(case):
    other = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE)
    tamper("UPDATE supervision_caselog SET comment = 'x' WHERE case_id = %s", [case.pk])
    assert [b.case_id for b in verify_chains()] == [case.pk]
    assert verify("--case", str(other.pk))[0] == 0
    assert verify("--case", str(case.pk))[0] == 1
    assert "does not exist" in verify("--case", "999999")[2]


def test_python_refuses_to_change_or_delete_a_row(case):
    row = CaseLog.objects.filter(case=case).first()
    row.comment = "changed"
    with pytest.raises(LogImmutable):
        row.save()
    with pytest.raises(LogImmutable):
        row.delete()
    assert verify_chain(case.pk) is None


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE supervision_caselog SET comment = 'x' WHERE case_id = %s",
        "DELETE FROM supervision_caselog WHERE case_id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_of_log_rows(case, sql):
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [case.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseLog.objects.filter(case=case).update(comment="x")
    assert verify_chain(case.pk) is None


def test_uploads_are_logged_with_their_hashes(case):
    evidence = s.evidence_upload(
        case_id=case.pk, actor=case.buyer, files=[evidence_pdf("screenshot-log.pdf")], comment="Log"
    )
    row = CaseLog.objects.filter(case=case).order_by("-seq").first()
    assert row.action == "upload_evidence" and row.seq == evidence[0].log_seq
    assert row.files[0]["sha256"] == evidence[0].sha256
    assert verify_chain(case.pk) is None
