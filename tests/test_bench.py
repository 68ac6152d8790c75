"""The benchmark runner's own pieces, quickly and without ../shared (no figures here)."""

from __future__ import annotations

import http.server
import os
import threading

import pytest
import requests

from bench import national, segregation_speed
from bench.__main__ import main
from bench.common import percentile
from bench.proxy import counting_proxy
from bench.server import app_server, cpu_seconds, tree_memory
from bench.sessions import run_sessions


def test_without_shared_every_row_cannot_run_and_the_exit_code_is_0(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(national, "MIRROR_SCRIPT", tmp_path / "absent" / "mirror.py")
    monkeypatch.setattr(segregation_speed, "LSOA_COUNTS", tmp_path / "absent" / "counts.csv")
    assert main(["--cache", str(tmp_path / "cache")]) == 0
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if line.startswith("| ") and "cannot run" in line]
    assert len(rows) == 8  # segregation has three rows
    assert not (tmp_path / "cache").exists()


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95
    assert percentile(values, 50) == 50
    assert percentile([3.0], 95) == 3


def test_proxy_counts_the_bytes_sent_to_the_client(tmp_path):
    (tmp_path / "body.bin").write_bytes(b"x" * 100_000)
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with counting_proxy(f"http://127.0.0.1:{server.server_address[1]}") as (url, counts):
            body = requests.get(f"{url}/body.bin", timeout=10).content
            assert len(body) == 100_000
            assert 100_000 < counts.http < 101_000 and counts.websocket == 0
            counts.reset()
            assert counts.to_client == 0
    finally:
        server.shutdown()
        server.server_close()


def test_memory_and_cpu_of_a_process_tree_are_read():
    memory = tree_memory(os.getpid())
    assert memory["rss"] > 10e6 and memory["peak_rss"] >= memory["rss"]
    assert memory["processes"] >= 1
    assert cpu_seconds(os.getpid()) > 0


@pytest.mark.timeout(120)
def test_sessions_speak_streamlit_protocol_to_a_real_server(tmp_path):
    """Against the app on an empty cache: pages answer, an unknown page is an error."""
    with app_server(tmp_path) as server:
        result = run_sessions(server.url, ["", "about", "no-such-page"], sessions=3,
                              duration=1, timeout=60)
    pages = result.by_page()
    assert set(pages) == {"", "about", "no-such-page"}
    assert pages[""]["errors"] == pages["about"]["errors"] == 0
    assert pages["no-such-page"]["errors"] == pages["no-such-page"]["visits"] > 0
    assert all(v.bytes_received > 0 for v in result.visits)
    assert "page not found" in result.errors[0].error
    assert "all pages" in result.summary()
