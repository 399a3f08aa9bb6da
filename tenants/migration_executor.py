"""``migrate_schemas`` for a fleet of agency schemas (settings.GET_EXECUTOR_FUNCTION).

The stock executors run Django's ``migrate`` in every schema, ~0.8 s each even with
nothing to apply. Here ``tenants.fleet.schemas_behind`` finds the schemas that miss
migrations in one statement per 500 schemas and only those are migrated: in worker
processes, each on its own connection, one result line per schema as it finishes. A
failed schema does not stop the others; it stays behind, so the next run retries it.
"""

import multiprocessing
import sys
import time
import traceback
from functools import partial

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.db import connections
from django.db.migrations.executor import MigrationExecutor as DjangoMigrationExecutor
from django_tenants.migration_executors import get_executor as stock_get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.utils import get_tenant_database_alias, schema_exists

from tenants.fleet import schemas_behind

CODENAME = "fleet"
# Options that act on schemas with nothing to apply too (a target migration, pruning
# records, apps without migrations): every schema is run for them, not only those behind.
EVERY_SCHEMA_OPTIONS = ("app_label", "prune", "run_syncdb")


def get_executor(codename=None):
    """The fleet executor; ``--executor`` naming a stock one still picks that one."""
    if codename and codename != CODENAME:
        return stock_get_executor(codename)
    return FleetExecutor


class FleetExecutor(MigrationExecutor):
    codename = CODENAME

    def __init__(self, args, options):
        super().__init__(args, options)
        self.stdout = OutputWrapper(options.get("stdout") or sys.stdout)
        self.verbosity = int(options.get("verbosity", 1))
        self.connection = connections[options.get("database") or self.TENANT_DB_ALIAS]

    def run_migrations(self, tenants=None):
        schemas = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in schemas:
            schemas.remove(self.PUBLIC_SCHEMA_NAME)
            self._migrate_public()
        if schemas:
            self._migrate_agencies(schemas)

    def _migrate_public(self):
        if not self._every_schema() and not self._public_pending():
            self._say("public schema up to date")
            return
        run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)

    def _public_pending(self) -> bool:
        """Whether the public schema misses any migration (no state rendering, ~ms)."""
        self.connection.set_schema_to_public()
        executor = DjangoMigrationExecutor(self.connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))

    def _migrate_agencies(self, schemas):
        template = getattr(settings, "TENANT_BASE_SCHEMA", None)
        # A whole-fleet run also keeps the schema new agencies are cloned from current.
        if (
            not self.options.get("schema_name")
            and template
            and template not in schemas
            and schema_exists(template)
        ):
            schemas.append(template)
        behind = schemas_behind(schemas)
        self._say(f"{len(schemas) - len(behind)} agency schemas up to date, {len(behind)} behind")
        if self.options.get("check_unapplied"):
            if behind:
                raise CommandError(f"{len(behind)} schemas behind: {', '.join(behind)}")
            return
        pending = schemas if self._every_schema() else [s for s in schemas if s in behind]
        if self.connection.in_atomic_block:
            # Signup migrates its new schema inside its transaction: no fork, no catching
            # (the transaction is lost anyway), the stock way.
            for schema in pending:
                run_migrations(self.args, self.options, self.codename, schema)
            return
        failed = self._migrate_each(pending, behind)
        if failed:
            raise CommandError(
                f"{len(failed)} schemas failed: {', '.join(failed)}; they stay behind and are"
                " retried on the next run"
            )

    def _migrate_each(self, schemas, behind) -> list[str]:
        """Migrate ``schemas``, in worker processes when there are several; the failed."""
        # Workers get the options without the caller's streams (not picklable), without
        # system checks (migrate_schemas ran them once), and one verbosity level down: the
        # result line is each schema's output; -v2 adds migrate's own.
        options = {
            **self.options,
            "stdout": None,
            "stderr": None,
            "skip_checks": True,
            "verbosity": max(0, self.verbosity - 1),
        }
        migrate = partial(_migrate_schema, self.args, options, behind)
        processes = min(settings.TENANT_MIGRATION_PROCESSES, len(schemas))
        if processes < 2:
            return self._report(map(migrate, schemas), len(schemas))
        # Each worker opens its own connection; a forked copy of an open one is shared.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            return self._report(pool.imap_unordered(migrate, schemas), len(schemas))

    def _report(self, results, count) -> list[str]:
        failed = []
        for done, (schema, applied, seconds, error) in enumerate(results, 1):
            if error:
                failed.append(schema)
                self.stdout.write(f"[{done}/{count}] {schema}: FAILED: {error}")
            else:
                self._say(
                    f"[{done}/{count}] {schema}: {_applied(applied, self.options)}"
                    f" in {seconds:.1f} s"
                )
        return failed

    def _every_schema(self) -> bool:
        return any(self.options.get(option) for option in EVERY_SCHEMA_OPTIONS)

    def _say(self, line):
        if self.verbosity >= 1:
            self.stdout.write(line)


def _migrate_schema(args, options, behind, schema):
    """Run ``migrate`` in ``schema`` on this process's connection.

    Returns ``(schema, migrations applied, seconds, first line of the error or None)``;
    the error's traceback goes to stderr.
    """
    started = time.monotonic()
    try:
        run_migrations(args, options, CODENAME, schema, allow_atomic=False)
    except Exception as error:  # one schema's failure must not stop the fleet
        traceback.print_exc()
        connection = connections[options.get("database") or get_tenant_database_alias()]
        connection.close()  # it may hold the failed transaction or the schema's search_path
        connection.set_schema_to_public()
        first_line = next(iter(str(error).strip().splitlines()), "")
        return schema, 0, time.monotonic() - started, f"{type(error).__name__}: {first_line}"
    applied = behind.get(schema, 0) - schemas_behind([schema]).get(schema, 0)
    return schema, applied, time.monotonic() - started, None


def _applied(count, options) -> str:
    verb = "faked" if options.get("fake") else "applied"
    if count < 0:
        count, verb = -count, "unapplied"
    return f"{count} migration{'' if count == 1 else 's'} {verb}"
