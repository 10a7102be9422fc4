"""The operator groups get the invoicing permissions (README › Operators).

- support: views invoice requests, their orders, red-letter invoices and titles (to
  answer buyers), and issues the marketplace's invoices (orders before the cut-over);
- finance: the same views, and issues marketplace invoices too.
"""

from django.db import migrations

VIEW = [
    ("invoicerequest", "view_invoicerequest", "Can view invoice request"),
    ("invoicerequestorder", "view_invoicerequestorder", "Can view invoiced order"),
    ("redletterinvoice", "view_redletterinvoice", "Can view red-letter invoice"),
]
ISSUE = ("invoicerequest", "issue_marketplace_invoice", "Can issue marketplace invoices")
ADDED = {"support": [*VIEW, ISSUE], "finance": [*VIEW, ISSUE]}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="invoices", model=model_name
            )
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, entries in ADDED.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for model_name, codename, _name in entries:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="invoices",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0001_invoicing"),
        ("accounts", "0011_operator_groups_delisting_and_unlocks"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
