"""data.police.uk through the loopback mirror: months, counts by LSOA, 503, POST, rate limits.

The mirror (tests/mirror/police.py) answers from the invented street-level CSVs under
tests/fixtures/mirror/data.police.uk/street/. The boundaries the fetcher needs are put in
the cache by hand: tiny squares round Leicester, not the real outlines.
"""

from __future__ import annotations

import json
import time

import geopandas as gpd
import pandas as pd
import pytest
import requests
from shapely.geometry import Polygon, box

from data_sources import police
from data_sources.cache import Cache, Provenance
from data_sources.http import make_session
from data_sources.refresh import OGL, RefreshContext, run_refresh
from settings import get_settings
from tests.mirror import Fault
from tests.mirror import police as police_mirror

LEICESTER, RUTLAND, OADBY = "E06000016", "E06000017", "E07000135"
WEST, SOUTH_EAST, NORTH_EAST = "E01013571", "E01013572", "E01013573"
WIGSTON = "E01025900"


def comb(min_x: float, min_y: float, max_x: float, max_y: float, teeth: int) -> Polygon:
    """A district outline with many real corners (square teeth along its top edge)."""
    width = (max_x - min_x) / teeth
    top = [
        point
        for i in range(teeth)
        for point in (
            (min_x + i * width, max_y), (min_x + i * width, max_y + 0.005),
            (min_x + (i + 0.5) * width, max_y + 0.005), (min_x + (i + 0.5) * width, max_y),
        )
    ]
    return Polygon([(min_x, min_y), *top, (max_x, max_y), (max_x, min_y)])


DISTRICTS = {
    LEICESTER: ("Leicester", box(-1.20, 52.60, -1.10, 52.66)),
    RUTLAND: ("Rutland", box(-1.10, 52.60, -1.00, 52.66)),
    OADBY: ("Oadby and Wigston", comb(-1.18, 52.53, -1.12, 52.57, 60)),
}
LSOAS = {
    WEST: (LEICESTER, box(-1.20, 52.60, -1.15, 52.66)),
    SOUTH_EAST: (LEICESTER, box(-1.15, 52.60, -1.10, 52.63)),
    NORTH_EAST: (LEICESTER, box(-1.15, 52.63, -1.10, 52.66)),
    "E01013600": (RUTLAND, box(-1.10, 52.60, -1.00, 52.66)),
    WIGSTON: (OADBY, box(-1.16, 52.54, -1.14, 52.56)),
}

# What the fixture CSVs hold for Leicester: (lsoa, month, category) -> count; the rest is 0.
LEICESTER_COUNTS = {
    (WEST, "2024-01", "public-order"): 3,
    (SOUTH_EAST, "2024-01", "public-order"): 1,
    (SOUTH_EAST, "2024-01", "anti-social-behaviour"): 2,
    (WEST, "2024-02", "public-order"): 1,  # on the WEST / SOUTH_EAST border: the lower code
    (SOUTH_EAST, "2024-02", "public-order"): 1,
    (WEST, "2024-02", "anti-social-behaviour"): 3,
}


def provenance(dataset: str) -> Provenance:
    return Provenance(
        dataset=dataset, source="geoportal", title=dataset, url="test", vintage="test",
        geography="test", licence=OGL, attribution="test",
    )


def store_boundaries(cache: Cache) -> None:
    lads = gpd.GeoDataFrame(
        {"area_code": list(DISTRICTS), "area_name": [n for n, _ in DISTRICTS.values()]},
        geometry=[g for _, g in DISTRICTS.values()], crs="EPSG:4326",
    )
    lsoas = gpd.GeoDataFrame(
        {"area_code": list(LSOAS), "area_name": [f"LSOA {c}" for c in LSOAS]},
        geometry=[g for _, g in LSOAS.values()], crs="EPSG:4326",
    )
    lookup = pd.DataFrame({
        "lsoa21_code": list(LSOAS), "msoa21_code": "E02002830",
        "lad22_code": [lad for lad, _ in LSOAS.values()],
    })
    cache.store_table(lads, provenance("boundaries_lad21"))
    cache.store_table(lsoas, provenance("boundaries_lsoa21"))
    cache.store_table(lookup, provenance("lookup_lsoa21_msoa21_lad22"))


def make_ctx(monkeypatch, mirror_env, **env: str) -> RefreshContext:
    for name, value in env.items():
        monkeypatch.setenv(f"GRA_{name.upper()}", value)
    get_settings.cache_clear()
    settings = get_settings()
    cache = Cache(settings.cache_dir)
    return RefreshContext(settings=settings, cache=cache, session=make_session())


@pytest.fixture
def police_ctx(monkeypatch, mirror_env) -> RefreshContext:
    """Leicester, the two latest months, boundaries cached, a generous rate."""
    ctx = make_ctx(
        monkeypatch, mirror_env, police_areas=LEICESTER, police_months="2",
        police_rate_per_second="200",
    )
    monkeypatch.setattr(police_mirror, "RATE", 1000.0)
    monkeypatch.setattr(police_mirror, "BURST", 1000)
    store_boundaries(ctx.cache)
    return ctx


def refresh(ctx: RefreshContext, dataset: str = "police_lsoa_month"):
    return run_refresh(ctx, [s for s in police.DATASETS if s.id == dataset])


def counts_of(table: pd.DataFrame, lad: str = LEICESTER) -> dict:
    rows = table[table["lad_code"] == lad]
    return {
        (r.lsoa21_code, r.month, r.category): None if pd.isna(r.count) else r.count
        for r in rows.itertuples()
    }


def expected_grid(months=("2024-01", "2024-02")) -> dict:
    return {
        (lsoa, month, category): LEICESTER_COUNTS.get((lsoa, month, category), 0)
        for lsoa in (WEST, SOUTH_EAST, NORTH_EAST)
        for month in months
        for category in police.CATEGORIES
    }


def test_months_are_listed_newest_first_with_their_forces(ctx):
    report = refresh(ctx, "police_months")
    assert report.ok, report.failed
    months = ctx.cache.load_table("police_months")
    assert months["month"].tolist() == ["2024-02", "2024-01", "2023-12"]
    assert months["n_forces"].tolist() == [2, 1, 1]
    entry = ctx.cache.provenance("police_months")
    assert entry.url.endswith("/data.police.uk/api/crimes-street-dates")
    assert entry.attribution.endswith("Source: data.police.uk.")
    assert entry.licence == "Open Government Licence v3.0"


def test_counts_form_a_full_grid_with_zeros_for_the_district(police_ctx, mirror):
    report = refresh(police_ctx)
    assert report.ok, report.failed
    table = police_ctx.cache.load_table("police_lsoa_month")
    assert len(table) == 3 * 2 * 2
    assert counts_of(table) == expected_grid()
    assert set(table["lad_code"]) == {LEICESTER}
    assert table["count"].sum() == 11
    requests_made = mirror.requests_to("/api/crimes-street/")
    assert len(requests_made) == 2 * 2 and {r.method for r in requests_made} == {"GET"}
    entry = police_ctx.cache.provenance("police_lsoa_month")
    assert police.SNAPPED_NOTE in entry.notes
    assert f"Covers {LEICESTER} (Leicester): 2 month(s), 2024-01 to 2024-02" in entry.notes
    raw = json.loads((police_ctx.cache.root / entry.raw_file).read_bytes())
    assert raw["months"] == ["2024-01", "2024-02"]
    # One more came back: in Rutland, just over the border but inside the query outline.
    assert sum(len(b["crimes"]) for b in raw["districts"][LEICESTER]) == 12


def test_a_from_to_range_is_intersected_with_the_published_months(monkeypatch, police_ctx):
    monkeypatch.setenv("GRA_POLICE_FROM", "2023-06")
    monkeypatch.setenv("GRA_POLICE_TO", "2024-01")
    ctx = make_ctx(monkeypatch, None)
    assert refresh(ctx).ok
    table = ctx.cache.load_table("police_lsoa_month")
    assert sorted(set(table["month"])) == ["2023-12", "2024-01"]
    assert counts_of(table)[(NORTH_EAST, "2023-12", "public-order")] == 1


def test_a_range_with_no_published_month_fails_clearly(monkeypatch, police_ctx):
    monkeypatch.setenv("GRA_POLICE_FROM", "2030-01")
    ctx = make_ctx(monkeypatch, None)
    report = refresh(ctx)
    (_, problem), = report.failed
    assert "no published month" in problem and "2023-12 to 2024-02" in problem
    assert "crimes-street-dates" in problem


def test_other_districts_and_months_in_the_cache_are_kept(monkeypatch, police_ctx):
    assert refresh(police_ctx).ok
    ctx = make_ctx(monkeypatch, None, police_areas=RUTLAND)
    assert refresh(ctx).ok
    table = ctx.cache.load_table("police_lsoa_month")
    assert counts_of(table) == expected_grid()
    assert counts_of(table, RUTLAND) == {
        ("E01013600", "2024-01", "public-order"): 1,
        ("E01013600", "2024-01", "anti-social-behaviour"): 1,
        # Nothing at all in the district that month: unpublished, so empty rather than 0.
        ("E01013600", "2024-02", "public-order"): None,
        ("E01013600", "2024-02", "anti-social-behaviour"): None,
    }
    ctx = make_ctx(monkeypatch, None, police_areas=LEICESTER, police_months="3")
    assert refresh(ctx).ok
    table = ctx.cache.load_table("police_lsoa_month")
    assert counts_of(table) == expected_grid(("2023-12", "2024-01", "2024-02")) | {
        (NORTH_EAST, "2023-12", "public-order"): 1
    }
    assert len(counts_of(table, RUTLAND)) == 4
    notes = ctx.cache.provenance("police_lsoa_month").notes
    assert f"Covers {RUTLAND}: 2 month(s), 2024-01 to 2024-02" in notes
    assert any(n.startswith(f"{RUTLAND}: ") and "no crimes at all for 2024-02" in n
               and "left empty, not zero" in n for n in notes)


def test_too_many_crimes_splits_the_area_into_quarters(monkeypatch, police_ctx, mirror):
    monkeypatch.setattr(police_mirror, "MAX_CRIMES", 2)
    assert refresh(police_ctx).ok
    assert counts_of(police_ctx.cache.load_table("police_lsoa_month")) == expected_grid()
    assert len(mirror.requests_to("/api/crimes-street/")) > 2 * 2 * 2


def test_too_many_crimes_at_one_point_fails_clearly(monkeypatch, police_ctx):
    # Two ASB reports of 2024-02 share one snap point: no cut can separate them.
    monkeypatch.setattr(police_mirror, "MAX_CRIMES", 1)
    monkeypatch.setattr(police, "MAX_SPLIT_DEPTH", 3)
    (_, problem), = refresh(police_ctx).failed
    assert problem.startswith("police: HTTP 503 for anti-social-behaviour in 2024-02")
    assert "/api/crimes-street/anti-social-behaviour" in problem
    assert police_ctx.cache.provenance("police_lsoa_month").file == ""


def test_a_long_outline_is_sent_by_post(monkeypatch, police_ctx, mirror):
    ctx = make_ctx(monkeypatch, None, police_areas=OADBY)
    assert refresh(ctx).ok
    sent = mirror.requests_to("/api/crimes-street/")
    assert sent and all(r.method == "POST" for r in sent)
    assert {r.form()["date"] for r in sent} == {"2024-01", "2024-02"}
    assert len(sent[0].form()["poly"].split(":")) > 150
    counts = counts_of(ctx.cache.load_table("police_lsoa_month"), OADBY)
    assert counts[(WIGSTON, "2024-02", "public-order")] == 2
    assert counts[(WIGSTON, "2024-02", "anti-social-behaviour")] == 1
    # The same request as a GET is too long for the API.
    form = sent[0].form()
    url = f"{ctx.settings.police_base_url}/api/crimes-street/public-order"
    assert requests.get(url, params=form, timeout=5).status_code == 400


def test_requests_keep_to_the_rate_limit(monkeypatch, police_ctx, mirror):
    monkeypatch.setattr(police, "BURST", 1)
    ctx = make_ctx(monkeypatch, None, police_rate_per_second="10")
    started = time.monotonic()
    assert refresh(ctx).ok
    elapsed = time.monotonic() - started
    made = len(mirror.requests_to("/api/"))
    assert made == 1 + 2 * 2
    assert elapsed >= (made - 1) / 10


def test_429_past_the_rate_limit_is_retried(monkeypatch, police_ctx, mirror):
    monkeypatch.setattr(police_mirror, "RATE", 5.0)
    monkeypatch.setattr(police_mirror, "BURST", 1)
    monkeypatch.setitem(police_mirror._bucket, "tokens", 0.0)
    ctx = make_ctx(
        monkeypatch, None, police_rate_per_second="1000", http_retries="5", http_backoff="0.2"
    )
    assert refresh(ctx).ok
    assert counts_of(ctx.cache.load_table("police_lsoa_month")) == expected_grid()
    assert len(mirror.requests_to("/api/")) > 1 + 2 * 2


def test_no_areas_skips_with_how_to_choose_them(ctx):
    report = refresh(ctx)
    (spec, reason), = report.skipped
    assert spec.id == "police_lsoa_month"
    assert "GRA_POLICE_AREAS" in reason and "--police-area" in reason
    assert not report.failed


def test_boundaries_not_cached_say_to_refresh_the_geoportal_first(monkeypatch, mirror_env):
    ctx = make_ctx(monkeypatch, mirror_env, police_areas=LEICESTER)
    (_, problem), = refresh(ctx).failed
    assert "boundaries_lad21" in problem
    assert "refresh --source geoportal" in problem


def test_an_unknown_district_is_named(monkeypatch, police_ctx):
    ctx = make_ctx(monkeypatch, None, police_areas="E06000099")
    (_, problem), = refresh(ctx).failed
    assert "E06000099 is not a district" in problem


def test_an_answer_that_is_not_a_list_of_crimes_names_the_url(police_ctx, mirror):
    mirror.fault("/api/crimes-street/", Fault("body", body=b'{"error": "nope"}'))
    (_, problem), = refresh(police_ctx).failed
    assert "expected a JSON list of crimes" in problem
    assert "/data.police.uk/api/crimes-street/public-order" in problem



@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["2024-01", "2024-02"]),
        ({"police_months": 1}, ["2024-02"]),
        ({"police_to": "2024-01"}, ["2023-12", "2024-01"]),
        ({"police_from": "2024-01"}, ["2024-01", "2024-02"]),
        ({"police_from": "2023-01", "police_to": "2023-12"}, ["2023-12"]),
    ],
)
def test_months_chosen(env, expected):
    settings = get_settings().model_copy(update={"police_months": 2, **env})
    published = ["2024-02", "2024-01", "2023-12"]
    assert police.select_months(published, settings, "url") == expected


def test_a_months_list_in_another_shape_names_the_url(ctx, mirror):
    mirror.fault("crimes-street-dates", Fault("body", body=b'{"dates": []}'))
    (_, problem), = refresh(ctx, "police_months").failed
    assert "expected a JSON list" in problem and "/api/crimes-street-dates" in problem
