"""Search indexes that only PostgreSQL has: pg_trgm so that a substring (also a Chinese
one) of a product's search text is found through an index. SQLite does without."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_trgm "
    "ON catalog_product USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS catalog_product_search_trgm"]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
