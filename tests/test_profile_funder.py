"""The area profile a funder accepts (issue 14): definitions and a glossary, the edition of
every figure and why editions differ, only the sources used with their fetch dates, a
locator map, the generation date and a link back, the suppressed tension-report section,
no heading left alone at a page foot, and LSOA profiles with the IoD domains and
population (or why it is missing). PDFs are read back with pypdf."""

from __future__ import annotations

import io
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
from pypdf import PdfReader
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from data_sources.cache import Cache, Provenance
from geo.locator import LocatorShapes
from indicators.profile import build_profile, comparison_table
from indicators.profile_export import ExportContext, render_charts, render_html, render_pdf
from indicators.profile_locator import render_locator
from indicators.profile_terms import editions
from settings import PROJECT_ROOT, get_settings
from tests.test_profile import benchmarks, districts

PAGE = str(PROJECT_ROOT / "views" / "profile.py")
HEADINGS = {"Where it is", "Summary", "Key indicators", "Not available for this area",
            "What the figures mean", "Glossary", "Editions of the figures",
            "Similar areas", "Tension reports", "Sources"}
LINK = "https://atlas.example.org/profile?area=E06000000&level=lad"


def shapes() -> LocatorShapes:
    grid = "EPSG:27700"
    regions = gpd.GeoSeries([box(0, 0, 100_000, 100_000), box(100_000, 0, 200_000, 100_000)],
                            crs=grid)
    return LocatorShapes(gpd.GeoSeries([box(10_000, 10_000, 20_000, 30_000)], crs=grid),
                         regions.iloc[[0]].reset_index(drop=True), regions,
                         ("boundaries_lad21", "boundaries_region"))


def context(**changes) -> ExportContext:
    reports = pd.DataFrame({"Year": ["2024", "2025"], "Approved reports": ["<5", "12"]})
    values = {"generated": "1 December 2026, 14:05 UTC", "link": LINK, "reports": reports,
              "locator": render_locator(shapes(), "Ménage-sur-Łódź", "North East")}
    return ExportContext(**(values | changes))


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_has_every_section_a_funder_asks_for():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"},
                            benchmarks=benchmarks())
    pdf = render_pdf(profile, [], render_charts(profile), context())
    pages = pdf_pages(pdf)
    text = " ".join(pages)
    for heading in HEADINGS - {"Not available for this area"}:
        assert heading in text, heading
    assert "Made by Good Relations Atlas on 1 December 2026, 14:05 UTC" in pages[0]
    assert LINK in pages[0].replace("\n", "")
    assert PdfReader(io.BytesIO(pdf)).pages[0].images, "no locator map on page 1"
    # The tension reports as on the page: suppressed counts shown as <5.
    assert "<5" in text and "1 to 4 are shown as <5" in text
    # Definitions, the glossary and the editions.
    assert "Index of dissimilarity (D)" in text and "Simpson diversity" in text
    assert "Entropy (Theil's H)" in text and "Rank and decile" in text
    assert "IMD average score (IoD 2025)" in text
    assert "Population-weighted average of the IMD scores" in text.replace("\n", " ")
    assert "Census 2021 (21 March 2021)" in text


def test_the_names_people_use_are_in_the_pdf_and_html_with_their_source():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"})
    named = context(local_name="Highfields; ward: Stoneygate")
    first = " ".join(pdf_pages(render_pdf(profile, [], [], named))[0].split())
    assert "Known locally as: Highfields; ward: Stoneygate" in first
    assert "House of Commons Library MSOA names" in first
    assert "Known locally as: Highfields" in render_html(profile, [], [], named)
    assert "Known locally" not in pdf_pages(render_pdf(profile, [], [], context()))[0]


def test_html_says_the_same():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"})
    page = render_html(profile, [], [], context(reports=None, locator=None))
    assert f"href='{LINK.replace('&', '&amp;')}'" in page
    assert "Report counts are unavailable" in page
    assert "<h2>What the figures mean</h2>" in page and "Glossary" in page


@pytest.fixture(scope="module")
def drawn():
    profile = build_profile(districts(), "E06000000", {"E12000001": "North East"},
                            benchmarks=benchmarks())
    return profile, render_charts(profile)


@pytest.mark.parametrize("extra", range(0, 48, 4))
def test_no_heading_alone_at_a_page_foot(drawn, extra):
    base, charts = drawn
    profile = replace(base, sentences=base.sentences + [
        f"Sentence {i} that pushes the later sections down the page." for i in range(extra)])
    pdf = render_pdf(profile, [], charts, context(locator=None))
    images = [len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages]
    for number, text in enumerate(pdf_pages(pdf)[:-1], start=1):
        body = [line.strip() for line in text.splitlines()
                if line.strip() and "page " + str(number) not in line]
        assert body[-1] not in HEADINGS, f"'{body[-1]}' alone at the foot of page {number}"
        # A chart's title may end a page's text only with the chart (an image) under it.
        if body[-1] in {c.title for c in charts}:
            assert images[number - 1], f"'{body[-1]}' without its chart on page {number}"


def test_editions_say_why_two_iod_editions_appear():
    lines = editions(["IoD 2025, computed on LSOA 2021", "IoD 2019, computed on the 2011 "
                      "LSOAs", "Census 2021"])
    assert any(line.startswith("Why two IoD editions") for line in lines)
    only_2019 = editions(["IoD 2019 mapped to LSOA 2021"])
    assert "IoD 2025 figures of this area are not in the cache" in only_2019[-1]


def test_england_is_one_constant_on_every_profile():
    """Issue 12's fix: England comes from the build's benchmarks, the same on every profile."""
    first, other = (comparison_table(build_profile(districts(), code, benchmarks=benchmarks()))
                    .set_index("Indicator")["England"] for code in ("E06000000", "E06000007"))
    assert first.loc["IMD average score (IoD 2025)"] == other.loc[
        "IMD average score (IoD 2025)"]


# ---------------------------------------------------------------- the page (AppTest)
def lsoas() -> pd.DataFrame:
    """Six invented LSOAs with IoD 2025 domain scores; no Census residents in this build."""
    n = 6
    rows = pd.DataFrame({
        "area_code": [f"E0100000{i}" for i in range(n)],
        "area_name": [f"Mockford 00{i}A" for i in range(n)], "level": "lsoa",
        "lad_code": "E06000001", "region_code": "E12000001",
        "population_2021": pd.array([None] * n, dtype="Float64"),
        "imd_score": [10.0 + i for i in range(n)],
        "income_score": [0.1 + 0.01 * i for i in range(n)],
        "crime_score": [0.5 - 0.1 * i for i in range(n)],
        "simpson_diversity": [0.2 + 0.05 * i for i in range(n)],
    })
    rows.attrs["na_reasons"] = [
        "lsoa population_2021: Census 2021 counts by LSOA are not cached "
        "(census2021_ethnicity_lsoa failed)"]
    return rows


def store(cache: Cache, dataset: str, frame: pd.DataFrame, notes: list[str] | None = None):
    cache.store_table(frame, Provenance(
        dataset=dataset, source="test", title=f"Title of {dataset}", url="",
        vintage="Test vintage", geography="LSOA 2021", licence="OGL v3.0",
        attribution="Test.", fetched_at="2026-11-30T09:00:00Z", notes=notes or []))


def lsoa_cache(root) -> Cache:
    cache = Cache(root)
    store(cache, "iod2025_lsoa", pd.DataFrame({"x": [1]}))
    store(cache, "joined_area_indicator", lsoas(), notes=[
        "input iod2025_lsoa: sha256 ab, fetched at 2026-11-30T09:00:00Z",
        "input census2021_ethnicity_lsoa missing: HTTP 404"])
    cache.record_failure(Provenance(
        dataset="census2021_ethnicity_lsoa", source="nomis", title="Census 2021 by LSOA",
        url="", vintage="Census 2021", geography="LSOA 2021", licence="OGL",
        attribution="ONS."), "HTTP 404")
    return cache


def run(monkeypatch, root, area: str) -> AppTest:
    monkeypatch.setenv("GRA_CACHE_DIR", str(root))
    monkeypatch.setenv("GRA_DATABASE_URL", f"sqlite:///{root}/reports.db")
    get_settings.cache_clear()
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params["area"] = area
    app.run()
    assert not app.exception, app.exception
    return app


def test_lsoa_profile_shows_domains_and_why_residents_are_missing(tmp_path, monkeypatch):
    lsoa_cache(tmp_path)
    app = run(monkeypatch, tmp_path, "E01000002")
    assert app.caption[0].value == "Small area (LSOA) E01000002"
    key = app.dataframe[0].value
    shown = dict(zip(key["Indicator"], key["Mockford 002A"], strict=True))
    assert shown["Income deprivation (IoD 2025): score"] == "12.0%"
    assert shown["Crime (IoD 2025): score"] == "0.300"
    missing = app.dataframe[1].value.set_index("Indicator")["Why not available"]
    assert "Census 2021 counts by LSOA are not cached" in missing["Residents (Census 2021)"]
    meanings = app.dataframe[2].value
    assert "Crime (IoD 2025): score" in list(meanings["Indicator"])
    texts = [t.value for t in app.text]
    assert texts == ["Title of iod2025_lsoa (Test vintage; fetched 2026-11-30). Test. "
                     "Licence: OGL v3.0."]  # the failed Census download is not cited
    markdown = " ".join(m.value for m in app.markdown)
    assert "Index of dissimilarity \\(D\\)" in markdown or "Index of dissimilarity (D)" in (
        markdown)
    assert "English Indices of Deprivation 2025" in markdown
