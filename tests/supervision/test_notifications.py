"""Each node change tells the party who must act next, in their language (issue 11 ›
Notifications); completions go to both parties."""

from __future__ import annotations

import pytest
from django.core import mail

from marketplace.core.models import Notification
from marketplace.core.notifications import notification_message
from supervision import services as s
from supervision.flows import FlowCode, Node
from tests.factories.accounts import SupportFactory
from tests.factories.supervision import evidence_pdf, open_case

from .helpers import case_at

pytestmark = pytest.mark.django_db


def told(template: str = "supervision_turn") -> list[int]:
    return list(
        Notification.objects.filter(template=template)
        .order_by("id")
        .values_list("user_id", flat=True)
    )


def test_each_move_tells_the_party_whose_turn_it_is():
    case = open_case()
    seller = case.seller.user
    assert told() == [case.buyer_id]  # the case opened: the buyer submits requirements
    Notification.objects.all().delete()
    s.case_submit_requirements(case_id=case.pk, actor=case.buyer, requirements="R")
    assert told() == [seller.pk]
    Notification.objects.all().delete()
    s.case_confirm_requirements(case_id=case.pk, actor=seller)
    s.case_mark_delivered(case_id=case.pk, actor=seller, description="D", files=[evidence_pdf()])
    assert told() == [seller.pk, case.buyer_id]
    Notification.objects.all().delete()
    s.case_accept(case_id=case.pk, actor=case.buyer)
    assert told() == []
    assert sorted(told("supervision_completed")) == sorted([case.buyer_id, seller.pk])


def test_the_marketplace_node_tells_the_operators():
    support = SupportFactory()
    case = case_at(FlowCode.JOINT, Node.IMPLEMENTING)
    Notification.objects.all().delete()
    s.case_mark_delivered(case_id=case.pk, actor=case.seller.user, description="Ready")
    assert told() == [support.pk]


def test_the_mail_is_written_in_the_recipients_language(django_capture_on_commit_callbacks):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    case.buyer.language = "zh-hans"
    case.buyer.save(update_fields=["language"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        s.case_mark_delivered(
            case_id=case.pk, actor=case.seller.user, description="全部完成", files=[evidence_pdf()]
        )
    notification = Notification.objects.get(user=case.buyer)
    message = notification_message(notification)
    assert "服务监管待您处理" in message.subject and "买家验收" in message.subject
    assert "确认完成" in message.body and "全部完成" in message.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [case.buyer.email]


def test_an_english_reader_gets_english():
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    notification = Notification.objects.filter(user=case.seller.user).order_by("-id").first()
    message = notification_message(notification)
    assert "your turn in service supervision (Seller delivers)" in message.subject
