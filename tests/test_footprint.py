"""What one agency's schema costs PostgreSQL (tenants.footprint), and a ceiling on it: every
index is paid by every agency, data or none."""

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.footprint import CATALOGS, schema_footprint

# The indexes of an agency schema (TOAST indexes apart), as reached in issue 17, and issue 19's:
# the help centre's 11 (five primary keys, two slugs, the search GIN, three unique pairs); the
# request lists' 9 (tags: a key, a name once, and the request-tag table's key, pair and two
# foreign keys; saved views: a key and a name once per person; bulk jobs: a key); timesheets'
# 4 (a time entry's key, its request, one running timer per person, a retainer's key); a
# rating's key and one rating per request (satisfaction); a saved reply's key; a webhook
# event raised once (Event.once).
INDEX_CEILING = 293
# Pattern-ops indexes (Django's "_like", for LIKE 'x%') that are kept: third-party tables,
# and our two columns matched by prefix (client_requests.actions, agency_archive.stored_files).
KEPT_LIKE_INDEXES = {
    "auth_group_name_a6ea08ec_like",
    "axes_accessattempt_user_agent_ad89678b_like",
    "axes_accessattempt_username_3f2d4ca0_like",
    "axes_accessfailurelog_user_agent_ea145dda_like",
    "axes_accessfailurelog_username_a8b7e8a4_like",
    "axes_accesslog_user_agent_0e659004_like",
    "axes_accesslog_username_df93064b_like",
    "django_session_session_key_c0390e0f_like",
    "otp_static_statictoken_token_d0a51866_like",
    "token_blacklist_outstandingtoken_jti_hex_d9bdf6f7_like",
    "client_requests_requesttype_key_b96fbe7a_like",
    "files_storedfile_key_5fe66fc6_like",
}
HOW_TO_LOOK = (
    "List them with `manage.py agency_footprint <schema>` and `SELECT tablename, indexdef "
    "FROM pg_indexes WHERE schemaname = '<schema>' ORDER BY 1`. Each index costs every "
    "agency at least one 8 KB page and its catalog rows (README: Footprint per agency). "
    "An index a composite or unique one already leads with is redundant (db_index=False "
    "on the ForeignKey); unique=True on a CharField adds a _like index, a "
    "Meta.constraints UniqueConstraint does not."
)


def _one(query: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return int(cursor.fetchone()[0] or 0)


def test_the_footprint_agrees_with_the_catalog(world):
    schema = world.acme.schema_name
    footprint = schema_footprint(schema)

    with tenant_context(world.acme):
        django_tables = connection.introspection.table_names(include_views=False)
    assert footprint["tables"] == len(django_tables)
    assert footprint["indexes"] == _one(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = %s", [schema]
    )
    assert footprint["sequences"] == _one(
        "SELECT count(*) FROM pg_sequences WHERE schemaname = %s", [schema]
    )
    assert footprint["toast_tables"] == footprint["toast_indexes"] > 0
    assert footprint["pg_class"] == sum(
        footprint[kind]
        for kind in ["tables", "indexes", "sequences", "views", "toast_tables", "toast_indexes"]
    )
    assert footprint["pg_index"] == footprint["indexes"] + footprint["toast_indexes"]
    assert footprint["pg_sequence"] == footprint["sequences"]
    assert footprint["catalog_rows"] == sum(footprint[catalog] for catalog in CATALOGS)
    assert footprint["index_bytes"] == _one(
        "SELECT sum(pg_indexes_size(format('%%I.%%I', schemaname, tablename)::regclass))"
        " FROM pg_tables WHERE schemaname = %s",
        [schema],
    )
    assert footprint["bytes"] == _one(
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
        " WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'S')",
        [schema],
    )
    # at least a page per index and per sequence
    assert footprint["bytes"] >= 8192 * (footprint["indexes"] + footprint["sequences"])


def test_an_agency_schema_stays_under_its_index_ceiling(world):
    schema = world.globex.schema_name
    indexes = schema_footprint(schema)["indexes"]
    assert indexes <= INDEX_CEILING, (
        f"An agency schema now has {indexes} indexes, past the ceiling of {INDEX_CEILING}. "
        f"{HOW_TO_LOOK} If the new ones are needed, raise INDEX_CEILING in this file."
    )


def test_no_pattern_index_for_a_column_never_matched_by_prefix(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE %s",
            [world.globex.schema_name, "%\\_like"],
        )
        like_indexes = {name for (name,) in cursor.fetchall()}
    assert like_indexes <= KEPT_LIKE_INDEXES, (
        f"New pattern-ops indexes: {sorted(like_indexes - KEPT_LIKE_INDEXES)}. Unless the "
        "column is matched with startswith/LIKE 'x%', make it unique through a "
        "Meta.constraints UniqueConstraint (or index it with Meta.indexes) instead. "
        f"{HOW_TO_LOOK}"
    )


def test_the_command_reports_one_schema_and_the_fleet(world):
    one = StringIO()
    call_command("agency_footprint", world.acme.schema_name, stdout=one)
    indexes = schema_footprint(world.acme.schema_name)["indexes"]
    assert f"{'indexes':<14} {indexes:>14,}" in one.getvalue().splitlines()

    fleet = StringIO()
    call_command("agency_footprint", stdout=fleet)
    lines = fleet.getvalue().splitlines()
    assert lines[0].endswith(" agencies")
    assert any(line.startswith("indexes ") for line in lines)
    assert lines[-1].startswith("database: ")
