"""Buyer-facing catalog state and wording: price phrases and number formats in both
languages, sold-out specs (page and API), the "may I buy" box, the sidebar's counted
filters, product cards, the top-bar search, the footer's pages and the empty store."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from marketplace.catalog.models import AllowlistEntry, Price, Spec, SpecSales
from marketplace.catalog.templatetags.catalog_tags import money, price_phrase, quantity
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    CategoryFactory,
    RegionFactory,
    SellerFactory,
    listed_product,
)

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}


def page(client, product, **params) -> str:
    return client.get(reverse("catalog:product", args=[product.pk]), params).content.decode()


# --- price phrases and numbers ---------------------------------------------------------


def phrase(period, amount, unit="", language="en", **spec_fields) -> str:
    spec = Spec(name="S", billing_mode="period", **spec_fields)
    price = Price(spec=spec, period=period, amount=Decimal(amount), unit=unit)
    with translation.override(language):
        return price_phrase(price)


@pytest.mark.parametrize(
    ("args", "kwargs", "english", "chinese"),
    [
        (("year", "58000"), {}, "¥58,000.00 / year", "¥58,000.00/年"),
        (("month", "99"), {}, "¥99.00 / month", "¥99.00/月"),
        (("free", "0"), {}, "Free", "免费"),
        (("month", "0"), {}, "Free", "免费"),
        (("once", "1200"), {}, "¥1,200.00 one-off", "¥1,200.00（一次性）"),
        (
            ("unit", "0.02", "1000 tokens"),
            {},
            "¥0.02 per 1,000 tokens (pay-as-you-go)",
            "按量付费：每1,000 tokens ¥0.02",
        ),
        (("unit", "0.05"), {}, "¥0.05 per unit (pay-as-you-go)", "按量付费：每单位 ¥0.05"),
        (
            ("package", "99"),
            {"package_kind": "per_call", "package_quota": 10000},
            "¥99.00 per package of 10,000 calls",
            "¥99.00/套餐（含 10,000 次调用）",
        ),
        (
            ("package", "199"),
            {"package_kind": "stop_when_used_up", "package_quota": 1000000},
            "¥199.00 per package of 1,000,000 uses",
            "¥199.00/套餐（含 1,000,000 次）",
        ),
        (("package", "5"), {}, "¥5.00 per package", "¥5.00/套餐"),
    ],
)
def test_one_price_phrase_per_billing_mode_in_both_languages(args, kwargs, english, chinese):
    assert phrase(*args, **kwargs) == english
    assert phrase(*args, language="zh-hans", **kwargs) == chinese


def test_a_chinese_unit_reads_naturally():
    assert phrase("unit", "0.02", "千 tokens", language="zh-hans") == "按量付费：每千 tokens ¥0.02"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_money_and_quantities_have_thousands_separators_in_both_languages(language):
    with translation.override(language):
        assert money(Decimal("58000")) == "¥58,000.00"
        assert money("1234567.5") == "¥1,234,567.50"
        assert money(None) == ""
        assert quantity(1000000) == "1,000,000"
        assert quantity(999) == "999"
        html = Template("{% load catalog_tags %}{{ n|quantity }} {{ m|money }}").render(
            Context({"n": 12345, "m": Decimal("0.5")})
        )
        assert html == "12,345 ¥0.50"


def test_product_page_writes_each_price_once(client):
    product = listed_product(
        specs=[
            ("Team", "period", [("month", "5800"), ("year", "58000")]),
            ("Trial", "trial", [("free", "0")]),
        ]
    )
    html = page(client, product)
    assert "¥58,000.00 / year" in html and "¥5,800.00 / month" in html
    assert "Free free" not in html and "Free\n" not in html.replace(" ", "")
    zh = client.get(reverse("catalog:product", args=[product.pk]), headers=ZH).content.decode()
    assert "¥58,000.00/年" in zh and "¥5,800.00/月" in zh
    assert "免费 免费" not in zh and "免费" in zh
    assert "每单位(按需)" not in zh


def test_seller_product_page_uses_the_same_phrases(client):
    product = listed_product(
        specs=[("Team", "period", [("year", "58000")]), ("Trial", "trial", [("free", "0")])]
    )
    client.force_login(product.seller.user)
    html = client.get(reverse("seller:product_detail", args=[product.pk])).content.decode()
    assert "¥58,000.00 / year" in html
    assert "Free free" not in html


def test_cards_format_the_lowest_price(client):
    listed_product(name="Dear", specs=[("S", "one_off", [("once", "58000")])])
    html = client.get(reverse("catalog:search")).content.decode()
    assert "¥58,000.00" in html


# --- sold out ---------------------------------------------------------------------------


def test_a_sold_out_spec_shows_as_sold_out_on_the_page_and_in_the_api(client):
    product = listed_product(
        specs=[("Small", "period", [("month", "10")]), ("Large", "period", [("month", "90")])]
    )
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=0)
    SpecSales.objects.create(product=product, spec_code="spec-1", stock=5)
    html = page(client, product)
    assert html.count('data-testid="sold-out"') == 1
    row = html[html.index("Small") : html.index("Large")]
    assert "Sold out" in row
    api = client.get(reverse("api-catalog-product", args=[product.pk])).json()
    assert {s["name"]: s["sold_out"] for s in api["specs"]} == {"Small": True, "Large": False}


def test_unlimited_stock_is_not_sold_out(client):
    product = listed_product(specs=[("Small", "period", [("month", "10")])])
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=None)
    assert 'data-testid="sold-out"' not in page(client, product)
    api = client.get(reverse("api-catalog-product", args=[product.pk])).json()
    assert api["specs"][0]["sold_out"] is False


# --- may I buy ---------------------------------------------------------------------------


def test_anonymous_visitors_are_asked_to_log_in_to_check(client):
    html = page(client, listed_product())
    assert 'data-testid="may-buy-anonymous"' in html
    assert reverse("accounts:login") + "?next=" in html


def test_a_buyer_may_buy_an_open_product(client):
    client.force_login(UserFactory())
    html = page(client, listed_product())
    assert 'data-testid="may-buy-yes"' in html


def test_allowlist_decides_who_may_buy(client):
    product = listed_product()
    product.allowlist_enabled = True
    product.save()
    outsider, insider = UserFactory(), UserFactory()
    AllowlistEntry.objects.create(product=product, kind=AllowlistEntry.Kind.SALES, user=insider)
    client.force_login(outsider)
    html = page(client, product)
    assert 'data-testid="may-buy-no"' in html
    assert "This product is sold only to users the seller specified." in html
    client.force_login(insider)
    assert 'data-testid="may-buy-yes"' in page(client, product)


def test_trial_allowlist_is_told_per_spec(client):
    product = listed_product(
        specs=[("Team", "period", [("month", "10")]), ("Trial", "trial", [("free", "0")])]
    )
    product.trial_allowlist_enabled = True
    product.save()
    client.force_login(UserFactory())
    html = page(client, product)
    box = html[html.index('data-testid="may-buy"') :]
    assert 'data-testid="may-buy-specs"' in box
    assert "on sale to you" in box
    assert "The trial is only for users the seller specified." in box


def test_region_the_buyer_picks_decides_where_it_sells(client):
    east, west = RegionFactory(code="east"), RegionFactory(code="west")
    product = listed_product(regions=[east])
    client.force_login(UserFactory())
    html = page(client, product)
    assert 'data-testid="may-buy-region"' in html
    assert "choose yours to check" in html
    assert 'data-testid="may-buy-yes"' in page(client, product, region="east")
    html = page(client, product, region="west")
    assert "This product is not sold in your region." in html
    # an unknown region is ignored, not an error
    assert page(client, product, region="nowhere").count("not sold in your region") == 0
    assert west.code in html


def test_sold_out_shows_in_the_may_buy_box(client):
    product = listed_product(specs=[("Small", "period", [("month", "10")])])
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=0)
    client.force_login(UserFactory())
    html = page(client, product)
    box = html[html.index('data-testid="may-buy"') :]
    assert "Sold out." in box


def test_may_buy_box_queries_do_not_grow_with_specs(client, django_assert_max_num_queries):
    product = listed_product(specs=[(f"S{i}", "period", [("month", "10")]) for i in range(8)])
    client.force_login(UserFactory())
    page(client, product)  # session, user
    with django_assert_max_num_queries(12):
        page(client, product)


# --- filters with counts ------------------------------------------------------------------


def facet(html: str, name: str) -> str:
    start = html.index(f'data-testid="facet-{name}"')
    return html[start : html.index("</fieldset>", start)] if name != "seller" else html[start:]


def test_filters_show_counts_and_hide_delivery_types_with_none(client):
    one, two = SellerFactory(store_name="Acme"), SellerFactory(store_name="Beta")
    listed_product(name="Office A", seller=one, delivery_type="saas", tags="")
    listed_product(name="Office B", seller=one, delivery_type="saas", tags="")
    listed_product(
        name="Office image",
        seller=two,
        delivery_type="image",
        specs=[("S", "one_off", [("once", "5")])],
        tags="",
    )
    listed_product(name="Unrelated", delivery_type="hardware", tags="")
    html = client.get(reverse("catalog:search"), {"q": "office"}).content.decode()
    types = facet(html, "delivery-type")
    assert 'value="saas"' in types and 'value="image"' in types
    assert 'value="hardware"' not in types  # none among the results
    assert 'id="dt-saas"' in types
    saas = types[types.index('id="dt-saas"') :]
    assert '<span class="facet-count" data-testid="facet-count">2</span>' in saas
    modes = facet(html, "billing-mode")
    assert 'value="one_off"' in modes and 'value="package"' not in modes
    sellers = facet(html, "seller")
    assert "Acme (2)" in sellers and "Beta (1)" in sellers
    # a picked delivery type leaves the others' counts as they were (a second one adds)
    html = client.get(
        reverse("catalog:search"), {"q": "office", "delivery_type": "image"}
    ).content.decode()
    types = facet(html, "delivery-type")
    assert 'value="saas"' in types
    assert 'value="image"\n             id="dt-image"\n             checked' in types


def test_the_seller_filter_has_a_control(client):
    seller = SellerFactory(store_name="Acme")
    listed_product(name="Office A", seller=seller)
    listed_product(name="Office B")
    html = client.get(reverse("catalog:search"), {"seller": seller.pk}).content.decode()
    sellers = facet(html, "seller")
    assert 'name="seller"' in sellers and "All sellers" in sellers
    assert f'value="{seller.pk}"\n                selected' in sellers
    assert html.count('data-testid="product-card"') == 1


def test_htmx_results_carry_the_counts_out_of_band(client):
    listed_product(name="Office A", delivery_type="saas", tags="")
    listed_product(name="Office image", delivery_type="image", tags="")
    response = client.get(reverse("catalog:search"), {"q": "image"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert 'id="facet-delivery-type"' in html and 'hx-swap-oob="true"' in html
    types = facet(html, "delivery-type")
    assert 'value="image"' in types and 'value="saas"' not in types


def test_a_broad_search_shows_choices_without_counts(client, monkeypatch):
    from marketplace.catalog import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    listed_product(name="Office A", delivery_type="saas")
    listed_product(name="Office B", delivery_type="saas")
    html = client.get(reverse("catalog:search"), {"q": "office"}).content.decode()
    types = facet(html, "delivery-type")
    assert 'data-testid="facet-count"' not in types
    assert 'value="hardware"' in types  # nothing counted: nothing hidden


def test_counts_follow_the_search_term_not_the_cached_sidebar(client):
    listed_product(name="Office A", delivery_type="saas", tags="")
    listed_product(name="Photo B", delivery_type="image", tags="")
    office = client.get(reverse("catalog:search"), {"q": "office"}).content.decode()
    photo = client.get(reverse("catalog:search"), {"q": "photo"}).content.decode()
    assert 'value="image"' not in facet(office, "delivery-type")
    assert 'value="saas"' not in facet(photo, "delivery-type")


def test_tag_filter_suggests_existing_tags(client):
    listed_product(tags="数据库, MySQL")
    listed_product(tags="mysql, backup")
    html = client.get(reverse("catalog:search")).content.decode()
    suggestions = html[html.index('data-testid="tag-suggestions"') :]
    suggestions = suggestions[: suggestions.index("</datalist>")]
    assert 'list="tag-suggestions"' in html
    for tag in ("数据库", "mysql", "backup"):
        assert f'<option value="{tag}">' in suggestions.lower()
    assert suggestions.lower().count('value="mysql"') == 1


# --- cards, top bar, footer, store ------------------------------------------------------


def test_a_card_without_a_logo_shows_the_first_screenshot(client, image_file):
    product = listed_product(name="Shots")
    version = product.listed_version
    version.screenshots.create(image=image_file("second.png"), position=2)
    first = version.screenshots.create(image=image_file("first.png"), position=1)
    html = client.get(reverse("catalog:search")).content.decode()
    assert 'data-testid="card-screenshot"' in html
    assert f'src="{first.image.url}"' in html
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="card-screenshot"' in home


@pytest.mark.parametrize("name", ["home", "catalog:search", "help", "accounts:login"])
def test_every_page_has_the_top_bar_search_and_the_footer(client, name):
    html = client.get(reverse(name)).content.decode()
    assert 'data-testid="topbar-search"' in html
    assert f'action="{reverse("catalog:search")}"' in html
    for page_name in ("help", "terms", "privacy", "contact"):
        assert f'href="{reverse(page_name)}"' in html


@pytest.mark.parametrize(
    ("name", "english", "chinese"),
    [
        ("help", "Finding a product", "查找商品"),
        ("terms", "Terms of use", "使用条款"),
        ("privacy", "What we keep", "我们保存哪些信息"),
        ("contact", "Monday to Friday", "周一至周五"),
    ],
)
def test_footer_pages_exist_in_both_languages(client, name, english, chinese):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert english in response.content.decode()
    zh = client.get(reverse(name), headers=ZH).content.decode()
    assert chinese in zh
    assert client.post(reverse(name)).status_code == 405


def test_contact_page_shows_the_support_address(client, settings):
    settings.SUPPORT_EMAIL = "help@market.example"
    html = client.get(reverse("contact")).content.decode()
    assert "mailto:help@market.example" in html


def test_an_empty_store_does_not_suggest_shortening_a_search(client):
    seller = SellerFactory()
    html = client.get(reverse("catalog:store", args=[seller.pk])).content.decode()
    assert "This store has no products on sale yet." in html
    assert "shorter search term" not in html


def test_product_page_uses_full_width_punctuation_in_chinese(client):
    product = listed_product(regions=[RegionFactory(code="east", name_zh="华东")])
    zh = client.get(reverse("catalog:product", args=[product.pk]), headers=ZH).content.decode()
    assert "销售区域：" in zh and "销售区域:" not in zh


# --- seller center: category picker, breadcrumbs, scrolling tables -------------------------


def test_category_picker_shows_the_hierarchy(client):
    parent = CategoryFactory(slug="software", name_en="Software", position=1)
    CategoryFactory(slug="db", name_en="Databases", parent=parent)
    CategoryFactory(slug="hardware", name_en="Hardware", position=2)
    seller = SellerFactory()
    client.force_login(seller.user)
    html = client.get(reverse("seller:product_create", args=["saas"])).content.decode()
    select = html[html.index('id="id_category"') :]
    select = select[: select.index("</select>")]
    assert "Software › Databases" in select
    assert (
        select.index(">Software<")
        < select.index("Software › Databases")
        < select.index(">Hardware<")
    )


def test_draft_breadcrumbs_show_the_name_not_the_id(client):
    from tests.factories import catalog_publishing

    product = catalog_publishing.draft_product(name="Nameless draft")
    client.force_login(product.seller.user)
    html = client.get(reverse("seller:product_edit", args=[product.pk])).content.decode()
    crumbs = html[html.index('class="breadcrumb') : html.index("</ol>")]
    assert "Nameless draft" in crumbs and f"#{product.pk}" not in crumbs


def test_seller_tables_scroll_with_a_visible_hint(client):
    product = listed_product()
    client.force_login(product.seller.user)
    html = client.get(reverse("seller:product_list")).content.decode()
    assert "table-responsive table-scroll" in html and 'data-testid="scroll-hint"' in html
