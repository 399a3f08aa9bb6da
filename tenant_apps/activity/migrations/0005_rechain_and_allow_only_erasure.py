"""Re-chain every entry in the form that survives an erasure, and let the table's trigger
through one UPDATE only: an erasure's (see tenant_apps/activity/hashing.py).

The hashes change once, here: a head hash printed or a record exported before this migration
no longer matches; verify_activity_log and fresh exports work as before.
"""

from django.db import migrations

from tenant_apps.activity.hashing import (
    PERSONAL_FIELDS,
    REFERENCE_FIELDS,
    chain_hash,
    new_salt,
    personal_digest,
)

GENESIS_HASH = "0" * 64
BATCH = 2000

DROP_REFUSAL = """
DROP TRIGGER activity_entry_append_only ON activity_activityentry;
DROP FUNCTION activity_entry_refuse_change();
"""

# DELETE and TRUNCATE stay refused outright. An UPDATE passes only when it erases: every
# hashed column as it was and the salt NULL afterwards (an erased entry may be erased again,
# for a second person it names); the personal fields may change.
ALLOW_ONLY_ERASURE = """
CREATE FUNCTION activity_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the activity log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER activity_entry_append_only
    BEFORE DELETE OR TRUNCATE ON activity_activityentry
    FOR EACH STATEMENT EXECUTE FUNCTION activity_entry_refuse_change();
CREATE FUNCTION activity_entry_allow_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.personal_salt IS NULL AND (
        NEW.id, NEW.occurred_at, NEW.actor_id, NEW.action, NEW.object_type, NEW.object_id,
        NEW.company_id, NEW.personal_digest, NEW.prev_hash, NEW.entry_hash
    ) IS NOT DISTINCT FROM (
        OLD.id, OLD.occurred_at, OLD.actor_id, OLD.action, OLD.object_type, OLD.object_id,
        OLD.company_id, OLD.personal_digest, OLD.prev_hash, OLD.entry_hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the activity log is append-only: UPDATE refused (only an erasure of an '
        'entry''s personal fields may change it)';
END
$$;
CREATE TRIGGER activity_entry_erasure_only
    BEFORE UPDATE ON activity_activityentry
    FOR EACH ROW EXECUTE FUNCTION activity_entry_allow_erasure_only();
"""


def rechain(apps, schema_editor):
    Entry = apps.get_model("activity", "ActivityEntry")
    previous, batch = GENESIS_HASH, []
    for entry in Entry.objects.order_by("id").iterator(chunk_size=BATCH):
        entry.personal_salt = new_salt()
        entry.personal_digest = personal_digest(
            entry.personal_salt, {name: getattr(entry, name) for name in PERSONAL_FIELDS}
        )
        references = {name: getattr(entry, name) for name in REFERENCE_FIELDS}
        references["occurred_at"] = entry.occurred_at.isoformat()
        entry.prev_hash = previous
        entry.entry_hash = previous = chain_hash(
            references, personal_digest=entry.personal_digest, prev_hash=entry.prev_hash
        )
        batch.append(entry)
        if len(batch) == BATCH:
            _save(Entry, batch)
            batch = []
    _save(Entry, batch)


def _save(Entry, batch):
    Entry.objects.bulk_update(
        batch, ["personal_salt", "personal_digest", "prev_hash", "entry_hash"], batch_size=BATCH
    )


class Migration(migrations.Migration):
    dependencies = [("activity", "0004_personal_digest")]

    operations = [
        migrations.RunSQL(DROP_REFUSAL),
        migrations.RunPython(rechain),
        migrations.RunSQL(ALLOW_ONLY_ERASURE),
    ]
