# syntax=docker/dockerfile:1
# One image for web, worker, beat and migrations: deploy/entrypoint.sh picks the role.
#   docker build -t client-portal:<tag> .
# See deploy/README.md.

# --- builder: the dependencies, as wheels, into a venv copied whole into the final stage ---
FROM python:3.13-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
# Only [project].dependencies (no dev tools): the app itself runs from /app, not site-packages.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/venv/bin/pip install --only-binary=:all: -r requirements.txt

# --- final: the venv, the source, the collected static files; runs as an unprivileged user ---
FROM python:3.13-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=false
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home portal
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . .
# Static files hashed and compressed for WhiteNoise (STATIC_ROOT=/app/staticfiles), then the
# bytecode compiled: the root filesystem is read-only at run time. collectstatic loads the
# production settings, which want these set; nothing here is a real secret.
RUN SECRET_KEY=collectstatic-only ANYMAIL_ESP=postmark python manage.py collectstatic --noinput \
    && python -m compileall -q /app \
    && chmod 0755 deploy/entrypoint.sh
USER 10001:10001
EXPOSE 8000
# Liveness only (the process answers): readiness (database, Redis) is the orchestrator's
# business, /healthz/ready. Compose overrides this for the worker and beat containers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/live', timeout=4)"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
