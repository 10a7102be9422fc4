"""The operator groups get the settlement permissions (README › Operators).

- support: views every settlement table (to answer sellers and partners);
- finance: the same views, and approves / rejects payment requests, receives or rejects
  sellers' invoices to the marketplace, receives partners' invoices and marks share
  bills paid, and starts (re-)runs of the billing run;
- reviewer: nothing.
"""

from django.db import migrations

MODELS = [
    ("feepolicy", "fee policy version"),
    ("accelerationtier", "acceleration tier"),
    ("partner", "customer service partner"),
    ("partnerbinding", "partner binding"),
    ("partnerterms", "partner terms version"),
    ("settlementrun", "billing run"),
    ("bill", "bill"),
    ("billline", "bill line"),
    ("carryover", "carry-over"),
    ("paymentrequest", "payment request"),
    ("sellerinvoice", "seller invoice to the marketplace"),
    ("partnersharebill", "partner share bill"),
]
VIEW = [(model, f"view_{model}", f"Can view {name}") for model, name in MODELS]
DECIDE = [
    ("paymentrequest", "decide_paymentrequest", "Can approve or reject payment requests"),
    (
        "sellerinvoice",
        "receive_sellerinvoice",
        "Can receive or reject sellers' invoices to the marketplace",
    ),
    (
        "partnersharebill",
        "settle_partnersharebill",
        "Can receive partners' invoices and mark share bills paid",
    ),
    ("settlementrun", "run_settlement", "Can start a billing run"),
]
ADDED = {"support": VIEW, "finance": [*VIEW, *DECIDE]}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="settlement", model=model_name
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
                    content_type__app_label="settlement",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0003_share_bill_received_and_permissions"),
        ("accounts", "0011_operator_groups_delisting_and_unlocks"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
