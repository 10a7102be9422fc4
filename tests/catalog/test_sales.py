"""can_buy and inventory (02-products › Sales configuration)."""

import threading

import pytest
from django.db import connection

from marketplace.catalog import sales, services
from marketplace.catalog.models import SpecSales
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RegionFactory
from tests.factories.catalog_publishing import listed_product, operator

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return listed_product()


def spec(product, code="basic"):
    return product.listed_version.specs.get(code=code)


def set_limits(product, code="basic", **values):
    values = {"stock": None, "max_quantity_per_buyer": None, "max_orders_per_buyer": None, **values}
    return services.spec_sales_set(product=product, spec_code=code, **values)


def add(product, kind, user):
    services.allowlist_add(
        product=product, kind=kind, account_name=user.username, account_id=user.account_id
    )


def switches(product, **values):
    base = {
        "allowlist_enabled": False,
        "trial_allowlist_enabled": False,
        "credit_line_allowed": False,
        "cash_coupon_allowed": False,
        "credit_specified_users_only": False,
    }
    services.product_sales_update(product=product, **{**base, **values})
    product.refresh_from_db()


def test_anyone_logged_in_can_buy_a_listed_product(product):
    assert sales.can_buy(buyer=UserFactory(), spec=spec(product), quantity=1) == (True, "")


def test_delisted_product_or_old_version_cannot_be_bought(product):
    old_spec = spec(product)
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_submit(product=product, actor=None)
    services.product_approve(version=draft, actor=operator())
    ok, reason = sales.can_buy(buyer=UserFactory(), spec=old_spec, quantity=1)
    assert not ok and "not on sale" in reason
    product.refresh_from_db()
    services.product_delist(product=product, actor=None)
    assert not sales.can_buy(buyer=UserFactory(), spec=spec(product), quantity=1)[0]


def test_allowlist(product):
    buyer, stranger = UserFactory(), UserFactory()
    switches(product, allowlist_enabled=True)
    add(product, "sales", buyer)
    assert sales.can_buy(buyer=buyer, spec=spec(product))[0]
    ok, reason = sales.can_buy(buyer=stranger, spec=spec(product))
    assert not ok and "specified" in reason
    services.allowlist_remove(entry=product.allowlist.get())
    assert not sales.can_buy(buyer=buyer, spec=spec(product))[0]


def test_trial_allowlist_and_one_trial_per_account(product):
    buyer, stranger = UserFactory(), UserFactory()
    switches(product, trial_allowlist_enabled=True)
    add(product, "trial", buyer)
    trial = spec(product, "trial")
    assert sales.can_buy(buyer=buyer, spec=trial)[0]
    assert not sales.can_buy(buyer=stranger, spec=trial)[0]
    assert sales.can_buy(buyer=stranger, spec=spec(product))[0]  # paid specs unaffected
    ok, reason = sales.can_buy(buyer=buyer, spec=trial, trial_taken=True)
    assert not ok and "already" in reason


def test_purchase_limits(product):
    set_limits(product, max_quantity_per_buyer=3, max_orders_per_buyer=2)
    buyer = UserFactory()
    assert sales.can_buy(buyer=buyer, spec=spec(product), quantity=3)[0]
    assert not sales.can_buy(
        buyer=buyer, spec=spec(product), quantity=2, already_bought_quantity=2
    )[0]
    ok, reason = sales.can_buy(buyer=buyer, spec=spec(product), already_ordered=2)
    assert not ok and "2 times" in reason


def test_stock(product):
    set_limits(product, stock=1)
    assert sales.can_buy(buyer=UserFactory(), spec=spec(product), quantity=1)[0]
    assert sales.can_buy(buyer=UserFactory(), spec=spec(product), quantity=2) == (
        False,
        "Sold out.",
    )


def test_regions(product):
    east, west = RegionFactory(), RegionFactory()
    buyer = UserFactory()
    assert sales.can_buy(buyer=buyer, spec=spec(product), region=west)[0]  # no regions: all
    switches(product)
    services.product_sales_update(
        product=product,
        allowlist_enabled=False,
        trial_allowlist_enabled=False,
        credit_line_allowed=False,
        cash_coupon_allowed=False,
        credit_specified_users_only=False,
        regions=[east],
    )
    assert sales.can_buy(buyer=buyer, spec=spec(product), region=east.code)[0]
    assert not sales.can_buy(buyer=buyer, spec=spec(product), region=west)[0]


def test_stock_take_and_return(product):
    set_limits(product, stock=2)
    sales.stock_take(product=product, spec_code="basic", quantity=2)
    with pytest.raises(sales.SoldOut) as exc:
        sales.stock_take(product=product, spec_code="basic", quantity=1)
    assert exc.value.result_code == "000106"
    assert SpecSales.objects.get().stock == 0
    sales.stock_return(product=product, spec_code="basic", quantity=1)
    assert SpecSales.objects.get().stock == 1


def test_unlimited_stock_is_never_sold_out(product):
    sales.stock_take(product=product, spec_code="basic", quantity=1000)  # no row at all
    set_limits(product, stock=None, max_orders_per_buyer=5)
    sales.stock_take(product=product, spec_code="basic", quantity=1000)
    assert SpecSales.objects.get().stock is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_never_oversell():
    product = listed_product()
    set_limits(product, stock=5)
    results: list[str] = []
    barrier = threading.Barrier(12)

    def take():
        try:
            barrier.wait()
            sales.stock_take(product=product, spec_code="basic", quantity=1)
            results.append("ok")
        except sales.SoldOut:
            results.append("sold out")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 5
    assert results.count("sold out") == 7
    assert SpecSales.objects.get().stock == 0
