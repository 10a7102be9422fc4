"""Settlement in a real browser (issue 12, "Done when"): a seller signs in, opens last
period's bill, explains a line, exports the lines, requests payment; an operator of the
finance group approves the request in the admin and the bill is paid."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from settlement.models import Bill, PaymentRequest
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD, FinanceFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.settlement import (
    FeePolicyFactory,
    beijing,
    billable_order,
    settle_product,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_seller_explains_exports_and_requests_payment_and_finance_approves(
    live_server, browser_page
):
    page, base = browser_page, live_server.url
    FeePolicyFactory(ratio=Decimal("0.05"))
    seller = ActiveSellerFactory()
    product = settle_product(seller=seller)
    order = billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 5, 6))
    billable_order(product=product, amount="600.00", paid_at=beijing(2024, 5, 9))
    call_command("settlement_run", "--period", "2024-05", stdout=io.StringIO())
    bill = Bill.objects.get(seller=seller)

    page.set_viewport_size({"width": 1366, "height": 900})
    browser_log_in(page, base, seller.user.username, PASSWORD)
    page.goto(f"{base}/seller/")
    page.click("[data-testid=center-nav] >> text=Bills")
    page.click(f"[data-bill='{bill.pk}'] a")
    page.wait_for_load_state()
    assert page.locator("[data-testid=net-total]").inner_text().strip() == str(bill.net_total)
    assert page.locator("[data-testid=line-row]").count() == 2

    # Filter the lines by order number (htmx swaps the lines in place).
    page.fill("#id_order", order.number)
    page.click("[data-testid=line-filters] button[type=submit]")
    page.wait_for_function("document.querySelectorAll('[data-testid=line-row]').length === 1")

    # Explain the line: the formula with its numbers.
    page.click("[data-testid=line-row] [data-testid=explain]")
    page.wait_for_load_state()
    steps = page.locator("[data-testid=explain-steps]").inner_text()
    assert order.number in steps
    assert "1,500.00 × 5%" in steps and "= 75.00" in steps and "= 1,425.00" in steps
    page.click("text=Back to the bill")
    page.wait_for_load_state()

    # Export the lines as CSV.
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert order.number in text and "1425.00" in text

    # Request payment.
    page.fill("#id_note", "May bill")
    page.click("[data-testid=request-payment]")
    page.wait_for_load_state()
    assert "Payment requested" in page.content()
    assert page.locator("[data-testid=bill-status]").inner_text().strip() == "Payment requested"
    request = PaymentRequest.objects.get(bill=bill)
    assert request.status == "requested"

    # An operator of the finance group approves it in the admin.
    page.context.clear_cookies()
    operator = FinanceFactory()
    browser_log_in(page, base, operator.username, PASSWORD)
    page.goto(f"{base}/admin/settlement/paymentrequest/")
    page.check(f"input[name=_selected_action][value='{request.pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "1 payment request approved." in page.content()
    request.refresh_from_db()
    bill.refresh_from_db()
    assert (request.status, bill.status) == ("approved", "paid")
