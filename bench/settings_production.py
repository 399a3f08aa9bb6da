"""The project's own settings, for servers started with DEBUG=false, with the static files
collected to BENCH_STATIC_ROOT (a temporary folder) instead of the checkout's staticfiles/."""

import os
from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.settings import *  # noqa: F403
from config.settings import STORAGES


class SourceMapsLeftAlone(CompressedManifestStaticFilesStorage):
    """Production's storage, except that it does not follow JS files' sourceMappingURL:
    vendor/chart-4.6.1.umd.min.js names a chart.umd.min.js.map that is not vendored, so
    production's collectstatic fails. Serving is the same: hashed names from the manifest."""

    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )


STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
STORAGES = STORAGES | {"staticfiles": {"BACKEND": "bench.settings_production.SourceMapsLeftAlone"}}
