"""The real fetchers on all of England, through the loopback publisher mirror of ../shared.

Skipped, with the reason, when ../shared (real national data and its mirror) is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from data_sources.cache import Cache
from settings import PROJECT_ROOT
from tests.mirror import free_port

SHARED = PROJECT_ROOT.parent / "shared"
MIRROR_SCRIPT = SHARED / "tools" / "publisher_mirror.py"

pytestmark = [
    pytest.mark.national,
    pytest.mark.skipif(
        not MIRROR_SCRIPT.is_file(), reason=f"no national publisher mirror at {MIRROR_SCRIPT}"
    ),
]


@pytest.fixture(scope="module")
def national_mirror() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(MIRROR_SCRIPT), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/data.police.uk/api/forces", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def refreshed(national_mirror: str, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    cache_dir = tmp_path_factory.mktemp("national-cache")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(
        GRA_CACHE_DIR=str(cache_dir),
        GRA_NOMIS_BASE_URL=f"{national_mirror}/www.nomisweb.co.uk",
        GRA_IOD_BASE_URL=f"{national_mirror}/assets.publishing.service.gov.uk",
        GRA_GEOPORTAL_BASE_URL=f"{national_mirror}/services1.arcgis.com",
        GRA_ONS_HUB_BASE_URL=f"{national_mirror}/hub.arcgis.com",
        GRA_POLICE_BASE_URL=f"{national_mirror}/data.police.uk",
        GRA_POLICE_AREAS="E06000016",
        GRA_POLICE_FROM="2022-01",
        GRA_POLICE_TO="2022-03",
        GRA_HTTP_RETRIES="1",
        GRA_HTTP_BACKOFF="0.1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "refresh"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1500,
    )
    return result, cache_dir


@pytest.fixture(scope="module")
def cache(refreshed) -> Cache:
    return Cache(refreshed[1])


@pytest.mark.parametrize(
    ("dataset", "rows"),
    [
        ("census2021_ethnicity_msoa", 6_856),
        ("iod2019_lsoa", 32_844),
        ("iod2025_lsoa", 33_755),
        ("iod2019_lad_summary", 317),
        ("boundaries_lad21", 309),
        ("boundaries_lad24", 296),
        ("boundaries_region", 9),
        ("boundaries_msoa21", 6_856),
        ("boundaries_lsoa21", 33_755),
        ("lookup_lsoa21_msoa21_lad22", 33_755),
        ("lookup_lsoa21_ward24_lad24", 33_755),
    ],
)
def test_national_row_counts(cache, dataset, rows):
    entry = cache.provenance(dataset)
    assert entry is not None and entry.file, f"{dataset} not stored: {entry and entry.last_error}"
    assert entry.rows == rows
    assert len(cache.load_table(dataset)) == rows


def test_known_values(cache):
    msoa = cache.load_table("census2021_ethnicity_msoa").set_index("area_code")
    assert msoa.loc["E02000001", "total"] == 8_584
    iod19 = cache.load_table("iod2019_lsoa").set_index("area_code")
    first = iod19.loc["E01000001"]
    assert (first["imd_score"], first["imd_rank"], first["imd_decile"]) == (6.208, 29_199, 9)
    assert iod19.loc["E01021988", "imd_rank"] == 1
    iod25 = cache.load_table("iod2025_lsoa").set_index("area_code")
    assert (iod25.loc["E01000001", "imd_score"], iod25.loc["E01000001", "imd_decile"]) == (8.742, 8)
    lad = cache.load_table("iod2019_lad_summary").set_index("lad_code")
    assert lad.loc["E06000009", "imd_avg_score"] == pytest.approx(45.039)
    lookup = cache.load_table("lookup_lsoa21_msoa21_lad22").set_index("lsoa21_code")
    parents = lookup.loc["E01000001", ["msoa21_code", "lad22_code"]]
    assert tuple(parents) == ("E02000001", "E09000001")
    lsoa = cache.load_table("boundaries_lsoa21")
    assert lsoa.crs.to_epsg() == 4326 and lsoa.is_valid.all()


def test_police_counts_for_leicester(cache):
    police = cache.load_table("police_lsoa_month")
    assert set(police["month"]) == {"2022-01", "2022-02", "2022-03"}
    assert set(police["category"]) == {"public-order", "anti-social-behaviour"}
    assert set(police["lad_code"]) == {"E06000016"}
    assert police.groupby("month")["count"].sum().gt(100).all()


def test_what_the_mirror_lacks_fails_clearly_and_the_rest_loads(refreshed, cache):
    result, _ = refreshed
    assert result.returncode == 1, result.stdout[-3000:]
    out = result.stdout
    lad = cache.provenance("iod2025_lad_summary")
    assert lad is not None and not lad.file and "404" in lad.last_error
    for dataset in ("census2021_ethnicity_lsoa", "census2011_ethnicity_lsoa"):
        entry = cache.provenance(dataset)
        assert entry is not None and not entry.file and entry.last_error
        assert dataset in out
    assert "stored" in out


def test_status_offline_reads_the_national_cache(refreshed):
    _, cache_dir = refreshed
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_OFFLINE="1", GRA_CACHE_DIR=str(cache_dir))
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "status"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    assert "boundaries_lsoa21" in result.stdout and "33,755" in result.stdout
