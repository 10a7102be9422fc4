"""The catalog generation row that cached list pages are keyed by (catalog/cache.py)."""

from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("catalog", "CatalogGeneration").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_short_gram_search")]

    operations = [
        migrations.CreateModel(
            name="CatalogGeneration",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
