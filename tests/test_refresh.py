"""Refreshing a dataset end to end: provenance, last good copy kept, atomic switching."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from data_sources.cache import Cache
from data_sources.errors import SourceFormatError
from data_sources.refresh import OGL, Built, DatasetSpec, RefreshContext, run_refresh
from data_sources.validate import LSOA_CODE, TableSpec
from settings import PROJECT_ROOT, get_settings
from tests.mirror import Fault, free_port

AREAS = TableSpec(
    name="test areas",
    columns={"area_code": "code", "area_name": "str", "total": "int"},
    key=("area_code",),
    patterns={"area_code": LSOA_CODE},
    rows=33_755,
)


def _build_areas(ctx: RefreshContext) -> Built:
    download = ctx.download(
        # The mirror serves every host under one root; files.test is our own test host.
        ctx.settings.nomis_base_url.replace("www.nomisweb.co.uk", "files.test") + "/areas.csv",
        source="test publisher",
        raw_name="areas.csv",
    )
    if not download.content.strip():
        raise SourceFormatError("test publisher", download.url, "the file is empty")
    return Built(pd.read_csv(io.BytesIO(download.content)), download)


SPEC = DatasetSpec(
    id="test_areas",
    source="test publisher",
    title="Test areas",
    vintage="Test 2021",
    geography="LSOA 2021",
    licence=OGL,
    attribution="Test attribution.",
    table=AREAS,
    build=_build_areas,
)


def refresh(ctx: RefreshContext):
    return run_refresh(ctx, [SPEC])


def test_a_refresh_stores_the_table_with_its_provenance(ctx, mirror):
    report = refresh(ctx)
    assert report.ok and len(report.stored) == 1
    table = ctx.cache.load_table("test_areas")
    assert table["area_code"].tolist() == ["E01000001", "E01000002", "E01000003"]
    assert table["total"].sum() == 4600
    entry = ctx.cache.provenance("test_areas")
    raw = (ctx.cache.root / entry.raw_file).read_bytes()
    assert entry.url.endswith("/files.test/areas.csv")
    assert entry.sha256 == hashlib.sha256(raw).hexdigest()
    assert entry.bytes == len(raw)
    assert entry.rows == 3
    assert (entry.vintage, entry.geography, entry.licence) == ("Test 2021", "LSOA 2021", OGL)
    assert entry.attribution == "Test attribution."
    assert entry.fetched_at.endswith("Z")


@pytest.mark.parametrize(
    ("faults", "problem"),
    [
        ((500, 500, 500), "gave up after 3 attempts: HTTP 500"),
        ((429, 429, 429), "gave up after 3 attempts: HTTP 429"),
        (("truncate", "truncate", "truncate"), "connection dropped mid-download"),
        ((Fault("body", body=b"code,name\nE01000001,x\n"),), "missing column(s) ['area_code'"),
        ((Fault("body", body=b"area_code,area_name,total\nE01000001,x,lots\n"),), "numeric"),
        ((Fault("body", body=b"area_code,area_name,total\nW01000001,x,5\n"),), "do not look"),
        (("empty",), "the file is empty"),
    ],
)
def test_a_failed_refresh_keeps_the_last_good_copy(ctx, mirror, faults, problem):
    refresh(ctx)
    good = ctx.cache.provenance("test_areas")
    mirror.fault("areas.csv", *faults)
    report = refresh(ctx)
    assert not report.ok
    (failed_spec, message), = report.failed
    assert problem in message and "test publisher" in message and "areas.csv" in message
    entry = ctx.cache.provenance("test_areas")
    assert entry.file == good.file and entry.sha256 == good.sha256
    assert problem in entry.last_error
    assert ctx.cache.load_table("test_areas")["total"].sum() == 4600


def test_one_transient_error_is_retried_and_stored(ctx, mirror):
    mirror.fault("areas.csv", 503, "truncate")
    assert refresh(ctx).ok
    assert ctx.cache.load_table("test_areas")["total"].sum() == 4600


def test_national_row_counts_are_enforced_when_strict(ctx, monkeypatch):
    ctx.settings = ctx.settings.model_copy(update={"strict_row_counts": True})
    report = refresh(ctx)
    (_, message), = report.failed
    assert "3 rows where England has 33,755" in message


def test_an_interrupted_table_write_leaves_the_old_table_in_place(ctx, monkeypatch):
    refresh(ctx)
    good = ctx.cache.provenance("test_areas")

    def crash_half_way(self, path, **kwargs):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash_half_way)
    with pytest.raises(OSError):
        ctx.cache.store_table(pd.DataFrame({"area_code": ["E01000009"]}), SPEC.template("x"))
    assert ctx.cache.provenance("test_areas").file == good.file
    assert ctx.cache.load_table("test_areas")["total"].sum() == 4600
    leftovers = [p.name for p in (ctx.cache.root / "tables").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_readers_see_the_complete_old_or_the_complete_new_table(tmp_path):
    cache = Cache(tmp_path)
    versions = [pd.DataFrame({"version": [v] * 5000, "n": range(5000)}) for v in range(2)]
    cache.store_table(versions[0], SPEC.template("v0"))
    stop = threading.Event()
    seen: set[tuple[int, int]] = set()
    errors: list[Exception] = []

    def read() -> None:
        while not stop.is_set():
            try:
                table = cache.load_table("test_areas")
            except Exception as exc:  # a reader must never fail mid-switch
                errors.append(exc)
                return
            seen.add((table["version"].nunique(), len(table)))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(40):
        cache.store_table(versions[i % 2], SPEC.template(f"v{i % 2}"))
    stop.set()
    reader.join()
    assert errors == []
    assert seen == {(1, 5000)}


def test_status_answers_offline_from_the_cache(ctx, mirror):
    refresh(ctx)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_OFFLINE="1", GRA_CACHE_DIR=str(ctx.cache.root))
    requests_before = len(mirror.requests)
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "status"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("test_areas"))
    assert "ok" in line and "Test 2021; LSOA 2021" in line
    assert ctx.cache.provenance("test_areas").fetched_at in line
    assert len(mirror.requests) == requests_before


def test_refresh_offline_fails_clearly_and_changes_nothing(ctx, mirror, monkeypatch):
    refresh(ctx)
    manifest_before = (ctx.cache.root / "manifest.json").read_bytes()
    ctx.settings = ctx.settings.model_copy(update={"offline": True})
    report = refresh(ctx)
    (_, message), = report.failed
    assert "GRA_OFFLINE=1" in message
    assert (ctx.cache.root / "manifest.json").read_bytes() == manifest_before
    get_settings.cache_clear()


def test_a_failed_download_is_not_repeated_for_the_next_dataset_of_the_run(ctx, mirror):
    twin = dataclasses.replace(SPEC, id="test_areas_twin")
    mirror.fault("areas.csv", 500, 500, 500)
    report = run_refresh(ctx, [SPEC, twin])
    assert [spec.id for spec, _ in report.failed] == ["test_areas", "test_areas_twin"]
    assert len(mirror.requests_to("areas.csv")) == 3
    assert run_refresh(ctx, [SPEC, twin]).ok
    assert len(mirror.requests_to("areas.csv")) == 4


def test_a_timeout_keeps_the_last_good_copy(ctx, mirror):
    refresh(ctx)
    good = ctx.cache.provenance("test_areas").file
    ctx.settings = ctx.settings.model_copy(update={"http_timeout": 0.2, "http_retries": 1})
    mirror.fault("areas.csv", Fault("slow", seconds=0.6), Fault("slow", seconds=0.6))
    (_, message), = refresh(ctx).failed
    assert "timed out" in message
    assert ctx.cache.provenance("test_areas").file == good
    assert ctx.cache.load_table("test_areas")["total"].sum() == 4600


def test_a_refused_connection_keeps_the_last_good_copy(ctx):
    refresh(ctx)
    good = ctx.cache.provenance("test_areas").file
    dead = f"http://127.0.0.1:{free_port()}/www.nomisweb.co.uk"
    ctx.settings = ctx.settings.model_copy(update={"nomis_base_url": dead})
    (_, message), = refresh(ctx).failed
    assert "could not connect" in message
    assert ctx.cache.provenance("test_areas").file == good
    assert "could not connect" in ctx.cache.provenance("test_areas").last_error


def test_a_bad_download_never_replaces_the_raw_file_of_the_good_table(ctx, mirror):
    refresh(ctx)
    good = ctx.cache.provenance("test_areas")
    raw = ctx.cache.root / good.raw_file
    kept = raw.read_bytes()
    mirror.fault("areas.csv", Fault("body", body=b"area_code,area_name,total\nW01000001,x,5\n"))
    assert not refresh(ctx).ok
    assert raw.read_bytes() == kept
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == good.sha256
    assert ctx.cache.provenance("test_areas").sha256 == good.sha256


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A real 1 MB file system (tmpfs), to fill up; skipped where it cannot be mounted."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a 1 MB tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"a 1 MB tmpfs cannot be mounted here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _build_big(ctx: RefreshContext) -> Built:
    """The test table with 3 MB of blank lines after it: valid, but too big for the disk."""
    small = _build_areas(ctx)
    padded = small.download.content + b"\n" * 3_000_000
    download = ctx.keep_raw("test publisher", "big.csv", padded, small.download.url)
    return Built(pd.read_csv(io.BytesIO(padded)), download)


def test_a_full_disk_fails_that_dataset_and_the_rest_are_still_attempted(ctx, small_disk):
    full = RefreshContext(settings=ctx.settings, cache=Cache(small_disk), session=ctx.session)
    big = dataclasses.replace(SPEC, id="test_big", build=_build_big)
    after = dataclasses.replace(SPEC, id="test_after")
    report = run_refresh(full, [SPEC, big, after])
    assert [p.dataset for p in report.stored] == ["test_areas", "test_after"]
    (failed, problem), = report.failed
    assert failed.id == "test_big"
    assert "the disk is full: No space left on device" in problem and str(small_disk) in problem
    assert not (small_disk / "raw" / "test publisher" / "big.csv").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    done = subprocess.run([sys.executable, "-m", "data_sources", "status"], cwd=PROJECT_ROOT,
                          env={**env, "GRA_OFFLINE": "1", "GRA_CACHE_DIR": str(small_disk)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("test_big"))
    assert line.split()[1] == "failed"
    assert "last refresh failed: test publisher: the disk is full" in done.stdout
    assert Cache(small_disk).load_table("test_after")["total"].sum() == 4600
