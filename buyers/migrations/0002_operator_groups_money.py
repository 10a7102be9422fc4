"""Operator groups, the buyer's money (issue 8): finance tops up wallets, sets credit
limits and issues cash coupons, and sees everything about a buyer's money; support sees
wallets and the ledger to answer buyers. Frozen like accounts 0009/0011: a later change
is a new migration (marketplace/accounts/groups.py replays it)."""

from django.db import migrations

VIEW = "Can view {}"
ADDED = {
    "finance": [
        ("buyers", "wallet", "view_wallet", VIEW.format("wallet")),
        ("buyers", "wallet", "top_up_wallet", "Can top up a buyer's wallet"),
        ("buyers", "wallet", "set_credit_limit", "Can set a buyer's credit limit"),
        ("buyers", "ledgerentry", "view_ledgerentry", VIEW.format("ledger entry")),
        ("buyers", "topup", "view_topup", VIEW.format("top-up")),
        ("buyers", "creditbill", "view_creditbill", VIEW.format("credit bill")),
        ("buyers", "cashcoupon", "view_cashcoupon", VIEW.format("cash coupon")),
        ("buyers", "cashcoupon", "issue_cash_coupon", "Can issue cash coupons"),
    ],
    "support": [
        ("buyers", "wallet", "view_wallet", VIEW.format("wallet")),
        ("buyers", "ledgerentry", "view_ledgerentry", VIEW.format("ledger entry")),
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
        ("buyers", "0001_initial"),
        ("accounts", "0011_operator_groups_delisting_and_unlocks"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
