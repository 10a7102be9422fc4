"""Indexes for 1- and 2-character search terms and the newest-first list on PostgreSQL
(see catalog/search.py).

A LIKE pattern shorter than three characters has no trigram, so pg_trgm's index can't
narrow it down, and most Chinese words are two characters. `catalog_short_grams(text)`
returns every 1- and 2-character substring of the text; a GIN index on it finds "数据"
in "云数据库" exactly. SQLite does without.
"""

from django.db import migrations

CREATE = [
    # Every character and every pair of neighbouring characters. Duplicates and pairs
    # with a space stay in: GIN de-duplicates keys, and a search term has no spaces.
    # Plain SQL over C functions keeps it cheap when a row is checked outside the index.
    r"""
    CREATE OR REPLACE FUNCTION catalog_short_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT string_to_array(t, NULL)
        || ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i)
    $$
    """,
    "CREATE INDEX IF NOT EXISTS catalog_product_search_short_grams "
    "ON catalog_product USING gin (catalog_short_grams(search_text))",
    # Newest first over listed products: a broad term ("云", "数据") matches a quarter
    # of the catalog, and walking this index until a page is full beats sorting them all.
    "CREATE INDEX IF NOT EXISTS catalog_product_listed_newest "
    "ON catalog_product (listed_at DESC, id DESC) WHERE status = 'listed'",
]
DROP = [
    "DROP INDEX IF EXISTS catalog_product_listed_newest",
    "DROP INDEX IF EXISTS catalog_product_search_short_grams",
    "DROP FUNCTION IF EXISTS catalog_short_grams(text)",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_indexes")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
