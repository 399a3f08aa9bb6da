"""The session engine: Django's database sessions, read with plain SQL."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    """Reads the session row with plain SQL: the queryset Django uses builds the same SELECT
    on every request, which costs several times the query's own round trip in CPU. Same
    table, rows and expiry rule (``expire_date`` after now); writes are Django's."""

    def _get_session_from_db(self):
        model = self.model
        session_key = self.session_key
        if session_key is None:
            return None
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=session_key, session_data=row[0])
