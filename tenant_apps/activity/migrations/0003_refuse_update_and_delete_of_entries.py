from django.db import migrations

# A statement trigger in each agency's schema refuses UPDATE, DELETE and TRUNCATE, so a bug
# or a stray query cannot rewrite history. Someone with DDL rights can still disable it;
# the hash chain (verify_activity_log) is what catches that.
REFUSE_CHANGES = """
CREATE FUNCTION activity_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the activity log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER activity_entry_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON activity_activityentry
    FOR EACH STATEMENT EXECUTE FUNCTION activity_entry_refuse_change();
"""
ALLOW_CHANGES = """
DROP TRIGGER activity_entry_append_only ON activity_activityentry;
DROP FUNCTION activity_entry_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("activity", "0002_company_and_newest_first_indexes")]

    operations = [migrations.RunSQL(REFUSE_CHANGES, ALLOW_CHANGES)]
