"""The real fetchers on all of England, through the loopback publisher mirror of ../shared.

Skipped, with the reason, when ../shared (real national data and its mirror) is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from settings import PROJECT_ROOT

pytestmark = pytest.mark.national


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
        ("lookup_lad22_region", 309),
    ],
)
def test_national_row_counts(national, dataset, rows):
    entry = national.cache.provenance(dataset)
    assert entry is not None and entry.file, f"{dataset} not stored: {entry and entry.last_error}"
    assert entry.rows == rows
    assert len(national.cache.load_table(dataset)) == rows


def test_known_values(national):
    cache = national.cache
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


def test_police_counts_for_leicester(national):
    police = national.cache.load_table("police_lsoa_month")
    months = sorted(set(police["month"]))
    assert months[0] == "2021-11" and months[-1] == "2022-10" and len(months) == 12
    assert set(police["category"]) == {"public-order", "anti-social-behaviour"}
    assert set(police["lad_code"]) == {"E06000016"}
    assert police.groupby("month")["count"].sum().gt(100).all()


def test_what_the_mirror_lacks_fails_clearly_and_the_rest_loads(national):
    result, cache = national.result, national.cache
    assert result.returncode == 1, result.stdout[-3000:]
    lad = cache.provenance("iod2025_lad_summary")
    assert lad is not None and not lad.file and "404" in lad.last_error
    for dataset in ("census2021_ethnicity_lsoa", "census2011_ethnicity_lsoa"):
        entry = cache.provenance(dataset)
        assert entry is not None and not entry.file and entry.last_error
        assert dataset in result.stdout
    assert "15 stored" in result.stdout


def test_the_joined_dataset_is_built_after_the_refresh(national):
    joined = national.cache.load_table("joined_area_indicator")
    assert joined["level"].value_counts().to_dict() == {"lsoa": 33_755, "msoa": 6_856, "lad": 309}
    assert "joined dataset: built in" in national.result.stdout


def test_status_offline_reads_the_national_cache(national):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_OFFLINE="1", GRA_CACHE_DIR=str(national.cache.root))
    result = subprocess.run(
        [sys.executable, "-m", "data_sources", "status"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    assert "boundaries_lsoa21" in result.stdout and "33,755" in result.stdout


def test_religion_birth_and_english_absent_from_the_mirror_leave_empty_documented_columns(
        national, monkeypatch):
    """Issue 16: the mirror serves no TS030, TS004 or TS029; the build still succeeds, their
    columns are there and empty with the reason, and a link to one says it is not there."""
    from streamlit.testing.v1 import AppTest

    from indicators.catalogue import CATALOGUE
    from indicators.joined import reasons_by_column
    from indicators.topics import TOPICS

    cache = national.cache
    for dataset in (d for topic in TOPICS for d in topic.datasets()):
        entry = cache.provenance(dataset)
        assert entry is not None and not entry.file and "404" in entry.last_error
    joined = cache.load_table("joined_area_indicator")
    columns = [c for c, e in CATALOGUE.items()
               if set(e.source) & {d for t in TOPICS for d in t.datasets()}]
    assert joined[columns].isna().all(axis=None)
    assert joined.loc[joined["level"] == "lad", "d_asian"].notna().sum() > 300
    reasons = " ".join(reasons_by_column(joined).values())
    assert "census2021_religion_msoa is not available" in reasons
    monkeypatch.setenv("GRA_CACHE_DIR", str(cache.root))
    monkeypatch.setenv("GRA_OFFLINE", "1")
    app = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=120)
    app.query_params.update(indicator="d_muslim", level="lad")
    app.run()
    assert not app.exception, app.exception
    notes = [w.value for w in app.warning]  # said above the page, once
    assert any("Dissimilarity, Muslim is not available" in n for n in notes), notes
