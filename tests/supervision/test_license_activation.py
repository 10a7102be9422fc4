"""The open API's "activate license code" passes the case's node (05 › Flows 6): the
seller's server calls it; supervision's license-activated hook completes the case."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from orders.models import License
from supervision import services as s
from supervision.flows import FlowCode, Node
from supervision.models import SupervisionStatus
from tests.factories.isv import OpenApiKeyFactory
from tests.orders.openapi_helpers import BASE, SECRET, post_json

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db

ACTIVATE = BASE + "license/activate"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def test_activation_through_the_open_api_completes_the_case(client):
    key = OpenApiKeyFactory(secret=SECRET)
    case = case_at(FlowCode.LICENSE_CODE, Node.CODE_CLAIM, seller=key.seller)
    code = case.license.code
    refused = post_json(client, ACTIVATE, {"license": code}, key=key)
    assert refused.json()["error_code"] == "92020004"  # not claimed yet
    case.refresh_from_db()
    assert case.node == Node.CODE_CLAIM

    s.case_claim_code(case_id=case.pk, actor=case.buyer)
    response = post_json(client, ACTIVATE, {"license": code}, key=key)
    assert response.json()["error_code"] == "92020000", response.content
    case.refresh_from_db()
    assert (case.node, case.status) == (Node.COMPLETED, SupervisionStatus.COMPLETED)
    assert License.objects.get(code=code).status == License.Status.ALIVE

    before = snapshot(case)
    again = post_json(client, ACTIVATE, {"license": code}, key=key)
    assert again.json()["error_code"] == "92020000"
    assert snapshot(case) == before  # a second activation changes nothing


def test_a_frozen_case_refuses_the_activation_through_the_open_api(client):
    key = OpenApiKeyFactory(secret=SECRET)
    case = case_at(FlowCode.LICENSE_CODE, Node.ACTIVATION, seller=key.seller)
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Wrong edition")
    before = snapshot(case)
    response = post_json(client, ACTIVATE, {"license": case.license.code}, key=key)
    assert response.json()["error_code"] == "92020002"
    assert snapshot(case) == before
    assert License.objects.get(pk=case.license_id).status == License.Status.CLAIMED
