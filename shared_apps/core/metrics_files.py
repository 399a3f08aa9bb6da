"""prometheus_client's multiprocess mode under gunicorn: each worker writes its metrics to
files in PROMETHEUS_MULTIPROC_DIR, and /internal/metrics adds up every file there.

gunicorn's master owns the folder (deploy/gunicorn.conf.py): it makes one, or empties the one
given, before the first worker starts, and when a worker exits it drops the worker's live
gauge (requests in progress) and folds its counters and histograms into one archive file per
kind. Totals stay whole while workers are recycled (max_requests), and /tmp does not fill
with one file per worker that ever lived (the pods' /tmp is a 256 MiB emptyDir).

No Django here, and prometheus_client is imported only once the variable is set: it picks
its storage at import, and the workers inherit the master's modules.
"""

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
FOLDED_KINDS = ("counter", "histogram")


def folder() -> Path | None:
    path = os.environ.get(ENV)
    return Path(path) if path else None


def prepare() -> bool:
    """Before any worker starts: the given folder without an earlier run's files, else a new
    one in the environment the workers inherit. Whether a new one was made."""
    path = folder()
    if path is None:
        os.environ[ENV] = tempfile.mkdtemp(prefix="portal-metrics-")
        return True
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return False


def remove() -> None:
    path = folder()
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def locked(*, exclusive: bool):
    """Folding holds the folder exclusively and reading shares it: a scrape never counts a
    dead worker twice (its file and the archive) or not at all."""
    with open(folder() / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit: the worker's files folded away."""
    from prometheus_client import multiprocess

    if folder() is None:
        return
    with locked(exclusive=True):
        multiprocess.mark_process_dead(pid, str(folder()))
        for kind in FOLDED_KINDS:
            _fold(kind, pid)


def _fold(kind: str, pid: int) -> None:
    from prometheus_client.mmap_dict import MmapedDict, mmap_key
    from prometheus_client.multiprocess import MultiProcessCollector

    dead = folder() / f"{kind}_{pid}.db"
    if not dead.exists():
        return
    archive = folder() / f"{kind}_archive.db"
    sources = [str(path) for path in (archive, dead) if path.exists()]
    # Not *.db while it is written: the collector reads only those.
    partial = archive.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    merged = MmapedDict(str(partial))
    try:
        for metric in MultiProcessCollector.merge(sources, accumulate=False):
            for sample in metric.samples:
                labels = sample.labels
                key = mmap_key(
                    metric.name,
                    sample.name,
                    list(labels),
                    list(labels.values()),
                    metric.documentation,
                )
                merged.write_value(key, sample.value, 0.0)
    finally:
        merged.close()
    os.replace(partial, archive)
    dead.unlink()
