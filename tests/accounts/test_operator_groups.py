"""The operator groups made by the data migration (README › Operators: permissions and
groups): who may decide what, and who sees private documents."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory

pytestmark = pytest.mark.django_db

DECISIONS = {
    "sellers.review_seller",
    "sellers.review_exit",
    "sellers.review_jointcertification",
    "catalog.review_productversion",
    "catalog.delist_product",
    "accounts.view_private_documents",
}


def permissions_of(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_the_migration_made_the_three_groups():
    # The test database is built by the migrations: no factory has run yet.
    assert set(Group.objects.values_list("name", flat=True)) >= {"reviewer", "support", "finance"}


def test_the_reviewer_decides_and_sees_private_documents():
    perms = permissions_of("reviewer")
    assert perms >= DECISIONS
    assert {"sellers.view_seller", "catalog.view_productversion", "accounts.view_user"} <= perms
    assert not any(p.split(".")[1].startswith(("change_", "delete_", "add_")) for p in perms)


def test_support_only_looks_and_sees_no_private_documents():
    perms = permissions_of("support")
    assert not perms & DECISIONS
    assert {"sellers.view_seller", "catalog.view_product", "accounts.view_user"} <= perms
    # Besides looking, support only unlocks accounts (deleting an access attempt) and
    # restarts failed provisioning calls (orders.0004_restart_provisioningcall_support).
    assert {p for p in perms if not p.split(".")[1].startswith("view_")} == {
        "axes.delete_accessattempt",
        "orders.restart_provisioningcall",
        # ... and revokes accounts' leaked API tokens (accounts.0013_operator_groups_api_tokens).
        "accounts.revoke_apitoken",
        # ... and decides supervision appeals and confirms the marketplace node of joint
        # flows (supervision.0002_caselog_append_only_and_operator_groups).
        "supervision.decide_appeal",
        "supervision.confirm_operator_node",
        # ... and issues the marketplace's own invoices for orders before the cut-over
        # (invoices.0002_operator_groups_invoices).
        "invoices.issue_marketplace_invoice",
    }


def test_both_review_and_support_see_the_delisting_queue():
    assert "catalog.view_delistrequest" in permissions_of("reviewer")
    assert "catalog.view_delistrequest" in permissions_of("support")
    assert "axes.view_accessattempt" in permissions_of("support")
    assert "axes.view_accessattempt" not in permissions_of("finance")


# Finance moves buyers' money (orders.0002, buyers.0002); everything else it only views.
MONEY = {
    "orders.refund_order",
    "buyers.top_up_wallet",
    "buyers.set_credit_limit",
    "buyers.issue_cash_coupon",
}


def test_finance_moves_money_and_otherwise_only_looks():
    perms = permissions_of("finance")
    assert not perms & DECISIONS
    # Besides money, finance decides supervision appeals (a refund decision moves money;
    # supervision.0002_caselog_append_only_and_operator_groups).
    # It also pays sellers and partners (settlement.0004_operator_groups_settlement) and
    # issues the marketplace's own invoices (invoices.0002_operator_groups_invoices).
    assert {p for p in perms if not p.split(".")[1].startswith("view_")} == {
        *MONEY,
        "supervision.decide_appeal",
        "settlement.decide_paymentrequest",
        "settlement.receive_sellerinvoice",
        "settlement.settle_partnersharebill",
        "settlement.run_settlement",
        "invoices.issue_marketplace_invoice",
    }
    assert {"orders.view_order", "buyers.view_ledgerentry", "buyers.view_voucher"} <= perms
    assert not MONEY & (permissions_of("support") | permissions_of("reviewer"))


def test_support_and_finance_see_vouchers_the_reviewer_doesnt():
    """buyers.0003_operator_groups_vouchers."""
    vouchers = {"buyers.view_voucher", "buyers.view_vouchergrant"}
    assert vouchers <= permissions_of("support")
    assert vouchers <= permissions_of("finance")
    assert not vouchers & permissions_of("reviewer")


def test_the_permissions_are_the_models_own():
    """The migration names the same codenames the models declare (post_migrate made no
    second row with another name)."""
    from django.contrib.auth.models import Permission

    for perm in DECISIONS:
        app_label, codename = perm.split(".")
        assert (
            Permission.objects.filter(content_type__app_label=app_label, codename=codename).count()
            == 1
        )


def test_members_hold_the_permissions():
    reviewer, support, finance = ReviewerFactory(), SupportFactory(), FinanceFactory()
    assert all(reviewer.has_perm(p) for p in DECISIONS)
    assert not any(support.has_perm(p) for p in DECISIONS)
    assert not any(finance.has_perm(p) for p in DECISIONS)


def test_running_the_migration_again_changes_nothing():
    migration = importlib.import_module("marketplace.accounts.migrations.0009_operator_groups")
    before = {name: permissions_of(name) for name in ("reviewer", "support", "finance")}
    migration.create_operator_groups(apps, None)
    assert {name: permissions_of(name) for name in before} == before
