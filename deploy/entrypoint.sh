#!/bin/sh
# The image's one entrypoint: the container's role is its first argument.
#   web              gunicorn with deploy/gunicorn.conf.py (port 8000)
#   worker           a Celery worker
#   worker-ping      exits 0 when this container's worker answers a ping (its liveness probe)
#   beat             Celery beat: run exactly one
#   migrate          the shared and every agency schema's migrations, then the spare-schema pool
#   manage ARGS...   any manage.py command
set -eu
cd /app
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
web)
	exec gunicorn -c deploy/gunicorn.conf.py config.wsgi "$@"
	;;
worker)
	# --quiet: no banner; the log lines are JSON (shared_apps/core/logs.py).
	exec celery --quiet -A config worker --hostname "celery@$(hostname)" --loglevel "${LOG_LEVEL:-INFO}" "$@"
	;;
worker-ping)
	exec celery -A config inspect ping --destination "celery@$(hostname)" --timeout 10
	;;
beat)
	# The schedule's state file goes to /tmp: the root filesystem is read-only.
	exec celery --quiet -A config beat --loglevel "${LOG_LEVEL:-INFO}" \
		--schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
	;;
migrate)
	python manage.py migrate --noinput
	exec python manage.py fill_schema_pool
	;;
manage)
	exec python manage.py "$@"
	;;
*)
	echo "usage: entrypoint.sh web|worker|worker-ping|beat|migrate|manage ARGS..." >&2
	exit 64
	;;
esac
