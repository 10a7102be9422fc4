import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from marketplace.core.audit import history_for
from sellers.models import JointCertification, Seller
from tests.factories.sellers import (
    ActiveSellerFactory,
    ExitPendingSellerFactory,
    JointCertificationFactory,
    SellerFactory,
    ServiceGroupFactory,
    StorePageFactory,
)

pytestmark = pytest.mark.django_db

SELLERS = reverse("admin:sellers_seller_changelist")
CERTS = reverse("admin:sellers_jointcertification_changelist")


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def run_action(client, url, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    return client.post(url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approve_action(admin_client, operator):
    pending, active = SellerFactory(), ActiveSellerFactory()
    response = run_action(admin_client, SELLERS, "approve_applications", [pending, active])
    pending.refresh_from_db()
    active.refresh_from_db()
    assert pending.status == Seller.Status.APPROVED
    assert active.status == Seller.Status.ACTIVE  # refused, reported, unchanged
    texts = messages_of(response)
    assert any("1 application approved." in t for t in texts)
    assert any(str(active) in t and "can't be done" in t for t in texts)
    assert list(history_for(pending))[-1].actor == operator


def test_reject_action_asks_for_the_reason_first(admin_client):
    seller = SellerFactory()
    response = run_action(admin_client, SELLERS, "reject_applications", [seller])
    assert response.status_code == 200
    assert "admin/action_reason.html" in [t.name for t in response.templates]
    seller.refresh_from_db()
    assert seller.status == Seller.Status.PENDING

    # Submitting without a reason shows the page again.
    response = run_action(admin_client, SELLERS, "reject_applications", [seller], confirm="1")
    assert response.context["form"].errors["reason"]

    response = run_action(
        admin_client,
        SELLERS,
        "reject_applications",
        [seller],
        confirm="1",
        reason="The licence is unreadable.",
    )
    seller.refresh_from_db()
    assert seller.status == Seller.Status.REJECTED
    assert seller.rejection_reason == "The licence is unreadable."
    assert any("1 rejected." in t for t in messages_of(response))


def test_approve_exit_action(admin_client):
    leaving, active = ExitPendingSellerFactory(), ActiveSellerFactory()
    run_action(admin_client, SELLERS, "approve_exits", [leaving, active])
    leaving.refresh_from_db()
    active.refresh_from_db()
    assert leaving.status == Seller.Status.EXITED
    assert active.status == Seller.Status.ACTIVE


def test_seller_change_page_shows_history_and_licence(admin_client, operator):
    seller = SellerFactory()
    run_action(admin_client, SELLERS, "approve_applications", [seller])
    response = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "approve" in html and "operator" in html
    # The licence is shown through the signed private-file link, never a media URL.
    assert 'src="/files/' in html
    assert seller.user.enterprise_verification.licence.name not in html


def test_seller_changelist_search_and_filter(admin_client):
    seller = SellerFactory(store_name="Findable Store")
    SellerFactory()
    response = admin_client.get(SELLERS, {"q": seller.credit_code})
    assert list(response.context["cl"].result_list) == [seller]
    response = admin_client.get(SELLERS, {"q": seller.user.username})
    assert list(response.context["cl"].result_list) == [seller]
    response = admin_client.get(SELLERS, {"status__exact": "pending"})
    assert response.context["cl"].result_count == 2


def test_seller_status_cannot_be_edited(admin_client):
    seller = SellerFactory()
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    admin_client.post(url, {"status": "active"})
    seller.refresh_from_db()
    assert seller.status == Seller.Status.PENDING
    assert admin_client.get(reverse("admin:sellers_seller_add")).status_code == 403


def test_joint_certification_actions(admin_client):
    first, second = JointCertificationFactory(), JointCertificationFactory()
    run_action(admin_client, CERTS, "approve_certifications", [first])
    run_action(
        admin_client, CERTS, "reject_certifications", [second], confirm="1", reason="Unsigned"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == JointCertification.Status.APPROVED
    assert (second.status, second.rejection_reason) == ("rejected", "Unsigned")
    response = admin_client.get(
        reverse("admin:sellers_jointcertification_change", args=[second.pk])
    )
    assert "Unsigned" in response.content.decode()


def test_read_mostly_admins_open(admin_client):
    group = ServiceGroupFactory()
    page = StorePageFactory()
    for name, obj in (
        ("servicegroup", group),
        ("storepage", page),
        ("businessinfo", group.seller.business_info),
    ):
        assert admin_client.get(reverse(f"admin:sellers_{name}_changelist")).status_code == 200
        change = reverse(f"admin:sellers_{name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200
        assert admin_client.get(reverse(f"admin:sellers_{name}_add")).status_code == 403


def test_transition_log_admin_is_read_only(admin_client):
    seller = SellerFactory()
    run_action(admin_client, SELLERS, "approve_applications", [seller])
    changelist = reverse("admin:core_transitionlog_changelist")
    response = admin_client.get(changelist, {"action": "approve"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    row = response.context["cl"].result_list[0]
    assert admin_client.get(reverse("admin:core_transitionlog_add")).status_code == 403
    delete = reverse("admin:core_transitionlog_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert history_for(seller).count() == 1


def test_non_staff_cannot_use_admin(client):
    seller = SellerFactory()
    client.force_login(seller.user)
    response = client.post(
        SELLERS, {"action": "approve_applications", ACTION_CHECKBOX_NAME: [seller.pk]}
    )
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.status == Seller.Status.PENDING
