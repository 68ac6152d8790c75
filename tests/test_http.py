"""The download loop against a real loopback server: retries, time-outs and clear errors."""

from __future__ import annotations

import time

import pytest

from data_sources.errors import OfflineError, SourceUnavailableError
from data_sources.http import USER_AGENT, RateLimiter, fetch
from settings import get_settings
from tests.mirror import Fault, free_port

CSV = b"area_code,area_name,total\nE01000001,Alpha 001A,1500\n"


@pytest.fixture
def url(mirror, mirror_env) -> str:
    return f"{mirror.url('files.test')}/areas.csv"


def test_downloads_the_whole_file_with_our_user_agent(url, mirror):
    fetched = fetch(url, source="test")
    assert fetched.content.startswith(CSV)
    assert fetched.status == 200
    (request,) = mirror.requests_to("areas.csv")
    assert request.headers["User-Agent"] == USER_AGENT
    assert "GoodRelationsAtlas" in USER_AGENT


def test_retries_after_server_errors_then_succeeds(url, mirror):
    mirror.fault("areas.csv", 500, 503)
    fetched = fetch(url, source="test")
    assert fetched.content.startswith(CSV)
    assert len(mirror.requests_to("areas.csv")) == 3


def test_retries_after_429(url, mirror):
    mirror.fault("areas.csv", 429)
    assert fetch(url, source="test").content.startswith(CSV)


def test_retries_a_truncated_body(url, mirror):
    mirror.fault("areas.csv", "truncate")
    assert fetch(url, source="test").content.startswith(CSV)
    assert len(mirror.requests_to("areas.csv")) == 2


def test_retries_a_dropped_connection(url, mirror):
    mirror.fault("areas.csv", "reset")
    assert fetch(url, source="test").content.startswith(CSV)


def test_gives_up_with_a_clear_message_after_the_last_retry(url, mirror):
    mirror.fault("areas.csv", 500, 500, 500)
    with pytest.raises(SourceUnavailableError) as error:
        fetch(url, source="test source")
    message = str(error.value)
    assert "test source" in message and url in message
    assert "gave up after 3 attempts: HTTP 500" in message
    assert "last good cached copy is kept" in message


def test_a_timeout_is_retried_then_reported(url, mirror, monkeypatch):
    monkeypatch.setenv("GRA_HTTP_TIMEOUT", "0.3")
    monkeypatch.setenv("GRA_HTTP_RETRIES", "1")
    get_settings.cache_clear()
    mirror.fault("areas.csv", Fault("slow", seconds=1), Fault("slow", seconds=1))
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError, match="timed out"):
        fetch(url, source="test")
    assert time.monotonic() - started < 5


def test_a_body_trickling_in_is_cut_off_at_the_download_time_limit(url, mirror,
                                                                   monkeypatch):
    # Every read gets a byte well within GRA_HTTP_TIMEOUT, so only an overall limit stops it.
    monkeypatch.setenv("GRA_HTTP_MAX_SECONDS", "1")
    get_settings.cache_clear()
    mirror.fault("areas.csv", Fault("trickle", seconds=0.1))
    started = time.monotonic()
    with pytest.raises(SourceUnavailableError) as error:
        fetch(url, source="test")
    message = str(error.value)
    assert "did not finish within 1 s (GRA_HTTP_MAX_SECONDS)" in message, message
    assert "not retried" in message and "bytes had arrived" in message
    assert time.monotonic() - started < 3  # the whole trickle would take 5 s or more
    assert len(mirror.requests_to("areas.csv")) == 1


def test_the_time_limit_covers_retries_and_their_back_off(url, mirror, monkeypatch):
    monkeypatch.setenv("GRA_HTTP_MAX_SECONDS", "1")
    monkeypatch.setenv("GRA_HTTP_RETRIES", "5")
    monkeypatch.setenv("GRA_HTTP_BACKOFF", "0.4")
    get_settings.cache_clear()
    mirror.fault("areas.csv", *[500] * 6)
    with pytest.raises(SourceUnavailableError, match="did not finish within 1 s.*HTTP 500"):
        fetch(url, source="test")
    assert len(mirror.requests_to("areas.csv")) == 2  # 0.4 s, then 0.8 s would pass 1 s


@pytest.mark.parametrize("kind", ["body", "unsized"])
def test_a_body_over_the_size_limit_is_refused_before_it_fills_the_memory(
        url, mirror, monkeypatch, kind):
    monkeypatch.setenv("GRA_HTTP_MAX_MB", "1")
    get_settings.cache_clear()
    mirror.fault("areas.csv", Fault(kind, body=CSV + b" " * 8_000_000))
    with pytest.raises(SourceUnavailableError) as error:
        fetch(url, source="test")
    message = str(error.value)
    assert "more than GRA_HTTP_MAX_MB allows (1 MB)" in message, message
    assert ("8,000,052 bytes by its Content-Length" if kind == "body"
            else "over 1,048,576 bytes and still coming") in message
    assert len(mirror.requests_to("areas.csv")) == 1
    assert fetch(url, source="test").content.startswith(CSV)  # a normal file still comes


def test_connection_refused_is_reported_clearly(mirror_env):
    url = f"http://127.0.0.1:{free_port()}/files.test/areas.csv"
    with pytest.raises(SourceUnavailableError, match="could not connect"):
        fetch(url, source="test")


def test_not_found_is_not_retried(mirror, mirror_env):
    url = f"{mirror.url('files.test')}/no-such-file.csv"
    with pytest.raises(SourceUnavailableError, match="404"):
        fetch(url, source="test")
    assert len(mirror.requests_to("no-such-file.csv")) == 1


def test_offline_never_touches_the_network(url, mirror, monkeypatch):
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()
    with pytest.raises(OfflineError, match="GRA_OFFLINE=1"):
        fetch(url, source="test")
    assert mirror.requests_to("areas.csv") == []


def test_rate_limiter_holds_the_average_rate():
    limiter = RateLimiter(rate=50, burst=5)
    started = time.monotonic()
    for _ in range(15):
        limiter.wait()
    # 5 calls from the burst, then 10 more at 50 a second: at least 0.2 s.
    assert time.monotonic() - started >= 0.18
