"""Fee policy and partner terms versions can't be changed once in force, in the database
too (issue 12 §1: "versions never edited once in force").

PostgreSQL: a row trigger refuses an UPDATE of a version whose `effective_from` has
passed, whoever runs it (the admin, a shell, raw SQL). Not on SQLite (as
supervision.0002): the models' `save()` and the services refuse on every database.
Deleting is left to the foreign keys: a version a bill line used is PROTECTed.
"""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION settlement_version_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.effective_from <= now() THEN
        RAISE EXCEPTION '% row % is in force since % and can''t be changed',
            TG_TABLE_NAME, OLD.id, OLD.effective_from
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS settlement_feepolicy_frozen ON settlement_feepolicy;
CREATE TRIGGER settlement_feepolicy_frozen
    BEFORE UPDATE ON settlement_feepolicy
    FOR EACH ROW EXECUTE FUNCTION settlement_version_frozen();
DROP TRIGGER IF EXISTS settlement_partnerterms_frozen ON settlement_partnerterms;
CREATE TRIGGER settlement_partnerterms_frozen
    BEFORE UPDATE ON settlement_partnerterms
    FOR EACH ROW EXECUTE FUNCTION settlement_version_frozen();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS settlement_feepolicy_frozen ON settlement_feepolicy;
DROP TRIGGER IF EXISTS settlement_partnerterms_frozen ON settlement_partnerterms;
DROP FUNCTION IF EXISTS settlement_version_frozen();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0001_settlement")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
