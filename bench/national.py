"""The national cache the benchmarks run on: all of England, refreshed once from the mirror.

``../shared/tools/publisher_mirror.py`` serves the real national data on loopback at the
publishers' paths; :func:`ensure_national_cache` starts it on a free port, runs the real
``python -m data_sources refresh`` (with its build) against it into a directory under
/tmp, and writes a marker when that succeeded. Later runs reuse a directory that has the
marker and every table the pages read. The app and the rebuild benchmark use an empty
report store of their own in that directory, never the project's ``reports.db``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.common import MIRROR_SCRIPT, CannotRun, free_port
from settings import PROJECT_ROOT

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "bench-cache"
MARKER = "bench-national.json"
POLICE_AREAS = ("E06000016", "E09000001", "E08000025")
# The mirror holds Leicestershire 2019-12..2022-10 and City of London 2022-07..2023-06.
POLICE_FROM, POLICE_TO = "2021-07", "2023-06"
NEEDED = ("joined_area_indicator", "joined_area_month", "tiles_lad", "tiles_region",
          "tiles_msoa", "tiles_lsoa", "lookup_lsoa21_msoa21_lad22", "lookup_lad22_region",
          "boundaries_lsoa21")
HOSTS = {
    "GRA_NOMIS_BASE_URL": "www.nomisweb.co.uk",
    "GRA_IOD_BASE_URL": "assets.publishing.service.gov.uk",
    "GRA_GEOPORTAL_BASE_URL": "services1.arcgis.com",
    "GRA_ONS_HUB_BASE_URL": "hub.arcgis.com",
    "GRA_POLICE_BASE_URL": "data.police.uk",
    "GRA_POSTCODES_BASE_URL": "api.postcodes.io",
    "GRA_HOCL_BASE_URL": "houseofcommonslibrary.github.io",
}
REFRESH = [sys.executable, "-m", "data_sources", "refresh",
           *[arg for area in POLICE_AREAS for arg in ("--police-area", area)]]


def app_environment(cache_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process reading a cache offline with its own empty report store
    (nothing from the shell's GRA_ variables); ``extra`` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_CACHE_DIR=str(cache_dir), GRA_OFFLINE="1",
               GRA_DATABASE_URL=f"sqlite:///{cache_dir / 'bench-reports.db'}")
    env.update(extra)
    return env


@contextmanager
def publisher_mirror() -> Iterator[str]:
    """The base URL of ../shared's publisher mirror, started on a free loopback port.

    Raises
    ------
    CannotRun
        When ../shared (and so the mirror) is absent.
    """
    if not MIRROR_SCRIPT.is_file():
        raise CannotRun(f"no national publisher mirror at {MIRROR_SCRIPT} (../shared absent)")
    port = free_port()
    process = subprocess.Popen([sys.executable, str(MIRROR_SCRIPT), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/data.police.uk/api/forces", timeout=30)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def cache_complete(cache_dir: Path) -> bool:
    """Whether ``cache_dir`` holds a finished national refresh with every table needed."""
    manifest = cache_dir / "manifest.json"
    if not (cache_dir / MARKER).is_file() or not manifest.is_file():
        return False
    entries = json.loads(manifest.read_text()).get("datasets", {})
    return all(entries.get(name, {}).get("file") for name in NEEDED)


def ensure_national_cache(cache_dir: Path = DEFAULT_CACHE, log=print) -> Path:
    """``cache_dir`` filled with all of England from the mirror (reused when complete).

    Raises
    ------
    CannotRun
        When ../shared is absent, or the refresh failed (its output is in
        ``cache_dir/refresh.log``).
    """
    if cache_complete(cache_dir):
        return cache_dir
    with publisher_mirror() as base:
        cache_dir.mkdir(parents=True, exist_ok=True)
        env = app_environment(cache_dir, GRA_POLICE_FROM=POLICE_FROM, GRA_POLICE_TO=POLICE_TO,
                              GRA_HTTP_RETRIES="1", GRA_HTTP_BACKOFF="0.1")
        env.pop("GRA_OFFLINE")
        env.update({variable: f"{base}/{host}" for variable, host in HOSTS.items()})
        log(f"refreshing all of England from the mirror into {cache_dir} (a few minutes) ...")
        started = time.perf_counter()
        result = subprocess.run(REFRESH, cwd=PROJECT_ROOT, env=env, capture_output=True,
                                text=True, timeout=1800)
        took = time.perf_counter() - started
    (cache_dir / "refresh.log").write_text(result.stdout + result.stderr)
    marker = {"finished": datetime.now(UTC).isoformat(timespec="seconds"),
              "seconds": round(took, 1), "exit_code": result.returncode,
              "command": " ".join(REFRESH[1:]), "police_from": POLICE_FROM,
              "police_to": POLICE_TO}
    # refresh exits 1 when a dataset the mirror lacks failed; what the pages need decides.
    (cache_dir / MARKER).write_text(json.dumps(marker, indent=2))
    if not cache_complete(cache_dir):
        (cache_dir / MARKER).unlink()
        raise CannotRun(f"the national refresh did not produce every table needed; see "
                        f"{cache_dir / 'refresh.log'}")
    log(f"national cache ready in {took:.0f} s")
    return cache_dir


if __name__ == "__main__":
    print(ensure_national_cache(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE))
