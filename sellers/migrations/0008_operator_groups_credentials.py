"""Operator groups, application credentials (issue 9): support sees the sellers' access
keys (metadata only: the admin never shows a secret), the products' production interface
settings and the sellers' test accounts, read-only, to help sellers whose calls fail.
Frozen like the other group migrations: a later change is a new migration
(marketplace/accounts/groups.py replays it)."""

from django.db import migrations

ADDED = {
    "support": [
        ("sellers", "accesskey", "view_accesskey", "Can view access key"),
        ("sellers", "testaccount", "view_testaccount", "Can view test account"),
        ("orders", "productinterface", "view_productinterface", "Can view production interface"),
    ]
}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label=app_label, model=model_name
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
        for app_label, model_name, codename, _name in entries:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0007_access_keys_test_accounts"),
        ("orders", "0003_isv_integration"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
