"""Search: Chinese and English substrings, every term must match; the PostgreSQL paths
(trigram index for 3+ characters, short-gram index for 1-2) find the same rows."""

import pytest
from django.db import connection

from marketplace.catalog import selectors
from marketplace.catalog.search import search_terms
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    return {
        "db": listed_product(name="云数据库 MySQL 企业版", summary="高可用的关系型数据库"),
        "crm": listed_product(name="Sales CRM Cloud", summary="Customer relationship management"),
        "site": listed_product(
            name="企业官网建站服务", summary="专业团队为您建站", tags="建站, 网站"
        ),
    }


def found(query: str) -> set[str]:
    return {p.name for p in selectors.product_list(params={"q": query})}


def test_search_terms_are_lowercased_deduplicated_and_capped():
    assert search_terms("  CRM crm  云\u3000数据 ") == ["crm", "云", "数据"]
    assert len(search_terms("a b c d e f g h")) == 5
    assert search_terms(None) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("数据", {"云数据库 MySQL 企业版"}),  # a 2-character Chinese word inside a longer one
        ("数据库", {"云数据库 MySQL 企业版"}),
        ("云", {"云数据库 MySQL 企业版"}),  # a single character
        ("企业", {"云数据库 MySQL 企业版", "企业官网建站服务"}),
        ("建站", {"企业官网建站服务"}),
        ("mysql", {"云数据库 MySQL 企业版"}),  # case-insensitive
        ("MySQL", {"云数据库 MySQL 企业版"}),
        ("relation", {"Sales CRM Cloud"}),  # substring of a word
        ("crm", {"Sales CRM Cloud"}),
        ("cl", {"Sales CRM Cloud"}),  # a 2-letter term
        ("企业 mysql", {"云数据库 MySQL 企业版"}),  # every term must match
        ("企业 crm", set()),
        ("网站", {"企业官网建站服务"}),  # from the tags
        ("oracle", set()),
        ("%", set()),  # LIKE wildcards are literal
        ("_", set()),
    ],
)
def test_search_finds_substrings(products, query, expected):
    assert found(query) == expected


def test_search_includes_the_seller_store_name(products):
    store = products["crm"].seller.store_name
    assert found(store.lower()) == {"Sales CRM Cloud"}


def test_empty_query_lists_everything(products):
    assert len(found("")) == 3


@pytest.mark.postgres
def test_postgres_short_grams_match_like(products):
    """The short-gram function returns every 1- and 2-character substring."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_short_grams(%s)", ["云数据 ab"])
        grams = set(cursor.fetchone()[0])
    # Pairs with the space stay in (GIN ignores duplicates; terms never hold spaces).
    assert grams == {"云", "数", "据", " ", "a", "b", "云数", "数据", "据 ", " a", "ab"}


def _explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_postgres_search_uses_the_indexes():
    """With a few thousand products, 2- and 3+-character Chinese terms go through
    the short-gram and trigram GIN indexes and still find their product."""
    from marketplace.catalog.models import Product
    from tests.factories.catalog import CategoryFactory, SellerFactory
    from tests.factories.sellers import ServiceGroupFactory

    seller = SellerFactory()
    group = ServiceGroupFactory(seller=seller)
    category = CategoryFactory()
    target = listed_product(
        name="智能客服机器人", seller=seller, service_group=group, category=category
    )
    Product.objects.bulk_create(
        Product(
            seller=seller,
            delivery_type="saas",
            status="listed",
            listed_version=None,
            name=f"Product {i}",
            search_text=f"product {i} 办公软件 office suite number {i}",
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        # Rows inserted into a GIN index wait in its pending list until VACUUM, which a
        # test's transaction can't run; flush them so the planner costs the index fairly.
        for index in ("catalog_product_search_trgm", "catalog_product_search_short_grams"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE catalog_product")

    for term, index in [
        ("客服", "catalog_product_search_short_grams"),
        ("客服机器人", "catalog_product_search_trgm"),
    ]:
        qs = selectors.product_list(params={"q": term})
        assert [p.pk for p in qs] == [target.pk]
        sql, params = qs.query.sql_with_params()
        plan = _explain(sql, params)
        assert index in plan, plan
