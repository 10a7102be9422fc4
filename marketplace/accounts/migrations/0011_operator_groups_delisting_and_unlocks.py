"""Operator groups, second version (0009 stays frozen):

- reviewer and support see the *delisting requests* queue that a seller's exit opens;
  the reviewer already holds `catalog.delist_product`, which works the queue;
- support unlocks accounts that log-in throttling locked: it sees the access attempts and
  may delete them (deleting an attempt is django-axes' unlock).
"""

from django.db import migrations

ADDED = {
    "reviewer": [("catalog", "delistrequest", "view_delistrequest", "Can view delisting request")],
    "support": [
        ("catalog", "delistrequest", "view_delistrequest", "Can view delisting request"),
        ("axes", "accessattempt", "view_accessattempt", "Can view access attempt"),
        ("axes", "accessattempt", "delete_accessattempt", "Can delete access attempt"),
    ],
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
        ("accounts", "0010_alter_enterpriseverification_user_and_more"),
        ("axes", "0010_accessattemptexpiration"),
        ("catalog", "0011_alter_cataloggeneration_options_and_more"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
