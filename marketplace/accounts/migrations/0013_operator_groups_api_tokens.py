"""Support sees the accounts' personal API tokens and revokes a leaked one (README ›
Operators): `accounts.view_apitoken` and `accounts.revoke_apitoken` (declared on ApiToken)
go to the support group; the admin's "Revoke" action and `api_token_revoke_any` check
the latter.

`marketplace.accounts.groups` runs `add_permissions` again where a database lost the
groups after migrating.
"""

from django.db import migrations

ADDED = {
    "support": [
        ("apitoken", "view_apitoken", "Can view API token"),
        ("apitoken", "revoke_apitoken", "Can revoke any account's API tokens"),
    ],
}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="accounts", model=model_name
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
                    content_type__app_label="accounts",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_api_token"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
