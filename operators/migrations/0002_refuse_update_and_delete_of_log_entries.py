from django.db import migrations

# As for the agencies' activity log: a statement trigger refuses UPDATE, DELETE and TRUNCATE;
# the hash chain (operators.log.operator_log_problems) catches anyone who disables it.
REFUSE_CHANGES = """
CREATE FUNCTION operator_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the operator log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER operator_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON operators_operatorlogentry
    FOR EACH STATEMENT EXECUTE FUNCTION operator_log_refuse_change();
"""
ALLOW_CHANGES = """
DROP TRIGGER operator_log_append_only ON operators_operatorlogentry;
DROP FUNCTION operator_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("operators", "0001_operators_log_usage_grants_announcements")]

    operations = [migrations.RunSQL(REFUSE_CHANGES, ALLOW_CHANGES)]
