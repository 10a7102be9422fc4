import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from marketplace.core.audit import history_for
from marketplace.core.exceptions import PermissionDenied
from sellers import services
from sellers.models import JointCertification, Seller
from tests.factories.accounts import (
    FinanceFactory,
    OperatorFactory,
    SupportFactory,
)
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


# --- operator permissions (README › Operators) ----------------------------------------------

NOT_REVIEWERS = {
    "support": SupportFactory,
    "finance": FinanceFactory,
    "staff in no group": OperatorFactory,
}


def decision_buttons(html: str) -> list[str]:
    return re.findall(r'form="decision-form"\s+name="action"\s+value="(\w+)"', html)


@pytest.mark.parametrize("make_user", NOT_REVIEWERS.values(), ids=NOT_REVIEWERS.keys())
def test_staff_who_are_not_reviewers_decide_nothing_in_the_admin(client, make_user):
    client.force_login(make_user())
    pending, leaving = SellerFactory(), ExitPendingSellerFactory()
    other_pending = SellerFactory()
    cert = JointCertificationFactory()
    run_action(client, SELLERS, "approve_applications", [pending])
    run_action(client, SELLERS, "reject_applications", [other_pending], confirm="1", reason="x")
    run_action(client, SELLERS, "approve_exits", [leaving])
    run_action(client, CERTS, "approve_certifications", [cert])
    run_action(client, CERTS, "reject_certifications", [cert], confirm="1", reason="x")
    for obj in (pending, other_pending, leaving, cert):
        obj.refresh_from_db()
    assert pending.status == other_pending.status == Seller.Status.PENDING
    assert leaving.status == Seller.Status.EXIT_PENDING
    assert cert.status == JointCertification.Status.PENDING


@pytest.mark.parametrize("make_user", NOT_REVIEWERS.values(), ids=NOT_REVIEWERS.keys())
def test_the_services_refuse_staff_who_are_not_reviewers(make_user):
    user = make_user()
    seller, cert = SellerFactory(), JointCertificationFactory()
    calls = [
        lambda: services.seller_approve(seller=seller, actor=user),
        lambda: services.seller_reject(seller=seller, actor=user, reason="x"),
        lambda: services.seller_approve_exit(seller=ExitPendingSellerFactory(), actor=user),
        lambda: services.joint_certification_approve(certification=cert, actor=user),
        lambda: services.joint_certification_reject(certification=cert, actor=user, reason="x"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_the_services_refuse_no_actor_and_a_seller():
    seller = SellerFactory()
    for actor in (None, ActiveSellerFactory().user):
        with pytest.raises(PermissionDenied):
            services.seller_approve(seller=seller, actor=actor)


def test_support_sees_sellers_but_no_actions(client):
    client.force_login(SupportFactory())
    SellerFactory()
    response = client.get(SELLERS)
    assert response.status_code == 200
    assert "approve_applications" not in response.content.decode()


# --- decisions on the change pages, no Save -------------------------------------------------


def test_application_page_has_approve_and_reject_and_no_save(admin_client):
    seller = SellerFactory()
    html = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content
    html = html.decode()
    assert decision_buttons(html) == ["approve_applications", "reject_applications"]
    assert 'name="reason"' in html
    assert 'name="_save"' not in html


def test_exit_page_has_approve_exit(admin_client):
    seller = ExitPendingSellerFactory()
    html = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content
    assert decision_buttons(html.decode()) == ["approve_exits"]


def test_an_active_seller_page_has_no_decisions(admin_client):
    seller = ActiveSellerFactory()
    html = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content
    assert decision_buttons(html.decode()) == []


def test_certification_page_has_approve_and_reject(admin_client):
    cert = JointCertificationFactory()
    url = reverse("admin:sellers_jointcertification_change", args=[cert.pk])
    html = admin_client.get(url).content.decode()
    assert decision_buttons(html) == ["approve_certifications", "reject_certifications"]
    assert 'name="_save"' not in html


def test_reject_from_the_application_page_in_one_step(admin_client):
    seller = SellerFactory()
    response = run_action(
        admin_client, SELLERS, "reject_applications", [seller], confirm="1", reason="Blurry"
    )
    seller.refresh_from_db()
    assert (seller.status, seller.rejection_reason) == (Seller.Status.REJECTED, "Blurry")
    assert any("1 rejected." in t for t in messages_of(response))


def test_support_sees_no_buttons_and_no_private_documents(client):
    client.force_login(SupportFactory())
    seller = SellerFactory()
    html = client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content.decode()
    assert decision_buttons(html) == []
    assert 'src="/files/' not in html and "business licence" not in html
    cert = JointCertificationFactory()
    url = reverse("admin:sellers_jointcertification_change", args=[cert.pk])
    html = client.get(url).content.decode()
    assert "View the authorization letter" not in html
    assert decision_buttons(html) == []


def test_history_times_are_beijing_time_without_microseconds(admin_client):
    import time_machine

    seller = SellerFactory()
    with time_machine.travel("2026-03-01 01:02:03.456789+00:00", tick=False):
        run_action(admin_client, SELLERS, "approve_applications", [seller])
    html = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content
    html = html.decode()
    assert "2026-03-01 09:02:03" in html
    assert "456789" not in html
