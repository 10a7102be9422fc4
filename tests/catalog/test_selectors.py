"""Catalog reads: only listed products, filters, sort, pagination and query counts."""

from decimal import Decimal

import pytest

from marketplace.catalog import selectors
from marketplace.catalog.models import DeliveryType, Product
from tests.factories.catalog import (
    CategoryFactory,
    RegionFactory,
    draft_product,
    listed_product,
)
from tests.factories.sellers import ExitedSellerFactory

pytestmark = pytest.mark.django_db


def names(params=None) -> list[str]:
    return [p.name for p in selectors.product_list(params=params)]


def test_only_listed_products_are_public():
    listed_product(name="On sale")
    listed_product(name="Delisted", status=Product.Status.DELISTED)
    draft_product(name="Draft")
    pending = draft_product(name="Pending")
    pending.status = Product.Status.PENDING_REVIEW
    pending.save()
    assert names() == ["On sale"]


def test_product_page_of_an_exited_seller_is_hidden():
    # Lists rely on services.listed_products_block_exit (an exited seller has nothing
    # listed); the product page checks the seller too.
    product = listed_product(name="Gone", seller=ExitedSellerFactory())
    assert selectors.product_get_listed(product_id=product.pk) is None


def test_product_get_listed_hides_other_states():
    listed = listed_product()
    delisted = listed_product(status=Product.Status.DELISTED)
    draft = draft_product()
    assert selectors.product_get_listed(product_id=listed.pk) == listed
    assert selectors.product_get_listed(product_id=delisted.pk) is None
    assert selectors.product_get_listed(product_id=draft.pk) is None
    assert selectors.product_is_delisted(product_id=delisted.pk)


def test_category_filter_includes_descendants():
    parent = CategoryFactory(slug="software")
    child = CategoryFactory(slug="database", parent=parent)
    grandchild = CategoryFactory(slug="nosql", parent=child)
    other = CategoryFactory(slug="hardware")
    listed_product(name="A", category=parent)
    listed_product(name="B", category=child)
    listed_product(name="C", category=grandchild)
    listed_product(name="D", category=other)
    assert set(names({"category": "software"})) == {"A", "B", "C"}
    assert set(names({"category": "database"})) == {"B", "C"}
    assert names({"category": "no-such-category"}) == ["D", "C", "B", "A"]  # ignored


def test_delivery_type_billing_mode_price_seller_region_tag_filters():
    east = RegionFactory(code="cn-east")
    saas = listed_product(
        name="SaaS",
        specs=[("S", "period", [("month", "50")])],
        regions=[east],
        tags="crm, sales",
    )
    listed_product(
        name="Image",
        delivery_type=DeliveryType.IMAGE,
        specs=[("I", "on_demand", [("unit", "5")])],
        tags="ubuntu",
    )
    listed_product(
        name="Hardware",
        delivery_type=DeliveryType.HARDWARE,
        specs=[("H", "one_off", [("once", "5000")])],
        tags="crm-box",
    )
    assert names({"delivery_type": "image"}) == ["Image"]
    assert set(names({"delivery_type": ["image", "hardware"]})) == {"Image", "Hardware"}
    assert names({"billing_mode": "on_demand"}) == ["Image"]
    assert names({"billing_mode": "period"}) == ["SaaS"]
    assert set(names({"price_min": "10"})) == {"SaaS", "Hardware"}
    assert set(names({"price_max": "50"})) == {"SaaS", "Image"}
    assert names({"price_min": "10", "price_max": "100"}) == ["SaaS"]
    assert names({"seller": str(saas.seller_id)}) == ["SaaS"]
    assert names({"region": "cn-east"}) == ["SaaS"]
    assert names({"tag": "crm"}) == ["SaaS"]  # a whole tag, not "crm-box"
    assert names({"tag": "CRM-box"}) == ["Hardware"]


def test_lowest_price_ignores_free_trials():
    product = listed_product(
        specs=[
            ("Pro", "period", [("month", "80"), ("year", "800")]),
            ("T", "trial", [("free", "0")]),
        ]
    )
    assert product.min_price == Decimal("80.00")
    assert product.billing_modes == ",period,trial,"


def test_sort_orders():
    listed_product(name="b-mid", specs=[("S", "one_off", [("once", "20")])])
    listed_product(name="a-cheap", specs=[("S", "one_off", [("once", "10")])])
    listed_product(name="c-dear", specs=[("S", "one_off", [("once", "30")])])
    assert names() == ["c-dear", "a-cheap", "b-mid"]  # newest first
    assert names({"sort": "newest"}) == ["c-dear", "a-cheap", "b-mid"]
    assert names({"sort": "price_asc"}) == ["a-cheap", "b-mid", "c-dear"]
    assert names({"sort": "price_desc"}) == ["c-dear", "b-mid", "a-cheap"]
    assert names({"sort": "name"}) == ["a-cheap", "b-mid", "c-dear"]
    assert names({"sort": "bogus"}) == ["c-dear", "a-cheap", "b-mid"]


def test_product_page_paginates_with_a_capped_count(monkeypatch):
    for i in range(5):
        listed_product(name=f"P{i}")
    result = selectors.product_page(params={}, page_number=2, per_page=2)
    assert result.paginator.count == 5
    assert [p.name for p in result.page] == ["P2", "P1"]
    assert not result.paginator.is_capped
    monkeypatch.setattr(selectors.CappedPaginator, "cap", 3)
    capped = selectors.product_page(params={}, page_number=1, per_page=2)
    assert capped.paginator.count == 4
    assert capped.paginator.is_capped


@pytest.mark.parametrize("how_many", [1, 12])
def test_list_queries_are_constant(django_assert_num_queries, how_many):
    category = CategoryFactory()
    for _ in range(how_many):
        listed_product(category=category)
    # category lookup, descendants, capped count, the page's ids, the page's rows
    with django_assert_num_queries(5):
        result = selectors.product_page(params={"category": category.slug, "q": "office"})
        for product in result.page:
            assert product.category.name and product.seller.store_name
            assert product.listed_version.logo is not None


def test_spec_groups_follow_billing_mode_order():
    product = listed_product(
        specs=[
            ("Trial", "trial", [("free", "0")]),
            ("Monthly", "period", [("month", "10")]),
            ("Pack", "package", [("package", "100")]),
        ]
    )
    product = selectors.product_get_listed(product_id=product.pk)
    groups = selectors.spec_groups(product)
    assert [g.mode for g in groups] == ["period", "package", "trial"]


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_product_page_read_gives_what_the_orm_gives():
    """selectors.product_get_listed reads in SQL (core.rawload): the same instances, the
    same values (decimals, files), the same related rows in the same order as the ORM."""
    from marketplace.catalog.models import (
        Price,
        ProductScreenshot,
        Region,
        SpecAttribute,
        SpecSales,
    )
    from tests.factories.catalog_publishing import AttributeNameFactory

    product = listed_product(
        specs=[
            ("Basic", "period", [("year", "1000.50"), ("month", "99.90")]),
            ("Pro", "period", [("month", "199")]),
        ]
    )
    version = product.listed_version
    basic, pro = version.specs.order_by("position", "id")
    Price.objects.create(spec=pro, period="year", amount=Decimal("0.01"), unit="")
    users = AttributeNameFactory(seller=product.seller, name="Users")
    SpecAttribute.objects.create(spec=pro, attribute=users, min_value=1, max_value=50, step=5)
    SpecAttribute.objects.create(spec=basic, attribute=users, min_value=1, max_value=5, step=1)
    ProductScreenshot.objects.create(version=version, image="screens/b.png", position=2)
    ProductScreenshot.objects.create(version=version, image="screens/a.png", position=1)
    product.regions.set([Region.objects.create(code=c, name_en=c, name_zh=c) for c in "zxy"])
    SpecSales.objects.create(product=product, spec_code=pro.code, stock=0)

    read = selectors.product_get_listed(product_id=product.pk)
    orm = Product.objects.get(pk=product.pk)
    assert _fields(read) == _fields(orm)
    assert _fields(read.listed_version) == _fields(orm.listed_version)
    assert _fields(read.seller) == _fields(orm.seller)
    specs = list(read.listed_version.specs.all())
    assert [_fields(s) for s in specs] == [
        _fields(s) for s in orm.listed_version.specs.order_by("position", "id")
    ]
    for spec in specs:
        orm_prices = Price.objects.filter(spec=spec).order_by("amount", "id")
        assert [_fields(p) for p in spec.prices.all()] == [_fields(p) for p in orm_prices]
        assert all(isinstance(p.amount, Decimal) for p in spec.prices.all())
        orm_attributes = SpecAttribute.objects.filter(spec=spec).order_by("id")
        assert [_fields(a) for a in spec.attributes.all()] == [_fields(a) for a in orm_attributes]
        assert [a.attribute.name for a in spec.attributes.all()] == ["Users"]
        assert spec.version is read.listed_version
    assert [p.amount for p in specs[1].prices.all()] == [Decimal("0.01"), Decimal("199.00")]
    assert [s.sold_out for s in specs] == [False, True]
    shots = list(read.listed_version.screenshots.all())
    assert [s.image.name for s in shots] == ["screens/a.png", "screens/b.png"]
    assert [r.code for r in read.regions.all()] == ["x", "y", "z"]
    assert selectors.product_stamp(read) == selectors.product_stamp_get(product_id=product.pk)
