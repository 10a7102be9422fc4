"""Operator groups, seller vouchers (issue 8): support and finance see the vouchers
sellers made and the grants issued to customers (read-only admin), to answer buyers and
sellers. Frozen like 0002: a later change is a new migration (marketplace/accounts/groups.py
replays it)."""

from django.db import migrations

VIEW = [
    ("voucher", "view_voucher", "Can view voucher"),
    ("vouchergrant", "view_vouchergrant", "Can view voucher issued"),
]
ADDED = {"support": VIEW, "finance": VIEW}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="buyers", model=model_name
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
                    content_type__app_label="buyers",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [("buyers", "0002_operator_groups_money")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
