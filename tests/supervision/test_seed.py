"""`seed_supervision` (run by `seed_demo` after `seed_orders`): demo cases in several nodes
of several flows, driven through the services, with verifiable log chains; idempotent.

(`supervision_verify` failing on a row altered by hand: tests/supervision/test_evidence_chain.py.)
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase

from marketplace.core.models import Notification
from orders.models import Order
from supervision.flows import FlowCode, Node
from supervision.models import Appeal, Case, CaseLog, EvidenceFile, SupervisionStatus
from supervision.services.log import verify_chains

pytestmark = pytest.mark.django_db


def _state() -> dict:
    """Everything the supervision seed writes, to compare two runs."""
    return {
        "cases": list(Case.objects.order_by("pk").values()),
        "log": list(CaseLog.objects.order_by("pk").values_list("pk", "hash")),
        "evidence": list(EvidenceFile.objects.order_by("pk").values_list("pk", "sha256")),
        "appeals": list(Appeal.objects.order_by("pk").values_list("pk", "status")),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status")),
        "notifications": Notification.objects.count(),
    }


def test_without_the_demo_accounts_it_does_nothing():
    # First in the module: the seeded data below is shared by the tests after it.
    out = io.StringIO()
    call_command("seed_supervision", stdout=out)
    assert "demo accounts missing" in out.getvalue()
    assert not Case.objects.exists()


def seed_twice() -> dict:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    first = _state()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    return {"out": out.getvalue(), "first": first}


def _replication_role(role: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {role}")


@pytest.fixture(scope="module")
def _log_triggers_back_on(django_db_setup, django_db_blocker):
    """Set up before `module_data`, torn down after it: see `_seeded`."""
    yield
    with django_db_blocker.unblock():
        _replication_role("origin")


@pytest.fixture(scope="module")
def _seeded(_log_triggers_back_on, module_data, django_db_blocker):
    """Seeded twice, once for the module (tests/conftest.py, `module_data`)."""
    yield module_data.build(seed_twice)
    # After the module, `module_data` deletes the rows the build added; on PostgreSQL
    # the log's append-only trigger refuses that, so triggers are off for its clean-up
    # (the replication role, as a superuser may) and back on after it.
    with django_db_blocker.unblock():
        _replication_role("replica")


@pytest.fixture
def seeded(_seeded, module_data, db, settings, _media_root):
    return module_data.copy(_seeded, settings)


def verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("supervision_verify", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, err.getvalue()
    return 0, out.getvalue()


def test_seed_demo_leaves_cases_in_many_nodes_of_many_flows_once(seeded):
    assert "seed_supervision: 9 cases" in seeded["out"]
    assert "seed_supervision: demo cases already there" in seeded["out"]
    assert _state() == seeded["first"]  # the second run changed nothing
    cases = Case.objects.all()
    assert len({c.node for c in cases}) >= 5
    assert len({c.flow for c in cases}) >= 4
    assert {c.buyer.username for c in cases} == {"buyer-alice", "buyer-chen"}
    assert {c.seller.user.username for c in cases} == {"seller-cloudnova", "seller-datamill"}


def test_every_demo_case_has_a_valid_chain(seeded):
    assert list(verify_chains()) == []
    code, out = verify()
    assert code == 0 and "9 case(s) verified" in out
    # Driven through the services: each case's log starts with its opening, one row per move.
    for case in Case.objects.all():
        actions = list(case.log.order_by("seq").values_list("action", flat=True))
        assert actions[0] == "open" and len(actions) == case.log_count


def _case(flow: str, buyer: str, node: str | None = None) -> Case:
    cases = Case.objects.filter(flow=flow, buyer__username=buyer)
    if node:
        cases = cases.filter(node=node)
    return cases.get()


def test_the_demo_cases_stand_where_the_readme_says(seeded):
    assert _case(FlowCode.STANDARD, "buyer-chen").node == Node.REQUIREMENTS_REVIEW

    rejected = _case(FlowCode.STANDARD, "buyer-alice")
    assert (rejected.node, rejected.rejection_count) == (Node.IMPLEMENTING, 1)
    assert rejected.due_at is not None
    assert rejected.log.filter(action="reject").exclude(comment="").exists()

    frozen = _case(FlowCode.SITE_BUILDING, "buyer-chen")
    assert frozen.node == Node.DESIGN_CONFIRMATION
    assert frozen.status == SupervisionStatus.IN_APPEAL and frozen.is_frozen
    appeal = frozen.appeals.get()
    assert appeal.status == Appeal.Status.OPEN and appeal.files.count() == 1

    done = _case(FlowCode.DATA_FILE, "buyer-chen")
    assert done.status == SupervisionStatus.COMPLETED and done.node == Node.COMPLETED
    assert done.order_synced_at is not None
    assert done.order.status == Order.Status.COMPLETED  # the completion sweep ran

    code = _case(FlowCode.LICENSE_CODE, "buyer-chen")
    assert code.node == Node.CODE_CLAIM and code.license.code.startswith("MYSQL-DEMO-")

    box = _case(FlowCode.HARDWARE, "buyer-chen")
    assert box.node == Node.IN_TRANSIT and box.carrier and box.tracking_number

    # seed_orders' cases (opened by the paid hook), moved on.
    saas = _case(FlowCode.SAAS, "buyer-alice")
    assert saas.node == Node.ACCEPTANCE
    assert sorted(saas.evidence.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    assert _case(FlowCode.JOINT, "buyer-alice").node == Node.OPERATOR_REVIEW
    overdue = _case(FlowCode.ORCHESTRATION, "buyer-alice")
    assert overdue.node == Node.IMPLEMENTING
    # bought on the 15th of last month (seed_orders, time_machine): past its deadline.
    assert overdue.overdue_at is not None and overdue.due_at < overdue.overdue_at

    # Open cases keep their orders processing; nothing is frozen but the appealed one.
    open_cases = Case.objects.exclude(status=SupervisionStatus.COMPLETED)
    assert set(open_cases.values_list("order__status", flat=True)) == {Order.Status.PROCESSING}
    assert Case.objects.filter(status=SupervisionStatus.IN_APPEAL).count() == 1


def test_the_evidence_files_are_real_files(seeded):
    files = list(EvidenceFile.objects.all())
    assert len(files) >= 5
    for evidence in files:
        with evidence.file.open("rb") as handle:
            head = handle.read(8)
        expected = b"%PDF-" if evidence.content_type == "application/pdf" else b"\x89PNG"
        assert head.startswith(expected), evidence.original_name
