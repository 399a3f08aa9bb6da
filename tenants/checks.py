"""Startup check: the database connection must not be pooled per transaction.

Each agency's requests run with the session's search_path pointing at its schema, and our
backend skips the ``SET`` when it believes the session already holds it. A pooler in
transaction (or statement) mode hands one server session to many clients in turn, so a
request could run in another agency's schema. Web and worker processes refuse to start
(deploy/gunicorn.conf.py, config/celery.py), and so does `manage.py check --database default`.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

TRANSACTION_POOLING = (
    "The database connection goes through a pooler in transaction mode (two clients were "
    "given the same PostgreSQL session). Client Portal sets search_path per session; use "
    "session mode (see deploy/README.md, Connection pooling)."
)


# How long the second connection may wait for a server session before the check concludes
# that the first keeps its own (session mode, pool busy) and lets it go.
SECOND_SESSION_WAIT_SECONDS = 3


def shares_server_sessions(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether clients take turns on one PostgreSQL session. Two connections are open at
    once: directly or in session mode each has its own backend for its life; a transaction
    or statement pooler gives the second the first's backend, idle after its statement (or,
    round-robin, gives the first another backend for its next statement)."""
    wrapper = connections[alias]
    params = wrapper.get_connection_params()
    with (
        wrapper.Database.connect(**params, autocommit=True) as first,
        wrapper.Database.connect(**params, autocommit=True) as second,
        ThreadPoolExecutor(1) as waiter,
    ):
        first_pid = _backend_pid(first)
        second_pid = waiter.submit(_backend_pid, second)
        try:
            shared = second_pid.result(timeout=SECOND_SESSION_WAIT_SECONDS) == first_pid
        except TimeoutError:
            # Only a session pooler with no server session to spare makes the second wait
            # (in transaction mode the first's is idle): free it, so nobody waits on us.
            first.close()
            return False
        return shared or _backend_pid(first) != first_pid


def _backend_pid(session) -> int:
    return session.execute("SELECT pg_backend_pid()").fetchone()[0]


def transaction_pooling_problem(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """The message to stop a process with, or None. An unreachable database is left to the
    first query, so a process may start while PostgreSQL restarts."""
    try:
        return TRANSACTION_POOLING if shares_server_sessions(alias) else None
    except connections[alias].Database.OperationalError as error:
        logger.warning("Could not check the database pooler's mode: %s", error)
        return None


@checks.register(checks.Tags.database)
def database_session_pooling(app_configs, databases=None, **kwargs):
    """`manage.py check --database default` (and migrate) run this."""
    return [
        checks.Error(TRANSACTION_POOLING, id="tenants.E001")
        for alias in databases or ()
        if connections[alias].vendor == "postgresql" and transaction_pooling_problem(alias)
    ]
