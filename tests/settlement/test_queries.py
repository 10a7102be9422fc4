"""The billing run is set-based: its number of queries depends on the number of sellers
(batches), never on the number of orders."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.models import BillLine
from settlement.services import settlement_run
from tests.factories.accounts import UserFactory
from tests.factories.settlement import (
    FeePolicyFactory,
    PartnerBindingFactory,
    PartnerTermsFactory,
    beijing,
    billable_order,
    settle_product,
)

pytestmark = pytest.mark.django_db


def count_run_queries(orders_per_seller: int, period: str, products) -> int:
    month = int(period[-2:])
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer)
    PartnerTermsFactory(partner=binding.partner)
    for product in products:
        for n in range(orders_per_seller):
            billable_order(
                product=product,
                buyer=buyer if n % 2 else None,
                amount="600.00",
                refunded_amount="10.00" if n == 0 else "0.00",
                paid_at=beijing(2024, month, 1 + n),
            )
    with CaptureQueriesContext(connection) as queries:
        settlement_run(period=period)
    return len(queries)


def test_query_count_is_constant_in_the_number_of_orders():
    FeePolicyFactory(ratio=Decimal("0.05"))
    products = [settle_product() for _ in range(2)]
    few = count_run_queries(2, "2024-05", products)
    lines_few = BillLine.objects.count()
    many = count_run_queries(12, "2024-06", products)
    assert BillLine.objects.count() - lines_few == 2 * 12 + 2  # 12 orders and a refund each
    assert few == many, (few, many)
