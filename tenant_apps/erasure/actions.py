"""Erasing a person: what is theirs alone is deleted, what others need is kept naming a
tombstone ("Former client 17"), and the activity log still verifies (README, "Erasing a
person, and why the activity log still verifies", lists each category)."""

import re

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CASCADE, Q, TextField
from django.db.models.functions import Cast
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from shared_apps.accounts.models import User, new_security_stamp
from shared_apps.backups.models import PersonErasure
from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_search_refresh
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.data_export.models import PersonExport
from tenant_apps.documents.actions import document_search_refresh
from tenant_apps.documents.models import Document
from tenant_apps.erasure.audit import ErasureAudit
from tenant_apps.files.actions import stored_files_delete
from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.actions import billing_owners_store
from tenant_apps.people.models import Invitation, TeamMember

# RFC 2606 reserves .invalid: an erased person's address can never receive mail.
ERASED_DOMAIN = "erased.invalid"
# A full name shorter than this is too likely to be a word of someone else's text; it is
# only cleared from the person's own rows.
SHORTEST_SWEPT_NAME = 5
# Tables the text sweep leaves alone: handled by the erasure itself (the person's row, other
# people's rows that may share their name, their invitations, the log), or evidence nobody
# may change (approval decisions refuse UPDATE; the decision is kept, see the README).
SWEEP_SKIPPED_TABLES = {
    "accounts_user",
    "activity_activityentry",
    "approvals_approvaldecision",
    "django_session",
    "people_invitation",
}
# Columns that identify rather than describe: a stored file's key names its bytes in storage.
SWEEP_SKIPPED_COLUMNS = {("files_storedfile", "key")}
# Changes keys that hold where and with what the person acted.
REQUEST_KEYS = {"ip_address": None, "user_agent": ""}


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user) -> bool:
    return user.email == erased_email(user.pk)


def tombstone_for(user) -> str:
    """What the person is called once erased; a client person, else team."""
    if getattr(user, "client_member", None) is not None:
        return f"Former client {user.pk}"
    return f"Former team member {user.pk}"


def _needles(email: str, full_name: str) -> list[str]:
    name = " ".join(full_name.split())
    return [email, *([name] if len(name) >= SHORTEST_SWEPT_NAME else [])]


def _pg_pattern(needles: list[str]) -> str:
    """A PostgreSQL regular expression matching any needle as a whole word (not inside a
    longer address or name); used with the case-insensitive flag."""
    escaped = ["".join(c if c.isalnum() else "\\" + c for c in needle) for needle in needles]
    return rf"(?<![[:alnum:]_.+%-])({'|'.join(escaped)})(?![[:alnum:]_-])"


def _py_pattern(needles: list[str]) -> re.Pattern:
    """The same as _pg_pattern, for Python."""
    alternatives = "|".join(re.escape(needle) for needle in needles)
    return re.compile(rf"(?<![\w.+%-])({alternatives})(?![\w-])", re.IGNORECASE)


def _replaced(value, pattern: re.Pattern, tombstone: str):
    """``value`` (a JSON value) with every match of ``pattern`` in its strings replaced."""
    if isinstance(value, str):
        return pattern.sub(tombstone, value)
    if isinstance(value, list):
        return [_replaced(item, pattern, tombstone) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, pattern, tombstone) for key, item in value.items()}
    return value


def _log_erase(*, user, items: set[tuple[str, str]], needles: list[str], tombstone: str) -> int:
    """Blank the salt and rewrite the personal fields of every entry naming the person: by
    them, about one of their ``items`` (object_type, object_id), or with their email or name
    in its text. This is the one UPDATE the log's trigger allows. Returns how many."""
    sql_pattern = _pg_pattern(needles)
    pattern = _py_pattern(needles)
    about = Q(pk__in=[])
    for object_type, object_id in items:
        about |= Q(object_type=object_type, object_id=object_id)
    entries = list(
        ActivityEntry.objects.annotate(changes_text=Cast("changes", TextField())).filter(
            Q(actor=user)
            | about
            | Q(actor_label__iregex=sql_pattern)
            | Q(object_label__iregex=sql_pattern)
            | Q(changes_text__iregex=sql_pattern)
        )
    )
    for entry in entries:
        by_them = entry.actor_id == user.pk
        about_them = (entry.object_type, entry.object_id) in items
        entry.personal_salt = None
        if by_them:
            entry.actor_label, entry.ip_address, entry.user_agent = tombstone, None, ""
        else:
            entry.actor_label = pattern.sub(tombstone, entry.actor_label)
        label = tombstone if about_them else pattern.sub(tombstone, entry.object_label)
        entry.object_label = label[:200]
        entry.changes = _replaced(entry.changes, pattern, tombstone)
        if (by_them or about_them) and isinstance(entry.changes, dict):
            entry.changes |= {k: v for k, v in REQUEST_KEYS.items() if k in entry.changes}
    ActivityEntry.objects.bulk_update(
        entries,
        ["personal_salt", "actor_label", "object_label", "changes", "ip_address", "user_agent"],
        batch_size=500,
    )
    return len(entries)


def _text_columns() -> dict[str, list[tuple[str, str, int | None]]]:
    """Every text and JSON column of the agency's tables: table -> [(column, type, length)]."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('text', 'character varying', 'json', 'jsonb')
              AND c.is_generated = 'NEVER'
            ORDER BY c.table_name, c.ordinal_position
            """,
            [connection.schema_name],
        )
        columns = {}
        for table, column, data_type, length in cursor.fetchall():
            if table in SWEEP_SKIPPED_TABLES or (table, column) in SWEEP_SKIPPED_COLUMNS:
                continue
            columns.setdefault(table, []).append((column, data_type, length))
        return columns


def _text_sweep(*, needles: list[str], tombstone: str) -> dict[str, int]:
    """Replace the person's email and full name by their tombstone in every other text of the
    agency (others' messages, notifications, webhook payloads, request fields...): one
    UPDATE per table, touching only the rows that name them. Returns rows changed per table."""
    pattern = _pg_pattern(needles)
    changed = {}
    with connection.cursor() as cursor:
        for table, columns in _text_columns().items():
            sets, matches, params = [], [], []
            for column, data_type, length in columns:
                name = connection.ops.quote_name(column)
                text = f"{name}::text" if data_type in ("json", "jsonb") else name
                new = f"regexp_replace({text}, %s, %s, 'gi')"
                if data_type in ("json", "jsonb"):
                    new = f"({new})::{data_type}"
                elif length:
                    new = f"left({new}, {int(length)})"
                sets.append(f"{name} = CASE WHEN {text} ~* %s THEN {new} ELSE {name} END")
                params += [pattern, pattern, tombstone]
                matches.append(f"{text} ~* %s")
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(table)} SET {', '.join(sets)} "  # noqa: S608 -- names from information_schema, quoted
                f"WHERE {' OR '.join(matches)}",
                params + [pattern] * len(matches),
            )
            if cursor.rowcount:
                changed[table] = cursor.rowcount
    return changed


def _holding_words(vector: str, needles: list[str]) -> Q:
    """Rows whose search vector ``vector`` holds every word of one of the needles."""
    found = Q(pk__in=[])
    for needle in needles:
        found |= Q(**{vector: SearchQuery(needle, config="english")})
    return found


def _search_indexes_refresh(needles: list[str]) -> None:
    """Rebuild the search vectors that still hold the person's email or name (as words of
    a request's or a document's text, swept by now), found through the vectors' own index."""
    for client_request in ClientRequest.objects.filter(_holding_words("search", needles)):
        request_search_refresh(client_request)
    documents = Document.objects.filter(_holding_words("search_vector", needles))
    for document_id in documents.values_list("pk", flat=True):
        document_search_refresh(document_id)


def _owned_rows_delete(user) -> None:
    """Delete what exists for the person alone: every row whose foreign key to them cascades
    (memberships, sessions, two-factor devices, magic links, notifications to them, their
    preferences, read states, notices and deliveries to them, and what later apps add the
    same way), their tokens, failed sign-ins under their email and invitations to it."""
    for relation in User._meta.related_objects:
        if relation.on_delete is CASCADE:
            relation.related_model._base_manager.filter(**{relation.field.name: user}).delete()
    OutstandingToken.objects.filter(user=user).delete()  # their blacklist rows cascade
    for attempts in (AccessAttempt, AccessFailureLog, AccessLog):
        attempts.objects.filter(username__iexact=user.email).delete()
    Invitation.objects.filter(email__iexact=user.email).delete()
    user.groups.clear()
    user.user_permissions.clear()


def _refuse(person, actor) -> None:
    if actor is not None and actor.pk == person.pk:
        raise ValidationError(
            {"person": "You cannot erase yourself here; ask an owner of the workspace."}
        )
    member = getattr(person, "team_member", None)
    if member is not None and member.role == TeamRole.OWNER:
        owners = TeamMember.objects.filter(role=TeamRole.OWNER, user__is_active=True)
        if not owners.exclude(user=person).exists():
            raise ValidationError({"person": "The last owner of the workspace cannot be erased."})


def _erase(*, person, tombstone: str) -> None:
    """Everything an erasure does to the agency's schema, but its log entry and record."""
    email, full_name = person.email, person.full_name
    needles = _needles(email, full_name)
    items = {("accounts.user", str(person.pk))}
    for member in (getattr(person, "team_member", None), getattr(person, "client_member", None)):
        if member is not None:
            items.add((member._meta.label_lower, str(member.pk)))
    invitations = Invitation.objects.filter(email__iexact=email).values_list("pk", flat=True)
    items |= {("people.invitation", str(pk)) for pk in invitations}

    _log_erase(user=person, items=items, needles=needles, tombstone=tombstone)
    # Their own data exports are all about them: the archives go (bytes after commit), then
    # the export rows with the rest of what cascades from them.
    stored_files_delete(
        file_ids=PersonExport.objects.filter(person=person, archive__isnull=False).values_list(
            "archive_id", flat=True
        )
    )
    _owned_rows_delete(person)
    person.email = erased_email(person.pk)
    person.full_name = tombstone
    person.set_unusable_password()
    person.is_active = False
    person.security_stamp = new_security_stamp()  # ends any session or token still signed
    person.time_zone = person.locale = ""
    person.last_login = None
    person.save()
    _text_sweep(needles=needles, tombstone=tombstone)
    _search_indexes_refresh(needles)
    billing_owners_store()  # an erased owner's address leaves billing's list


def _locked(person) -> User:
    return (
        User.objects.select_for_update(of=("self",))
        .select_related("team_member", "client_member")
        .get(pk=person.pk)
    )


def person_erase(*, person, actor, request=None) -> User:
    """Erase ``person`` (see the module); returns them as they are now, their tombstone as
    their name. Recorded in the public schema so a restore of an older backup erases them
    again (erasure_reapply)."""
    with transaction.atomic():
        person = _locked(person)
        if is_erased(person):
            raise ValidationError({"person": "This person was erased already."})
        _refuse(person, actor)
        tombstone = tombstone_for(person)
        was = "client" if getattr(person, "client_member", None) is not None else "team"
        try:
            with transaction.atomic():
                _erase(person=person, tombstone=tombstone)
        except IntegrityError as clash:
            # Naming the tombstone in a text made it equal to a unique one (a document or
            # folder called after the person, say): nothing is kept; the team renames it first.
            raise ValidationError(
                {
                    "person": f"Replacing {person.full_name}'s name by {tombstone} would give "
                    "two items the same name (a document or folder named after them, say). "
                    "Rename that item, then erase again. Nothing was changed."
                }
            ) from clash
        PersonErasure.objects.update_or_create(
            schema_name=connection.schema_name,
            user_id=person.pk,
            defaults={"tombstone": tombstone},
        )
        # The entry's client is the person's company: client_member is still cached above.
        activity_record(
            action=ErasureAudit.PERSON_ERASED,
            actor=actor,
            target=person,
            changes={"was": was},
            request=request,
        )
        return person


def erasure_reapply(*, schema_name: str) -> list[int]:
    """Erase again, in the current agency, everyone recorded as erased from ``schema_name``
    who is back: a backup taken before their erasure was restored (a sandbox copy has the
    original's records under its own name). Idempotent. Returns their ids."""
    recorded = PersonErasure.objects.filter(schema_name=schema_name)
    again = []
    with transaction.atomic():
        for erasure in recorded.order_by("pk"):
            person = (
                User.objects.select_for_update(of=("self",))
                .select_related("team_member", "client_member")
                .filter(pk=erasure.user_id)
                .first()
            )
            if person is None or is_erased(person):
                continue
            _erase(person=person, tombstone=erasure.tombstone)
            activity_record(action=ErasureAudit.PERSON_ERASED_AGAIN, target=person)
            again.append(person.pk)
    return again
