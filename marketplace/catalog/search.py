"""Product search over `Product.search_text` (name + summary + tags + seller, lower-cased).

Semantics: the query is split on whitespace and every term must occur as a substring
(AND). Substring, not word, matching because Chinese has no spaces between words: "数据"
must find "云数据库".

How each term is served on PostgreSQL (migrations 0002 and 0003):
- 3 characters or more: `search_text LIKE '%term%'`, which pg_trgm's GIN index serves.
  The database's ctype (C.UTF-8 here) treats CJK characters as word characters, so a
  Chinese term of 3+ characters yields trigrams like any other.
- 1 or 2 characters: a LIKE pattern this short has no trigram, so the trigram index
  would hand back every row for a recheck. Most Chinese words are two characters, so
  these terms get their own index: `catalog_short_grams(search_text)` is every 1- and
  2-character substring of the text, GIN-indexed, and a term matches exactly when it
  is one of them (`@> ARRAY[term]`): the same answer as the LIKE, found through an
  index. A broad term ("云") is instead served by walking the newest-first index
  (catalog_product_listed_newest) until the page is full; the planner picks. Beside a
  longer term, short terms are LIKEs alone, checked on the rows the trigram index finds.
- A page of a list known to be long (more than COUNT_CAP matches: selectors.
  product_card_page) is read by walking its sort's index, each term a substring test
  (`apply_search(walk=True)`).
On SQLite (development, tests) every term is an `icontains`.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import StrIndex

MAX_TERMS = 5
MAX_TERM_LENGTH = 50
SHORT_TERM = 2  # terms up to this length use the short-gram index on PostgreSQL


def search_terms(query: str | None) -> list[str]:
    """Lower-cased, de-duplicated terms of a query, at most MAX_TERMS of them."""
    terms: list[str] = []
    for raw in (query or "").split():
        term = raw.lower()[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


class ShortGrams(Func):
    """`catalog_short_grams(search_text)`: the expression the short-gram GIN index is on."""

    function = "catalog_short_grams"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=_text_array(), **extra)


@cache
def _text_array():
    """`text[]` as a field, built once (an expression's output field is only read)."""
    from django.contrib.postgres.fields import ArrayField

    return ArrayField(TextField())


def apply_search(queryset: QuerySet, query: str | None, *, walk: bool = False) -> QuerySet:
    """Filter products to those whose search text contains every term of `query`.

    `walk`: for a list known to be long, read by walking the index of its sort until
    the page is full. Each term is then a plain substring test (StrIndex: strpos, on
    SQLite instr), which no index serves and the planner doesn't take for a rare match,
    so it walks; a LIKE it may judge rare and sort every match instead, and the
    short-gram function would run on every row the walk passes."""
    terms = search_terms(query)
    if not terms:
        return queryset
    if walk:
        for i, term in enumerate(terms):
            queryset = queryset.alias(**{f"_term{i}": StrIndex("search_text", Value(term))}).filter(
                **{f"_term{i}__gt": 0}
            )
        return queryset
    postgres = connection.vendor == "postgresql"
    # With a longer term beside them, the trigram index finds the rows and the short
    # terms' LIKEs check them: the short-gram function, run on every row the index finds
    # (it builds every pair of the text), would cost more than the page.
    short = [t for t in terms if len(t) <= SHORT_TERM]
    if len(short) < len(terms):
        short = []
    for term in terms:
        # search_text is already lower-cased, so a case-sensitive LIKE is enough and
        # lets the trigram index work on PostgreSQL; SQLite's LIKE is case-insensitive
        # for ASCII anyway. Short terms keep their LIKE too: when the planner walks the
        # newest-first index instead (a broad term), this cheap test runs first and
        # the short-gram function only on the rows that pass it.
        queryset = queryset.filter(search_text__contains=term)
    if postgres and short:
        queryset = queryset.alias(_short_grams=ShortGrams(F("search_text"))).filter(
            _short_grams__contains=short
        )
    return queryset
