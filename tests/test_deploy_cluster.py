"""The deploy script's parts that need no browser: nginx configuration, secret, stop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bench.common import free_port, wait_for
from deploy.cluster import (
    NGINX,
    DeployError,
    Plan,
    Started,
    _write_state,
    cookie_secret,
    load_started,
    render_nginx_conf,
    replica_environment,
    start,
    stop,
)


def plan(tmp_path: Path, url: str = "postgresql+psycopg://atlas@127.0.0.1:5432/atlas") -> Plan:
    return Plan(run_dir=tmp_path / "run", port=18080, app_ports=(18501, 18502),
                database_url=url, cache_dir=tmp_path / "cache")


def test_nginx_conf_lists_every_replica_and_fills_every_field(tmp_path):
    text = render_nginx_conf(plan(tmp_path))
    assert "server 127.0.0.1:18501 max_fails=1 fail_timeout=10s;" in text
    assert "server 127.0.0.1:18502 max_fails=1 fail_timeout=10s;" in text
    assert "listen 127.0.0.1:18080;" in text
    assert "hash $route_key consistent;" in text
    assert "@" not in text.replace("$", "")
    assert str((tmp_path / "run").resolve()) in text


@pytest.mark.skipif(not NGINX.is_file(), reason=f"nginx is not installed at {NGINX}")
def test_nginx_accepts_the_generated_conf(tmp_path):
    run = tmp_path / "run"
    for folder in ("logs", "nginx/body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi",
                   "nginx/scgi"):
        (run / folder).mkdir(parents=True)
    conf = run / "nginx" / "nginx.conf"
    conf.write_text(render_nginx_conf(plan(tmp_path)))
    done = subprocess.run([str(NGINX), "-t", "-p", str(run / "nginx"), "-c", str(conf), "-e",
                           str(run / "logs" / "nginx-error.log")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not NGINX.is_file(), reason=f"nginx is not installed at {NGINX}")
def test_nginx_serves_tiles_from_the_cache_with_ranges_etags_and_long_caching(tmp_path):
    port = free_port()
    setup = Plan(run_dir=tmp_path / "run", port=port, app_ports=(free_port(),),
                 database_url="postgresql+psycopg://atlas@127.0.0.1:5432/atlas",
                 cache_dir=tmp_path / "cache")
    for folder in ("logs", "nginx/body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi",
                   "nginx/scgi"):
        (setup.run_dir / folder).mkdir(parents=True)
    tiles = setup.cache_dir / "tiles"
    tiles.mkdir(parents=True)
    archive = bytes(range(256)) * 64
    (tiles / "tiles_lsoa-0123456789abcdef.pmtiles").write_bytes(archive)
    (tiles / "notes.txt").write_text("not a tile")
    (setup.cache_dir / "manifest.json").write_text("{}")
    conf = setup.run_dir / "nginx" / "nginx.conf"
    conf.write_text(render_nginx_conf(setup))
    nginx = subprocess.Popen([str(NGINX), "-p", str(setup.run_dir / "nginx"), "-c", str(conf),
                              "-e", str(setup.run_dir / "logs" / "nginx-error.log")])
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), 20, "nginx")
        url = f"{base}/tiles/tiles_lsoa-0123456789abcdef.pmtiles"
        part = requests.get(url, headers={"Range": "bytes=256-511",
                                          "Accept-Encoding": "gzip"}, timeout=10)
        assert part.status_code == 206
        assert part.content == archive[256:512]
        assert part.headers["Content-Range"] == f"bytes 256-511/{len(archive)}"
        assert "Content-Encoding" not in part.headers
        assert part.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert part.headers["Content-Type"] == "application/vnd.pmtiles"
        etag = part.headers["ETag"]
        again = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304
        for other in ("notes.txt", "tiles_lsoa-0123.pmtiles"):
            assert requests.get(f"{base}/tiles/{other}", timeout=10).status_code == 404
        escape = requests.get(f"{base}/tiles/%2e%2e/manifest.json", timeout=10)
        assert escape.content != b"{}"  # never the cache's other files
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)


def _answers(base: str) -> bool:
    try:
        requests.get(f"{base}/tiles/none", timeout=2)
        return True
    except requests.RequestException:
        return False


def test_cookie_secret_is_made_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("STREAMLIT_SERVER_COOKIE_SECRET", raising=False)
    first = cookie_secret(tmp_path)
    assert len(first) >= 48 and cookie_secret(tmp_path) == first
    assert (tmp_path / "cookie_secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "from the environment")
    assert cookie_secret(tmp_path) == "from the environment"


def test_every_replica_gets_the_same_database_cache_and_secret(tmp_path):
    env = replica_environment(plan(tmp_path), "s3cret")
    assert env["GRA_DATABASE_URL"] == "postgresql+psycopg://atlas@127.0.0.1:5432/atlas"
    assert env["GRA_CACHE_DIR"] == str(tmp_path / "cache")
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"] == "s3cret"


def test_replicas_need_postgresql(tmp_path):
    with pytest.raises(DeployError, match="one PostgreSQL"):
        start(plan(tmp_path, url=f"sqlite:///{tmp_path / 'reports.db'}"))


def test_stop_ends_its_own_processes_and_leaves_others_alone(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                             "--server.port=18555"])
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # The stranger's pid is recorded as if it were a replica, but its command line
        # does not name the replica's port: a reused pid, not ours.
        _write_state(run, plan(tmp_path), [
            Started("replica-1", ours.pid, 18555, "--server.port=18555"),
            Started("replica-2", stranger.pid, 18556, "--server.port=18556")])
        stopped = stop(run, timeout=5)
        assert stopped == [f"replica-1 (pid {ours.pid}, port 18555)"]
        assert ours.wait(timeout=10) is not None
        assert stranger.poll() is None
        assert load_started(run) == []
    finally:
        for process in (ours, stranger):
            process.kill()
            process.wait()
