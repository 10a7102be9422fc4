"""The daily probe's runs in the operators' admin (orders/admin.py, ProbeRunAdmin): support
sees them read-only, with filters, search and each run's request and response; the other
groups are refused; nobody adds, changes or deletes a run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.isv import probe
from orders.isv.client import Exchange
from orders.isv.console import ConsoleRun
from orders.models import InterfaceTestCase, ProbeRun
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory, UserFactory
from tests.factories.catalog import listed_product
from tests.factories.isv import ProbeRunFactory, ProductInterfaceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_proberun_changelist")


def change_url(run: ProbeRun) -> str:
    return reverse("admin:orders_proberun_change", args=[run.pk])


def listed(client, **query) -> set[int]:
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return {run.pk for run in response.context["cl"].result_list}


@pytest.fixture
def support_client(client):
    client.force_login(SupportFactory())
    return client


def test_support_has_the_view_permission_from_the_migration():
    assert SupportFactory().has_perm("orders.view_proberun")
    assert not FinanceFactory().has_perm("orders.view_proberun")
    assert not ReviewerFactory().has_perm("orders.view_proberun")


def test_support_sees_the_list_and_the_run_with_request_and_response(support_client):
    run = ProbeRunFactory(product=listed_product(name="Probe CRM"))

    assert listed(support_client) == {run.pk}
    page = support_client.get(change_url(run))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Probe CRM" in html
    assert 'data-testid="probe-run"' in html
    assert "queryInstance" in html
    assert "probe-failed" in html  # the response body
    assert "&quot;testFlag&quot;: &quot;1&quot;" in html  # the request body, escaped
    assert "result code 000005" in html
    assert 'name="_save"' not in html  # read-only: no Save button


def test_filters_and_search(support_client):
    crm = ProbeRunFactory(product=listed_product(name="Alpha CRM"), ok=False)
    erp = ProbeRunFactory(product=listed_product(name="Beta ERP"), ok=True)
    march_9 = ProbeRunFactory(product=crm.product, day=dt.date(2026, 3, 9), ok=True)

    assert listed(support_client, q="crm") == {crm.pk, march_9.pk}
    assert listed(support_client, q="ERP") == {erp.pk}
    assert listed(support_client, ok__exact="1") == {erp.pk, march_9.pk}
    assert listed(support_client, ok__exact="0") == {crm.pk}
    assert listed(support_client, product__id__exact=str(erp.product_id)) == {erp.pk}
    assert listed(support_client, day__year="2026", day__month="3", day__day="9") == {march_9.pk}
    # The product filter offers only products that have runs.
    listed_product(name="Never probed")
    page = support_client.get(CHANGELIST).content.decode()
    assert "Alpha CRM" in page and "Never probed" not in page


def test_the_list_costs_the_same_queries_for_more_rows(support_client):
    ProbeRunFactory.create_batch(2)
    support_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        support_client.get(CHANGELIST)
    ProbeRunFactory.create_batch(8)
    with CaptureQueriesContext(connection) as many:
        assert len(listed(support_client)) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    "make_user",
    [FinanceFactory, ReviewerFactory, lambda: UserFactory(is_staff=True)],
    ids=["finance", "reviewer", "staff without a group"],
)
def test_other_operators_are_refused(client, make_user):
    run = ProbeRunFactory()
    client.force_login(make_user())
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(run)).status_code == 403


def test_nobody_adds_changes_or_deletes(client):
    run = ProbeRunFactory(ok=False)
    before = list(ProbeRun.objects.values())
    for user in (SupportFactory(), UserFactory(is_staff=True, is_superuser=True)):
        client.force_login(user)
        assert client.get(reverse("admin:orders_proberun_add")).status_code == 403
        response = client.post(
            change_url(run), {"ok": "on", "day": "2026-01-01", "product": run.product_id}
        )
        assert response.status_code == 403
        delete = reverse("admin:orders_proberun_delete", args=[run.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        # No bulk "delete selected" action either.
        response = client.post(
            CHANGELIST, {"action": "delete_selected", "_selected_action": [run.pk], "post": "yes"}
        )
        assert ProbeRun.objects.filter(pk=run.pk).exists()
    assert list(ProbeRun.objects.values()) == before


def test_the_probe_records_request_and_response_for_the_admin(monkeypatch):
    """orders/isv/probe.py keeps what each test case sent and got (shown above)."""
    interface = ProductInterfaceFactory()
    InterfaceTestCase.objects.create(
        product=interface.product, name="q", activity="queryInstance", body={"testFlag": "1"}
    )
    exchange = Exchange(
        url="http://127.0.0.1:8001/produce?signature=x",
        request_body={"activity": "queryInstance", "testFlag": "1"},
        http_status=200,
        response_text='{"resultCode":"000000"}',
        result_code="000000",
        latency_ms=7,
        ok=True,
    )
    monkeypatch.setattr(
        probe,
        "console_send",
        lambda **kwargs: ConsoleRun(exchange=exchange, verdict={"ok": True, "checks": []}),
    )

    run = probe.probe_product(product_id=interface.product_id)

    case = run.detail["runs"][0]["cases"][0]
    assert case["request"] == {"activity": "queryInstance", "testFlag": "1"}
    assert case["response"] == '{"resultCode":"000000"}'
    assert (case["url"], case["http_status"], case["latency_ms"]) == (exchange.url, 200, 7)
