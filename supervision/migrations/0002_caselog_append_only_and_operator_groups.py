"""The evidence log is append-only in the database too (issue 11 › Evidence), and the
operator groups get the supervision permissions (README › Operators).

- PostgreSQL: a row trigger refuses every UPDATE and DELETE of `supervision_caselog`,
  whoever runs it (the admin, a shell, raw SQL). Not on SQLite: Django's test flush
  empties tables with a plain DELETE there, which a trigger would refuse; the Python
  models refuse on every database, and `supervision_verify` finds any change anyway.
- support: views cases, their log, evidence and appeals, decides appeals and confirms
  the marketplace node of joint flows; finance: views the same and decides appeals
  (a refund decision also needs `orders.refund_order`, which finance holds).
"""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION supervision_caselog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'supervision_caselog rows are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS supervision_caselog_append_only ON supervision_caselog;
CREATE TRIGGER supervision_caselog_append_only
    BEFORE UPDATE OR DELETE ON supervision_caselog
    FOR EACH ROW EXECUTE FUNCTION supervision_caselog_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS supervision_caselog_append_only ON supervision_caselog;
DROP FUNCTION IF EXISTS supervision_caselog_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


VIEW = [
    ("case", "view_case", "Can view supervision case"),
    ("caselog", "view_caselog", "Can view case log entry"),
    ("appeal", "view_appeal", "Can view appeal"),
    ("evidencefile", "view_evidencefile", "Can view evidence file"),
]
DECIDE = ("case", "decide_appeal", "Can decide supervision appeals")
OPERATOR_NODE = (
    "case",
    "confirm_operator_node",
    "Can confirm the marketplace node of supervision cases",
)

ADDED = {
    "support": [*VIEW, DECIDE, OPERATOR_NODE],
    "finance": [*VIEW, DECIDE],
}


def add_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group_name, entries in ADDED.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model_name, codename, name in entries:
            content_type, _ = ContentType.objects.get_or_create(
                app_label="supervision", model=model_name
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
                    content_type__app_label="supervision",
                    content_type__model=model_name,
                    codename=codename,
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_cases"),
        ("accounts", "0011_operator_groups_delisting_and_unlocks"),
    ]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(add_permissions, remove_permissions),
    ]
