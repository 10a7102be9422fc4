"""Operator groups see orders (README › Operators: permissions and groups).

- support answers buyers and sellers: it sees orders, purchased services, unsubscriptions,
  refunds, provisioning calls and signed agreements, and changes nothing;
- finance sees the same and refunds orders (`orders.refund_order`, the admin's "Refund"
  action, checked again by the refund service);
- the reviewer gets nothing here.

`marketplace.accounts.groups` runs `add_permissions` again where a database lost the
groups after migrating.
"""

from django.db import migrations

VIEW = [
    ("order", "view_order", "Can view order"),
    ("subscription", "view_subscription", "Can view purchased service"),
    ("unsubscription", "view_unsubscription", "Can view unsubscription"),
    ("refund", "view_refund", "Can view refund"),
    ("provisioningcall", "view_provisioningcall", "Can view provisioning call"),
    ("signedagreement", "view_signedagreement", "Can view signed agreement"),
]

ADDED = {
    "support": VIEW,
    "finance": [*VIEW, ("order", "refund_order", "Can refund an order")],
}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="orders", model=model_name
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
                    content_type__app_label="orders",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("accounts", "0011_operator_groups_delisting_and_unlocks"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
