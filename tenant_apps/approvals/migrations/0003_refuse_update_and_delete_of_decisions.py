from django.db import migrations

# Decision records are evidence: like the activity log, the table refuses UPDATE, DELETE and
# TRUNCATE in each agency's schema. Someone with DDL rights could still drop the trigger; the
# decision's hash-chained activity entry (verify_activity_log) is what catches that.
REFUSE_CHANGES = """
CREATE FUNCTION approval_decision_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'approval decisions are immutable: % refused', TG_OP;
END
$$;
CREATE TRIGGER approval_decision_immutable
    BEFORE UPDATE OR DELETE OR TRUNCATE ON approvals_approvaldecision
    FOR EACH STATEMENT EXECUTE FUNCTION approval_decision_refuse_change();
"""
ALLOW_CHANGES = """
DROP TRIGGER approval_decision_immutable ON approvals_approvaldecision;
DROP FUNCTION approval_decision_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_rerequests_notices_and_one_pending_per_subject")]

    operations = [migrations.RunSQL(REFUSE_CHANGES, ALLOW_CHANGES)]
