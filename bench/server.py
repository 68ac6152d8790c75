"""The dashboard served by ``streamlit run app.py`` on the national cache, for the browser,
session and memory benchmarks; and the resident memory of its process tree."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.common import CannotRun, free_port, wait_for
from bench.national import app_environment
from settings import PROJECT_ROOT


@dataclass(frozen=True)
class AppServer:
    """A running dashboard: its base URL (no trailing slash) and server process id."""

    url: str
    pid: int


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/_stcore/health", timeout=5).ok
    except requests.RequestException:
        return False


@contextmanager
def app_server(cache_dir: Path, log_path: Path | None = None,
               options: Sequence[str] = (), env: Mapping[str, str] | None = None,
               project: Path = PROJECT_ROOT) -> Iterator[AppServer]:
    """``streamlit run app.py`` on a free loopback port, reading ``cache_dir`` offline.

    ``options`` are further ``streamlit run`` options (e.g. ``--runner.postScriptGC false``)
    to try a configuration change; ``env`` replaces the process environment (default
    :func:`bench.national.app_environment` of ``cache_dir``); ``project`` is the checkout
    to run (another commit's, for a baseline: :func:`checkout`).
    """
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               *options]
    log_path = log_path or Path(cache_dir) / "bench-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=project,
                               env=dict(env) if env is not None else app_environment(cache_dir),
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is None and _healthy(url), 90, "streamlit server")
        yield AppServer(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


def checkout(ref: str) -> Path:
    """A work tree of commit ``ref`` of this repository beside the project (made once, then
    reused; beside it so that its ``../shared`` is this one's), to run an earlier version of
    the app beside this one.

    Raises
    ------
    CannotRun
        When ``ref`` is not a commit of this repository.
    """
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                           cwd=PROJECT_ROOT, capture_output=True, text=True)
    if found.returncode != 0:
        raise CannotRun(f"{ref!r} is not a commit of {PROJECT_ROOT}")
    commit = found.stdout.strip()
    tree = PROJECT_ROOT.parent / f"gra-baseline-{commit[:12]}"
    if not (tree / "app.py").is_file():
        subprocess.run(["git", "worktree", "add", "--force", "--detach", str(tree), commit],
                       cwd=PROJECT_ROOT, check=True, capture_output=True)
    return tree


@contextmanager
def baseline_server(ref: str, options: Sequence[str] = (), log=print) -> Iterator[AppServer]:
    """The app of commit ``ref`` on a national cache built by that commit's own code
    (``python -m bench.national`` in its work tree; made once, then reused)."""
    tree = checkout(ref)
    cache_dir = Path(tempfile.gettempdir()) / f"{tree.name}-cache"
    log(f"baseline {ref}: national cache in {cache_dir} (built by that commit's code) ...")
    built = subprocess.run([sys.executable, "-m", "bench.national", str(cache_dir)], cwd=tree,
                           capture_output=True, text=True, timeout=1800)
    if built.returncode != 0:
        raise CannotRun(f"the baseline's national cache could not be built: "
                        f"{built.stderr.strip().splitlines()[-1:]}")
    with app_server(cache_dir, cache_dir / "bench-server.log", options=options,
                    project=tree) as server:
        yield server


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(p) for p in text.split()]
    return found


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds process ``pid`` has used so far (/proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_memory(pid: int) -> dict[str, float]:
    """Resident memory of process ``pid`` and all its descendants, in bytes.

    Read from /proc (Linux): ``rss`` and ``peak_rss`` (VmHWM) summed over the tree, and
    ``pss`` (proportional set size, shared pages split between processes) from
    smaps_rollup. One process today: Streamlit runs scripts in threads.
    """
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        if Path(f"/proc/{current}").exists():
            pids.append(current)
            queue += _children(current)
    rss = sum(_status_kib(p, "VmRSS") for p in pids) * 1024
    peak = sum(_status_kib(p, "VmHWM") for p in pids) * 1024
    pss = 0
    for p in pids:
        rollup = Path(f"/proc/{p}/smaps_rollup")
        for line in rollup.read_text().splitlines() if rollup.exists() else []:
            if line.startswith("Pss:"):
                pss += int(line.split()[1]) * 1024
    return {"rss": float(rss), "peak_rss": float(peak), "pss": float(pss),
            "processes": float(len(pids))}


if __name__ == "__main__":
    from bench.national import DEFAULT_CACHE

    with app_server(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE) as server:
        print(server.url, flush=True)
        try:
            input("serving; press Enter to stop\n")
        except EOFError:
            pass
