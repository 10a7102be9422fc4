"""People's own words (product, store and group names, descriptions, tags ...) are marked
`data-user-content` where the buyer and seller pages show them, so that the browser crawl
(tests/browser/test_crawl.py) can tell them from interface text; the interface itself has
no Chinese on an English page and no ASCII colon after Chinese in the catalogue."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from marketplace.catalog.models import Spec
from tests.factories.catalog_publishing import PublishingSellerFactory, listed_product
from tests.factories.sellers import ServiceGroupFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
SKIPPED = {"script", "style", "noscript", "template", "textarea"}


class InterfaceText(HTMLParser):
    """The body's text and readable attributes outside user content (the crawl's rule:
    `data-user-content`, an element's own `lang`, scripts and textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []
        self.in_body = False

    def marked(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.in_body = self.in_body or tag == "body"
        marked = (
            self.marked()
            or "data-user-content" in attrs
            or (tag != "body" and self.in_body and "lang" in attrs)
            or tag in SKIPPED
        )
        if self.in_body and not marked:
            self.texts += [
                attrs[a] for a in ("placeholder", "title", "alt", "aria-label") if attrs.get(a)
            ]
        if tag not in VOID:
            self.stack.append((tag, marked))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.in_body and data.strip() and not self.marked():
            self.texts.append(data.strip())


def chinese_interface_text(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    return [text for text in parser.texts if CJK.search(text)]


@pytest.fixture
def chinese_product():
    seller = PublishingSellerFactory(store_name="云新商店")
    group = ServiceGroupFactory(seller=seller, name="客户成功团队", hours="周一至周五 9:00–18:00")
    product = listed_product(
        seller,
        name="云办公套件",
        summary="在线文档与表格",
        description="完整的办公套件。",
        tags="办公,文档",
        service_group=group,
    )
    Spec.objects.filter(version__product=product).update(name="团队版")
    return product


def test_an_english_product_page_shows_chinese_only_as_seller_content(client, chinese_product):
    html = client.get(reverse("catalog:product", args=[chinese_product.pk])).content.decode()
    assert "云办公套件" in html and "团队版" in html and "客户成功团队" in html
    assert chinese_interface_text(html) == []


def test_english_listing_pages_show_chinese_only_as_seller_content(client, chinese_product):
    for url in (
        reverse("home"),
        reverse("catalog:search"),
        reverse("catalog:store", args=[chinese_product.seller_id]),
    ):
        html = client.get(url).content.decode()
        assert "云办公套件" in html, url
        assert chinese_interface_text(html) == [], url


def test_english_seller_pages_show_chinese_only_as_seller_content(client, chinese_product):
    client.force_login(chinese_product.seller.user)
    for url in (
        reverse("seller:dashboard"),
        reverse("seller:product_list"),
        reverse("seller:product_detail", args=[chinese_product.pk]),
        reverse("seller:product_sales", args=[chinese_product.pk]),
        reverse("seller:product_delist", args=[chinese_product.pk]),
    ):
        html = client.get(url).content.decode()
        assert "云办公套件" in html or "云新商店" in html, url
        assert chinese_interface_text(html) == [], url


def test_the_product_tabs_stay_on_one_line(client, chinese_product):
    html = client.get(reverse("catalog:product", args=[chinese_product.pk])).content.decode()
    assert re.search(r'<ul class="nav nav-tabs nav-tabs-nowrap"[^>]*id="product-tabs"', html)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "marketplace.css").read_text()
    assert re.search(r"\.nav-tabs-nowrap \{ flex-wrap: nowrap; overflow-x: auto;", css)


def test_chinese_translations_use_full_width_colons():
    catalogue = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    with catalogue.open("rb") as f:
        messages = list(read_po(f))
    wrong = [
        string
        for message in messages
        for string in (message.string if isinstance(message.string, tuple) else [message.string])
        if string and re.search(r"[\u4e00-\u9fff”）]:", string)
    ]
    assert wrong == []
