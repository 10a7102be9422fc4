"""The admin as each operator group sees it (README › Operators: permissions and groups):
every page a group may view opens, every other one is refused, and the index lists the
review queues the group may look at."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory
from tests.factories.catalog_publishing import pending_product
from tests.factories.sellers import JointCertificationFactory, SellerFactory

pytestmark = pytest.mark.django_db

GROUPS = {"reviewer": ReviewerFactory, "support": SupportFactory, "finance": FinanceFactory}


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("make_user", GROUPS.values(), ids=GROUPS.keys())
def test_each_group_opens_exactly_the_lists_it_may_view(client, rf, make_user):
    """Every changelist renders for the group (no error with fewer permissions), and only
    where the admin grants the group a view."""
    user = make_user()
    client.force_login(user)
    request = rf.get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        may_view = model_admin.has_view_or_change_permission(request)
        status = client.get(_changelist(model)).status_code
        assert status == (200 if may_view else 403), (model._meta.label, status)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("make_user", GROUPS.values(), ids=GROUPS.keys())
def test_review_pages_open_for_the_groups_that_may_view_them(client, make_user):
    version = pending_product().versions.get()
    seller = SellerFactory()
    cert = JointCertificationFactory()
    pages = {
        "catalog.view_productversion": reverse(
            "admin:catalog_productversion_change", args=[version.pk]
        ),
        "sellers.view_seller": reverse("admin:sellers_seller_change", args=[seller.pk]),
        "sellers.view_jointcertification": reverse(
            "admin:sellers_jointcertification_change", args=[cert.pk]
        ),
    }
    user = make_user()
    client.force_login(user)
    for perm, url in pages.items():
        assert client.get(url).status_code == (200 if user.has_perm(perm) else 403), url


def queue_counts(client) -> dict[str, str]:
    body = client.get(reverse("admin:index")).content.decode()
    return dict(
        re.findall(
            r'<a href="[^"]*">([^<]+)</a>\s*</th>\s*<td class="pending-count">(\d+)</td>', body
        )
    )


def test_the_index_lists_the_queues_each_group_may_view(client):
    pending_product()
    SellerFactory()
    client.force_login(SupportFactory())
    assert queue_counts(client) == {
        "Product versions": "1",
        "Onboarding applications": "1",
        "Exit requests": "0",
        "Joint-operation certifications": "0",
        "Delisting requests": "0",
        "Payment requests": "0",
    }
    client.force_login(FinanceFactory())  # sees sellers, not the product review queue
    assert queue_counts(client) == {
        "Onboarding applications": "1",
        "Exit requests": "0",
        "Payment requests": "0",
    }


@pytest.mark.parametrize("make_user", GROUPS.values(), ids=GROUPS.keys())
def test_support_and_finance_see_seller_vouchers_read_only(client, make_user):
    """buyers.0003_operator_groups_vouchers: vouchers and the grants issued, view only."""
    from buyers.models import Voucher, VoucherGrant
    from tests.factories.buyers import VoucherGrantFactory

    grant = VoucherGrantFactory()
    user = make_user()
    client.force_login(user)
    may_view = user.groups.filter(name__in=["support", "finance"]).exists()
    for model, obj in ((Voucher, grant.voucher), (VoucherGrant, grant)):
        opts = model._meta
        assert user.has_perm(f"buyers.view_{opts.model_name}") == may_view
        for perm in ("add", "change", "delete"):
            assert not user.has_perm(f"buyers.{perm}_{opts.model_name}")
        change = reverse(f"admin:buyers_{opts.model_name}_change", args=[obj.pk])
        assert client.get(_changelist(model)).status_code == (200 if may_view else 403)
        assert client.get(change).status_code == (200 if may_view else 403)
        assert client.post(change, {}).status_code == 403
    assert grant.voucher.name in client.get(_changelist(Voucher)).content.decode() or not may_view
