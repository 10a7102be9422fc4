"""Operations admin: review queue with diff, approve / reject, delist (02-products).

The operators log in as members of the operator groups (README › Operators), not as
superusers: the reviewer may decide, support and finance only look.
"""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductVersion
from marketplace.core import review_diff
from marketplace.core.exceptions import PermissionDenied
from tests.factories.accounts import (
    FinanceFactory,
    OperatorFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
)
from tests.factories.catalog_publishing import (
    CategoryFactory,
    draft_product,
    listed_product,
    pending_product,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:catalog_productversion_changelist")
PRODUCTS = reverse("admin:catalog_product_changelist")

# Staff who may not decide: view-only groups, and staff in no group at all.
NOT_REVIEWERS = {
    "support": SupportFactory,
    "finance": FinanceFactory,
    "staff in no group": OperatorFactory,
}


@pytest.fixture
def admin_client(client):
    client.force_login(ReviewerFactory())
    return client


def change_url(version) -> str:
    return reverse("admin:catalog_productversion_change", args=[version.pk])


def version_under_review(*, listed: dict | None = None, **fields) -> ProductVersion:
    """A listed product (v1, with the fields `listed`) with v2 under review; `fields` are
    written onto v2 as is (past the services' checks: the admin must cope with anything)."""
    product = listed_product()
    ProductVersion.objects.filter(pk=product.listed_version_id).update(**(listed or {}))
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_submit(product=product, actor=None)
    ProductVersion.objects.filter(pk=draft.pk).update(**fields)
    draft.refresh_from_db()
    return draft


def test_queue_shows_pending_versions_by_default(admin_client):
    pending = pending_product(name="Waiting product")
    draft_product(name="Draft product")
    body = admin_client.get(QUEUE).content.decode()
    assert "Waiting product" in body
    assert "Draft product" not in body
    assert "Draft product" in admin_client.get(QUEUE, {"status": "all"}).content.decode()
    assert pending


def test_change_page_diffs_the_new_version_against_the_listed_one(admin_client):
    product = listed_product()
    draft = services.product_edit_listed(product=product, actor=None)
    specs = [services.spec_as_input(spec) for spec in draft.specs.all()]
    specs[0]["prices"][0]["amount"] = "123.45"
    services.product_version_update(
        product=product, fields={"summary": "A <b>bold</b> new summary"}, specs=specs
    )
    services.product_submit(product=product, actor=None)
    body = admin_client.get(change_url(draft)).content.decode()
    assert 'class="review-diff"' in body
    assert "On sale: v1" in body and "Under review: v2" in body
    added = re.findall(
        r'<div class="line add">\s*<span class="mark">\+</span><span class="text">([^<]*)<', body
    )
    assert any("123.45" in line for line in added)
    assert "&lt;b&gt;bold&lt;/b&gt;" in body  # seller text is escaped
    assert "<b>bold</b>" not in body


def test_approve_action(admin_client):
    product = pending_product()
    version = product.versions.get()
    response = admin_client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [version.pk]}, follow=True
    )
    assert "approved" in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED


def test_reject_action_asks_for_a_reason_first(admin_client):
    product = pending_product()
    version = product.versions.get()
    response = admin_client.post(QUEUE, {"action": "reject", ACTION_CHECKBOX_NAME: [version.pk]})
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.PENDING_REVIEW

    admin_client.post(
        QUEUE,
        {
            "action": "reject",
            ACTION_CHECKBOX_NAME: [version.pk],
            "confirm": "1",
            "reason": "Category is wrong",
        },
    )
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.REJECTED
    assert version.rejection_reason == "Category is wrong"


def test_approving_a_non_pending_version_reports_an_error(admin_client):
    product = listed_product()
    version = product.listed_version
    response = admin_client.post(
        QUEUE + "?status=all",
        {"action": "approve", ACTION_CHECKBOX_NAME: [version.pk]},
        follow=True,
    )
    assert (
        "can&#x27;t be done" in response.content.decode()
        or "can't be done" in response.content.decode()
    )


def test_delist_action_with_reason_and_history(admin_client):
    product = listed_product()
    admin_client.post(
        PRODUCTS,
        {
            "action": "delist",
            ACTION_CHECKBOX_NAME: [product.pk],
            "confirm": "1",
            "reason": "ISV interface keeps failing",
        },
    )
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    body = page.content.decode()
    assert "ISV interface keeps failing" in body
    assert "delist_by_operator" in body


def test_product_list_filters_and_search(admin_client):
    listed_product(name="Findable Suite")
    response = admin_client.get(PRODUCTS, {"q": "findable", "status__exact": "listed"})
    assert "Findable Suite" in response.content.decode()


def test_categories_are_editable_by_superusers(client):
    category = CategoryFactory()
    url = reverse("admin:catalog_category_change", args=[category.pk])
    client.force_login(ReviewerFactory())
    assert 'name="_save"' not in client.get(url).content.decode()  # the reviewer only looks
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:catalog_region_add")).status_code == 200


def test_non_staff_cannot_open_the_queue(client):
    client.force_login(UserFactory())
    assert client.get(QUEUE).status_code == 302


# --- permissions: each decision is the reviewer's -----------------------------------------


def test_reviewer_approves_from_the_queue_with_a_singular_message(admin_client):
    version = pending_product().versions.get()
    response = admin_client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [version.pk]}, follow=True
    )
    assert "1 version approved and listed." in response.content.decode()


def test_approving_two_says_versions(admin_client):
    versions = [pending_product().versions.get() for _ in range(2)]
    response = admin_client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [v.pk for v in versions]}, follow=True
    )
    body = response.content.decode()
    assert "2 versions approved and listed." in body
    assert "version(s)" not in body


@pytest.mark.parametrize("make_user", NOT_REVIEWERS.values(), ids=NOT_REVIEWERS.keys())
def test_staff_who_are_not_reviewers_cannot_approve_reject_or_delist(client, make_user):
    client.force_login(make_user())
    version = pending_product().versions.get()
    listed = listed_product()
    for action, extra in [("approve", {}), ("reject", {"confirm": "1", "reason": "No"})]:
        client.post(QUEUE, {"action": action, ACTION_CHECKBOX_NAME: [version.pk], **extra})
    client.post(
        PRODUCTS,
        {"action": "delist", ACTION_CHECKBOX_NAME: [listed.pk], "confirm": "1", "reason": "No"},
    )
    version.refresh_from_db()
    listed.refresh_from_db()
    assert version.status == ProductVersion.Status.PENDING_REVIEW
    assert listed.status == Product.Status.LISTED
    # The actions are not offered at all (finance and staff in no group can't even look).
    page = client.get(QUEUE)
    assert page.status_code in (200, 403)
    assert 'value="approve"' not in page.content.decode()


@pytest.mark.parametrize("make_user", NOT_REVIEWERS.values(), ids=NOT_REVIEWERS.keys())
def test_the_services_refuse_staff_who_are_not_reviewers(make_user):
    user = make_user()
    version = pending_product().versions.get()
    listed = listed_product()
    with pytest.raises(PermissionDenied):
        services.product_approve(version=version, actor=user)
    with pytest.raises(PermissionDenied):
        services.product_reject(version=version, actor=user, reason="No")
    with pytest.raises(PermissionDenied):
        services.product_delist(product=listed, actor=user, reason="No", by_operator=True)


def test_a_non_staff_account_with_the_permission_is_still_refused():
    user = UserFactory()
    user.groups.add(*ReviewerFactory().groups.all())
    with pytest.raises(PermissionDenied):
        services.product_approve(version=pending_product().versions.get(), actor=user)


def test_support_opens_the_review_page_read_only(client):
    client.force_login(SupportFactory())
    version = version_under_review(summary="Changed")
    body = client.get(change_url(version)).content.decode()
    assert "Changed" in body
    assert 'form="decision-form"' not in body
    assert 'id="decision-form"' not in body


# --- the review page: decisions on the page, no Save ---------------------------------------


def test_review_page_has_approve_and_reject_buttons_and_no_save(admin_client):
    version = version_under_review(summary="Changed")
    body = admin_client.get(change_url(version)).content.decode()
    buttons = re.findall(
        r'<button type="submit"\s+form="decision-form"\s+name="action"\s+value="(\w+)"', body
    )
    assert buttons == ["approve", "reject"]
    assert re.search(r'<textarea[^>]* name="reason"[^>]* form="decision-form"', body)
    assert 'id="decision-form"' in body
    assert 'name="_save"' not in body and 'name="_continue"' not in body


def test_reject_from_the_review_page_with_its_reason(admin_client):
    version = version_under_review(summary="Changed")
    response = admin_client.post(
        QUEUE,
        {
            "action": "reject",
            ACTION_CHECKBOX_NAME: [version.pk],
            "confirm": "1",
            "reason": "The summary is misleading",
        },
        follow=True,
    )
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.REJECTED
    assert version.rejection_reason == "The summary is misleading"
    assert "1 version rejected." in response.content.decode()


def test_reject_from_the_review_page_without_a_reason_asks_for_it(admin_client):
    version = version_under_review(summary="Changed")
    response = admin_client.post(
        QUEUE, {"action": "reject", ACTION_CHECKBOX_NAME: [version.pk], "confirm": "1"}
    )
    assert response.context["form"].errors["reason"]
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.PENDING_REVIEW


def test_a_decided_version_shows_no_buttons(admin_client):
    product = listed_product()
    body = admin_client.get(change_url(product.listed_version)).content.decode()
    assert 'id="decision-form"' not in body


def test_product_page_offers_delisting_to_the_reviewer_only(admin_client, client):
    product = listed_product()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    body = admin_client.get(url).content.decode()
    assert re.search(r'form="decision-form"\s+name="action"\s+value="delist"', body)
    assert 'name="_save"' not in body
    client.force_login(SupportFactory())
    assert 'value="delist"' not in client.get(url).content.decode()


def test_review_summary_time_is_beijing_time_without_microseconds(admin_client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=ZoneInfo("UTC"))
    version = version_under_review(submitted_at=moment)
    body = admin_client.get(change_url(version)).content.decode()
    assert "2026-03-01 09:02:03" in body  # UTC+8
    assert "456789" not in body and "+00:00" not in body


# --- the review diff: changed fields first, bounded -----------------------------------------


def test_changed_fields_first_unchanged_folded(admin_client):
    version = version_under_review(usage_guide="A brand new guide")
    body = admin_client.get(change_url(version)).content.decode()
    diff = body[body.index('class="review-diff"') :]
    first_heading = re.search(r"<h3>([^<]*)</h3>", diff).group(1)
    assert first_heading == "usage guide"
    assert "<details>" in diff and "unchanged fields" in diff


def test_a_huge_description_is_not_compared_but_offered_for_download(admin_client):
    huge = "word " * 400_000  # 2 MB
    version = version_under_review(description=huge)
    response = admin_client.get(change_url(version))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Too long to compare" in body
    assert huge[:1000] not in body  # not rendered
    old_url = reverse(
        "admin:catalog_productversion_text",
        args=[version.product.listed_version_id, "description"],
    )
    new_url = reverse("admin:catalog_productversion_text", args=[version.pk, "description"])
    assert old_url in body and new_url in body
    download = admin_client.get(new_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content.decode() == huge


def test_500_changed_lines_show_a_capped_number_of_diff_lines(admin_client):
    old = "\n".join(f"old line {i}" for i in range(500))
    new = "\n".join(f"new line {i}" for i in range(500))
    version = version_under_review(listed={"description": old}, description=new)
    body = admin_client.get(change_url(version)).content.decode()
    # Only the description changed: MAX_SHOWN_LINES of its 1000 lines, both sides.
    deleted, added = body.count('class="line del"'), body.count('class="line add"')
    assert deleted + added == review_diff.MAX_SHOWN_LINES
    assert deleted and added
    assert f"{1000 - review_diff.MAX_SHOWN_LINES} more changed lines are not shown" in body


def test_text_download_is_for_staff_only_and_known_sections(admin_client, client):
    version = version_under_review(summary="Changed")
    url = reverse("admin:catalog_productversion_text", args=[version.pk, "summary"])
    assert admin_client.get(url).content.decode() == "Changed"
    missing = reverse("admin:catalog_productversion_text", args=[version.pk, "nope"])
    assert admin_client.get(missing).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # to the admin's log-in


# --- the admin index: pending counts of each queue ------------------------------------------


def test_admin_index_shows_the_pending_count_of_each_queue(admin_client):
    from tests.factories.sellers import ExitPendingSellerFactory, SellerFactory

    pending_product()
    pending_product()
    SellerFactory()
    ExitPendingSellerFactory()
    body = admin_client.get(reverse("admin:index")).content.decode()
    queues = dict(
        re.findall(
            r'<a href="[^"]*">([^<]+)</a>\s*</th>\s*<td class="pending-count">(\d+)</td>', body
        )
    )
    assert queues["Product versions"] == "2"
    assert queues["Onboarding applications"] == "1"
    assert queues["Exit requests"] == "1"
    assert queues["Joint-operation certifications"] == "0"
