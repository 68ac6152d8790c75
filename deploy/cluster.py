"""Start, check and stop the multi-replica deployment: N Streamlit replicas behind nginx.

Everything runs from one run directory (default ``run/`` in the project, git-ignored):

| path | what |
| --- | --- |
| ``deployment.json`` | what was started: each process's name, pid and port |
| ``cookie_secret`` | ``server.cookieSecret`` shared by every replica (mode 600, made once) |
| ``nginx/nginx.conf`` | the generated nginx configuration (from ``deploy/nginx.conf.template``) |
| ``logs/`` | one log per replica, nginx's error and access logs |

Every replica gets the same database (``GRA_DATABASE_URL``, PostgreSQL), the same cache
directory (``GRA_CACHE_DIR``) and the same cookie secret, so any replica can serve any
browser. nginx runs in the foreground of its own process (``daemon off``) with its own
configuration and prefix, never the system nginx. :func:`stop` signals only the
processes recorded in ``deployment.json``, and only while they still look like the ones
it started (their command line names the same port or configuration file).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from reports.store import open_store
from settings import PROJECT_ROOT

NGINX = Path("/usr/sbin/nginx")
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_RUN_DIR = PROJECT_ROOT / "run"
STATE_FILE = "deployment.json"
SECRET_FILE = "cookie_secret"
HEALTH_PATH = "/_stcore/health"
HOST = "127.0.0.1"
NGINX_TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


class DeployError(RuntimeError):
    """The deployment could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class Plan:
    """What to start: nginx on ``host:port`` in front of one replica per port of ``app_ports``.

    The replicas always listen on loopback only; ``host`` is where nginx listens
    (``0.0.0.0`` to serve other machines).
    """

    run_dir: Path
    port: int
    app_ports: tuple[int, ...]
    database_url: str
    cache_dir: Path
    host: str = HOST


@dataclass(frozen=True)
class Started:
    """One process the deployment started."""

    name: str
    pid: int
    port: int
    marker: str
    """Text its command line holds, to tell it from an unrelated process with a reused pid."""
    host: str = HOST
    """Where its health check answers."""


@dataclass(frozen=True)
class ProcessStatus:
    """How one started process is doing."""

    name: str
    pid: int
    port: int
    running: bool
    healthy: bool


# ---------------------------------------------------------------- configuration


def _worker_user(cache_dir: Path) -> str:
    """nginx's ``user`` line when started as root: the owner of the cache (or its nearest
    existing parent), who can read the tiles; nothing when started by anyone else."""
    if os.geteuid() != 0:
        return ""
    folder = cache_dir.resolve()
    while not folder.exists():
        folder = folder.parent
    owner = pwd.getpwuid(folder.stat().st_uid)
    group = grp.getgrgid(owner.pw_gid).gr_name
    return f"user {owner.pw_name} {group};"


def render_nginx_conf(plan: Plan) -> str:
    """The nginx configuration of ``plan``, from :data:`TEMPLATE`."""
    servers = "\n".join(f"        server {HOST}:{port} max_fails=1 fail_timeout=10s;"
                        for port in plan.app_ports)
    text = TEMPLATE.read_text()
    for name, value in (("@RUN_DIR@", str(plan.run_dir.resolve())), ("@SERVERS@", servers),
                        ("@LISTEN@", f"{plan.host}:{plan.port}"),
                        ("@TILES_DIR@", str((plan.cache_dir / "tiles").resolve())),
                        ("@WORKER_USER@", _worker_user(plan.cache_dir))):
        text = text.replace(name, value)
    left = re.search(r"@[A-Z_]+@", text)
    if left:
        raise DeployError(f"{TEMPLATE} has a field this script does not fill in: {left[0]}")
    return text


def cookie_secret(run_dir: Path) -> str:
    """The ``server.cookieSecret`` of every replica.

    ``STREAMLIT_SERVER_COOKIE_SECRET`` when set; otherwise the run directory's
    ``cookie_secret`` file, made once (mode 600) and kept across restarts so that
    browsers' Streamlit cookies stay valid.
    """
    configured = os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
    if configured:
        return configured
    path = run_dir / SECRET_FILE
    if not path.is_file():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def replica_command(port: int) -> list[str]:
    """``streamlit run app.py`` on loopback ``port``, without a file watcher."""
    return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            f"--server.address={HOST}", f"--server.port={port}", "--server.headless=true",
            "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
            "--client.toolbarMode=viewer", "--client.disableDataExport=true"]


def replica_environment(plan: Plan, secret: str) -> dict[str, str]:
    """This process's environment plus the shared database, cache and cookie secret."""
    return {**os.environ, "GRA_DATABASE_URL": plan.database_url,
            "GRA_CACHE_DIR": str(plan.cache_dir), "STREAMLIT_SERVER_COOKIE_SECRET": secret}


# ---------------------------------------------------------------- processes


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def is_running(process: Started) -> bool:
    """Whether ``process`` is alive and is still the one that was started."""
    for _ in range(20):
        try:
            os.kill(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        if _zombie(process.pid):
            return False
        command = _cmdline(process.pid)
        if command:
            return process.marker in command
        time.sleep(0.05)  # just after exec the command line can read empty for a moment
    return False


def is_healthy(port: int, host: str = HOST, timeout: float = 2.0) -> bool:
    """Whether ``/_stcore/health`` on ``port`` answers ``ok`` (a replica, or nginx in front)."""
    try:
        answer = requests.get(f"http://{host}:{port}{HEALTH_PATH}", timeout=timeout)
    except requests.RequestException:
        return False
    return answer.status_code == 200 and answer.text.strip() == "ok"


def _port_free(port: int, host: str = HOST) -> bool:
    with socket.socket() as probe:
        # As the servers do: connections of an earlier run in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _log_tail(path: Path, lines: int = 15) -> str:
    if not path.is_file():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> int:
    with log.open("ab") as handle:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return process.pid


def _write_state(run_dir: Path, plan: Plan, started: list[Started]) -> None:
    state = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
             "port": plan.port, "database_url": plan.database_url,
             "cache_dir": str(plan.cache_dir), "processes": [asdict(p) for p in started]}
    temporary = run_dir / f"{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(run_dir / STATE_FILE)


def load_started(run_dir: Path) -> list[Started]:
    """The processes recorded in the run directory (none when nothing was started)."""
    path = run_dir / STATE_FILE
    if not path.is_file():
        return []
    return [Started(**p) for p in json.loads(path.read_text())["processes"]]


# ---------------------------------------------------------------- start, status, stop


def _check(plan: Plan) -> None:
    if not NGINX.is_file():
        raise DeployError(f"nginx is not installed at {NGINX} (Debian: apt-get install nginx)")
    if not plan.app_ports:
        raise DeployError("start at least one replica")
    if plan.database_url.startswith("sqlite"):
        raise DeployError("replicas must share one PostgreSQL database: set GRA_DATABASE_URL, "
                          "e.g. postgresql+psycopg://atlas@127.0.0.1:5432/atlas")
    if any(is_running(p) for p in load_started(plan.run_dir)):
        raise DeployError(f"a deployment from {plan.run_dir} is running already; see "
                          "`python -m deploy status`, or stop it with `python -m deploy stop`")
    ports = [plan.port, *plan.app_ports]
    if len(set(ports)) != len(ports):
        raise DeployError(f"the ports must differ: {ports}")
    busy = [port for port in ports if not _port_free(port, plan.host if port == plan.port
                                                        else HOST)]
    if busy:
        raise DeployError(f"something already listens on port(s) "
                          f"{', '.join(map(str, busy))}; choose others (--port, --app-port)")


def _migrate(url: str) -> None:
    try:
        store = open_store(url=url)
    except Exception as exc:  # noqa: BLE001 - any failure is told to the person starting
        raise DeployError(f"cannot open the report database at GRA_DATABASE_URL: {exc}") from exc
    store.dispose()


def _start_nginx(plan: Plan) -> Started:
    run = plan.run_dir.resolve()
    conf = run / "nginx" / "nginx.conf"
    for name in NGINX_TEMP_DIRS:
        (run / "nginx" / name).mkdir(parents=True, exist_ok=True)
    conf.write_text(render_nginx_conf(plan))
    base = [str(NGINX), "-p", str(run / "nginx"), "-c", str(conf), "-e",
            str(run / "logs" / "nginx-error.log")]
    check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise DeployError(f"nginx rejects {conf}:\n{check.stderr.strip()}")
    pid = _spawn(base, run / "logs" / "nginx-error.log")
    # A wildcard address answers on loopback too.
    probe = HOST if plan.host in ("0.0.0.0", "::", "[::]") else plan.host
    return Started("nginx", pid, plan.port, str(conf), probe)


def _wait_healthy(started: list[Started], deadline: float, log_dir: Path) -> None:
    waiting = list(started)
    while waiting:
        for process in list(waiting):
            if not is_running(process):
                log = log_dir / ("nginx-error.log" if process.name == "nginx"
                                 else f"{process.name}.log")
                raise DeployError(f"{process.name} (port {process.port}) exited during "
                                  f"start-up; the end of {log}:\n{_log_tail(log)}")
            if is_healthy(process.port, process.host):
                waiting.remove(process)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(f"{p.name} (port {p.port})" for p in waiting)
            raise DeployError(f"{names} did not answer {HEALTH_PATH} in time; see {log_dir}")
        if waiting:
            time.sleep(0.3)


def start(plan: Plan, *, timeout: float = 120.0) -> list[Started]:
    """Start the replicas and nginx; return once each answers its health check.

    The database is migrated first, once. On any failure everything started so far is
    stopped again and :class:`DeployError` says what went wrong.
    """
    _check(plan)
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    # nginx workers run as another user (nobody, when started as root) and must reach
    # their temporary directories; the cookie secret itself is readable by its owner only.
    plan.run_dir.chmod(0o711)
    log_dir = plan.run_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    _migrate(plan.database_url)
    env = replica_environment(plan, cookie_secret(plan.run_dir))
    started: list[Started] = []
    deadline = time.monotonic() + timeout
    try:
        for number, port in enumerate(plan.app_ports, start=1):
            name = f"replica-{number}"
            pid = _spawn(replica_command(port), log_dir / f"{name}.log", env)
            started.append(Started(name, pid, port, f"--server.port={port}"))
            _write_state(plan.run_dir, plan, started)
        _wait_healthy(started, deadline, log_dir)
        started.append(_start_nginx(plan))
        _write_state(plan.run_dir, plan, started)
        _wait_healthy(started[-1:], deadline, log_dir)
    except BaseException:
        stop(plan.run_dir)
        raise
    return started


def status(run_dir: Path) -> list[ProcessStatus]:
    """Each started process: alive, and answering ``/_stcore/health`` (nginx: through it)."""
    rows = []
    for process in load_started(run_dir):
        running = is_running(process)
        rows.append(ProcessStatus(process.name, process.pid, process.port, running,
                                  running and is_healthy(process.port, process.host)))
    return rows


def _wait_gone(process: Started, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_running(process):
            return True
        time.sleep(0.1)
    return not is_running(process)


def stop(run_dir: Path, *, timeout: float = 20.0) -> list[str]:
    """Stop what :func:`start` started from ``run_dir`` (nginx first); what was stopped.

    Each process gets SIGTERM, and SIGKILL if it is still there after ``timeout``
    seconds. Processes that are gone already, or whose pid now belongs to something else,
    are left alone.
    """
    stopped = []
    for process in sorted(load_started(run_dir), key=lambda p: p.name != "nginx"):
        if not is_running(process):
            continue
        os.kill(process.pid, signal.SIGTERM)
        if not _wait_gone(process, timeout):
            os.kill(process.pid, signal.SIGKILL)
            _wait_gone(process, 5)
        stopped.append(f"{process.name} (pid {process.pid}, port {process.port})")
    state = run_dir / STATE_FILE
    if state.is_file():
        state.unlink()
    return stopped
