"""The operator groups: reviewer, support and finance (README › Operators: permissions
and groups). STYLE 16: operator groups are data migrations, not hand-made in the admin.

Permissions are normally created by `post_migrate`, after every migration has run, so this
migration creates the rows it needs itself (get_or_create: post_migrate then finds them).
The table is frozen here on purpose: a later change of a group is a new migration (e.g.
settlement adding its permissions to *finance*).
"""

from django.db import migrations

# (app label, model, codename); a codename without a name below is a default
# "view_<model>" permission, named like Django names it.
VIEW_SELLERS = [
    ("sellers", "seller", "view_seller"),
    ("sellers", "businessinfo", "view_businessinfo"),
    ("sellers", "storepage", "view_storepage"),
    ("sellers", "servicegroup", "view_servicegroup"),
    ("sellers", "jointcertification", "view_jointcertification"),
]
VIEW_CATALOG = [
    ("catalog", "product", "view_product"),
    ("catalog", "productversion", "view_productversion"),
    ("catalog", "category", "view_category"),
    ("catalog", "region", "view_region"),
]
VIEW_ACCOUNTS = [
    ("accounts", "user", "view_user"),
    ("accounts", "enterpriseverification", "view_enterpriseverification"),
    ("accounts", "individualverification", "view_individualverification"),
]
VIEW_LOGS = [
    ("core", "transitionlog", "view_transitionlog"),
    ("core", "notification", "view_notification"),
    ("core", "heartbeat", "view_heartbeat"),
]
DECISIONS = [
    ("sellers", "seller", "review_seller"),
    ("sellers", "seller", "review_exit"),
    ("sellers", "jointcertification", "review_jointcertification"),
    ("catalog", "productversion", "review_productversion"),
    ("catalog", "product", "delist_product"),
    ("accounts", "user", "view_private_documents"),
]
NAMES = {
    "review_seller": "Can approve or reject onboarding applications",
    "review_exit": "Can approve sellers' exit requests",
    "review_jointcertification": "Can approve or reject joint-operation certifications",
    "review_productversion": "Can approve or reject product versions",
    "delist_product": "Can delist products",
    "view_private_documents": "Can view private documents and full ID numbers",
}

GROUPS = {
    # Works the review queues: decides applications, exits, certifications and product
    # versions, delists, and sees the private documents those decisions rest on.
    "reviewer": VIEW_SELLERS + VIEW_CATALOG + VIEW_ACCOUNTS + VIEW_LOGS + DECISIONS,
    # Answers sellers and buyers: sees everything they see, decides nothing, and sees no
    # private documents (ID numbers stay masked).
    "support": VIEW_SELLERS + VIEW_CATALOG + VIEW_ACCOUNTS + VIEW_LOGS,
    # Settlement adds its own permissions; until then, who sells what.
    "finance": [
        ("sellers", "seller", "view_seller"),
        ("sellers", "businessinfo", "view_businessinfo"),
        ("catalog", "product", "view_product"),
        ("core", "transitionlog", "view_transitionlog"),
    ],
}


def create_operator_groups(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = []
        for app_label, model_name, codename in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label=app_label, model=model_name
            )
            name = NAMES.get(codename)
            if name is None:
                model = apps.get_model(app_label, model_name)
                name = f"Can view {model._meta.verbose_name_raw}"
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            permissions.append(permission)
        group.permissions.add(*permissions)


def delete_operator_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0008_alter_user_options"),
        ("core", "0002_notification"),
        ("sellers", "0003_alter_jointcertification_options_and_more"),
        ("catalog", "0006_alter_product_options_alter_productversion_options_and_more"),
    ]

    operations = [migrations.RunPython(create_operator_groups, delete_operator_groups)]
