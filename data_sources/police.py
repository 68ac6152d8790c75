"""data.police.uk: the months published, and public-order and ASB counts by LSOA.

The street-level crimes API answers one category, one month and one polygon at a time,
with at most 10,000 crimes (503 beyond) and 15 requests a second (bursts of 30; 429
beyond). Its crimes carry snapped coordinates but no LSOA code, so each district's
crimes are fetched with the district's outline and placed in LSOAs by point-in-polygon
(:func:`geo.points.assign_points`) against the boundaries cached from the ONS geoportal.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from data_sources.cache import Cache
from data_sources.errors import (
    DataSourceError,
    NotCachedError,
    SourceError,
    SourceFormatError,
    SourceUnavailableError,
)
from data_sources.http import Fetched, RateLimiter, full_url
from data_sources.police_placement import placement_note
from data_sources.refresh import OGL, Built, DatasetSpec, Download, NothingToFetch, RefreshContext
from data_sources.validate import LAD_CODE, LSOA_CODE, MONTH, TableSpec
from geo.points import assign_points
from settings import Settings

SOURCE = "police"
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: data.police.uk."
)
VINTAGE = "data.police.uk, as published"
CATEGORIES = ("public-order", "anti-social-behaviour")
COUNTS_ID = "police_lsoa_month"
ALL_AREAS = "all"
"""The police area that stands for every district of England."""
MAX_CODES_IN_NAME = 8

MAX_URL_LENGTH = 4094
"""Longer GET URLs are refused by the API; such polygons are sent by POST instead."""
MAX_POLY_POINTS = 250
"""Query outlines are simplified until they have at most this many points."""
FIRST_TOLERANCE = 0.0001
"""Degrees (about 10 m): the first simplification tolerance tried."""
MAX_SPLIT_DEPTH = 4
"""How many times an area answered with 503 (over 10,000 crimes) is cut in four.

Four cuts make 256 pieces, far more than any district needs; the bound also caps what a
police.uk outage (which answers 503 too) costs before the refresh gives up.
"""
TOO_MANY_CRIMES = 503
"""data.police.uk's answer when more than 10,000 crimes fall in the polygon."""
BURST = 30
"""Requests data.police.uk allows in a burst."""
SNAPPED_NOTE = (
    "police.uk locations are snapped to nearby points, so counts by LSOA are approximate"
)


@dataclass(frozen=True)
class District:
    """A district to fetch: its outline for the API and its LSOAs for placing crimes."""

    code: str
    name: str
    lsoas: gpd.GeoDataFrame
    queries: tuple[Polygon, ...]


@dataclass(frozen=True)
class Batch:
    """The crimes of one category and month returned for one query polygon."""

    month: str
    category: str
    crimes: list[dict]


# ---------------------------------------------------------------- months
def fetch_months(ctx: RefreshContext, limiter: RateLimiter) -> tuple[pd.DataFrame, Download]:
    """The months with street-level crimes, newest first as published, with their forces."""
    url = f"{ctx.settings.police_base_url}/api/crimes-street-dates"
    limiter.wait()
    download = ctx.download(url, source=SOURCE, raw_name="crimes-street-dates.json")
    return parse_months(download.content, download.url), download


def parse_months(content: bytes, url: str) -> pd.DataFrame:
    """Parse ``/api/crimes-street-dates`` into columns month and n_forces.

    Raises
    ------
    SourceFormatError
        When the body is not a JSON list of ``{"date": ..., "stop-and-search": [...]}``.
    """
    expected = 'a JSON list of {"date": "YYYY-MM", "stop-and-search": [force ids]}'
    try:
        items = json.loads(content)
    except ValueError as exc:
        raise SourceFormatError(SOURCE, url, f"expected {expected}, got no JSON ({exc})") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) and "date" in i for i in items):
        raise SourceFormatError(SOURCE, url, f"expected {expected}, got {str(items)[:200]}")
    return pd.DataFrame({
        "month": [item["date"] for item in items],
        "n_forces": [len(item.get("stop-and-search") or []) for item in items],
    })


def _build_months(ctx: RefreshContext) -> Built:
    limiter = RateLimiter(ctx.settings.police_rate_per_second, BURST)
    months, download = fetch_months(ctx, limiter)
    return Built(months, download)


def select_months(published: list[str], settings: Settings, url: str) -> list[str]:
    """The months to fetch, oldest first.

    ``police_from``..``police_to`` intersected with the published months when
    ``police_from`` is set; otherwise the latest ``police_months`` published months up to
    ``police_to`` (or the newest).

    Raises
    ------
    SourceError
        When no published month falls in the range asked for.
    """
    last = settings.police_to or max(published, default="")
    if settings.police_from:
        chosen = [m for m in published if settings.police_from <= m <= last]
    else:
        chosen = sorted((m for m in published if m <= last), reverse=True)
        chosen = chosen[: settings.police_months]
    if not chosen:
        span = f"{min(published)} to {max(published)}" if published else "no months"
        raise SourceError(
            SOURCE, url,
            f"no published month in {settings.police_from or 'the latest'} to {last}; "
            f"data.police.uk publishes {span}. Change GRA_POLICE_FROM / GRA_POLICE_TO",
        )
    return sorted(chosen)


# ---------------------------------------------------------------- districts
def load_districts(cache: Cache, codes: list[str]) -> list[District]:
    """The districts' outlines and LSOAs from the cached geoportal boundaries.

    Raises
    ------
    NotCachedError
        When the boundaries or the LSOA lookup are not cached (refresh geoportal first).
    DataSourceError
        When a code is not a district of ``boundaries_lad21`` or has no LSOAs.
    """
    try:
        lads = cache.load_table("boundaries_lad21", columns=["area_code", "area_name", "geometry"])
        lsoas = cache.load_table("boundaries_lsoa21", columns=["area_code", "geometry"])
        lookup = cache.load_table(
            "lookup_lsoa21_msoa21_lad22", columns=["lsoa21_code", "msoa21_code", "lad22_code"]
        )
    except NotCachedError as exc:
        raise NotCachedError(
            f"{SOURCE}: crimes are placed in LSOAs with the ONS boundaries, which are not "
            f"cached ({exc}). Refresh the geoportal first: "
            "python -m data_sources refresh --source geoportal"
        ) from exc
    lads = lads.to_crs("EPSG:4326").set_index("area_code")
    lsoas = lsoas.to_crs("EPSG:4326").merge(lookup, left_on="area_code", right_on="lsoa21_code")
    return [_district(code, lads, lsoas) for code in resolve_areas(codes, lads.index, lookup)]


def resolve_areas(codes: list[str], lad_codes: pd.Index, lookup: pd.DataFrame) -> list[str]:
    """The districts to fetch for the police areas asked for, in order, without repeats.

    ``all`` (:data:`ALL_AREAS`) stands for every district of England; an LSOA or MSOA
    code for the district it lies in (so the app can ask for "the selected area"). Other
    codes are kept as they are, for :func:`_district` to check.
    """
    districts: list[str] = []
    for code in codes:
        if code.lower() == ALL_AREAS:
            districts += sorted(c for c in lad_codes if re.fullmatch(LAD_CODE, c))
            continue
        column = {"E01": "lsoa21_code", "E02": "msoa21_code"}.get(code[:3])
        found = lookup.loc[lookup[column] == code, "lad22_code"] if column else None
        districts.append(str(found.iloc[0]) if found is not None and not found.empty
                         else code)
    return list(dict.fromkeys(districts))


def _district(code: str, lads: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame) -> District:
    if code not in lads.index:
        raise DataSourceError(
            f"{SOURCE}: {code} is not a district (LAD 2021 code) in boundaries_lad21; "
            "choose codes such as E06000016 (Leicester) with GRA_POLICE_AREAS or --police-area"
        )
    own = lsoas.loc[lsoas["lad22_code"] == code, ["area_code", "geometry"]].reset_index(drop=True)
    if own.empty:
        raise DataSourceError(f"{SOURCE}: no LSOA of lookup_lsoa21_msoa21_lad22 is in {code}")
    # The LSOAs' union covers crimes the coarser district outline would cut off.
    outline = shapely.union_all([lads.at[code, "geometry"], *own.geometry])
    queries = tuple(simplify_for_query(part) for part in _polygons(outline))
    return District(code, str(lads.at[code, "area_name"]), own, queries)


def _polygons(geometry: BaseGeometry) -> Iterator[Polygon]:
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, Polygon) and part.area > 0:
            yield part
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            yield from _polygons(part)


def simplify_for_query(part: Polygon) -> Polygon:
    """An outline of at most ``MAX_POLY_POINTS`` points that still covers ``part``.

    The polygon is buffered by twice the tolerance before simplifying, so the simplified
    line never cuts into the area; holes are dropped (crimes are filtered by LSOA later).
    Coordinates in degrees (EPSG:4326).
    """
    tolerance = FIRST_TOLERANCE
    while True:
        grown = Polygon(part.exterior).buffer(2 * tolerance, join_style="mitre", mitre_limit=2)
        outline = Polygon(grown.simplify(tolerance).exterior)
        if len(outline.exterior.coords) - 1 <= MAX_POLY_POINTS:
            return outline
        tolerance *= 2


def poly_parameter(polygon: Polygon) -> str:
    """The API's ``poly`` value: ``lat,lng:lat,lng:...`` to 5 decimals (about 1 m)."""
    return ":".join(f"{lat:.5f},{lng:.5f}" for lng, lat in polygon.exterior.coords[:-1])


def quadrants(polygon: Polygon) -> Iterator[Polygon]:
    """The polygon cut in four at the middle of its bounds (slightly overlapping)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    mid_x, mid_y = (min_x + max_x) / 2, (min_y + max_y) / 2
    # Overlap a little so a crime on a cut line is in at least one quarter after rounding.
    pad = 2e-5
    for cell in (
        box(min_x, min_y, mid_x + pad, mid_y + pad),
        box(mid_x - pad, min_y, max_x, mid_y + pad),
        box(min_x, mid_y - pad, mid_x + pad, max_y),
        box(mid_x - pad, mid_y - pad, max_x, max_y),
    ):
        yield from _polygons(polygon.intersection(cell))


# ---------------------------------------------------------------- crimes
def fetch_polygon_crimes(
    ctx: RefreshContext, limiter: RateLimiter, polygon: Polygon, category: str, month: str,
    depth: int = 0,
) -> list[dict]:
    """The crimes of one category and month inside ``polygon``, in the API's JSON form.

    An answer of 503 (more than 10,000 crimes) cuts the polygon in four and asks again,
    at most ``MAX_SPLIT_DEPTH`` times deep. The same crime may come back twice where
    quarters overlap; callers drop duplicates by ``id``.

    Raises
    ------
    SourceUnavailableError
        When the API keeps answering 503 for the smallest pieces, or cannot be reached.
    SourceFormatError
        When an answer is not a JSON list of crimes.
    """
    url = f"{ctx.settings.police_base_url}/api/crimes-street/{category}"
    fields = {"date": month, "poly": poly_parameter(polygon)}
    fetched = _request(ctx, limiter, url, fields)
    if fetched.status == TOO_MANY_CRIMES:
        if depth >= MAX_SPLIT_DEPTH:
            raise SourceUnavailableError(
                SOURCE, fetched.url,
                f"HTTP 503 for {category} in {month} even after cutting the area in four "
                f"{MAX_SPLIT_DEPTH} times: more than 10,000 crimes at nearly one point, or the "
                "API is down. Try again later",
            )
        return [
            crime
            for quarter in quadrants(polygon)
            for crime in fetch_polygon_crimes(ctx, limiter, quarter, category, month, depth + 1)
        ]
    return parse_crimes(fetched)


def _request(
    ctx: RefreshContext, limiter: RateLimiter, url: str, fields: dict[str, str]
) -> Fetched:
    limiter.wait()
    accept = frozenset({200, TOO_MANY_CRIMES})
    if len(full_url(url, fields)) > MAX_URL_LENGTH:
        return ctx.fetch(url, source=SOURCE, method="POST", data=fields, ok_statuses=accept)
    return ctx.fetch(url, source=SOURCE, params=fields, ok_statuses=accept)


def parse_crimes(fetched: Fetched) -> list[dict]:
    """The crimes of a ``crimes-street`` answer, checked to carry an id and a location."""
    try:
        crimes = json.loads(fetched.content)
    except ValueError as exc:
        problem = f"expected a JSON list of crimes ({exc})"
        raise SourceFormatError(SOURCE, fetched.url, problem) from exc
    if not isinstance(crimes, list) or not all(
        isinstance(c, dict) and "id" in c and "location" in c for c in crimes
    ):
        raise SourceFormatError(
            SOURCE, fetched.url,
            f"expected a JSON list of crimes with id and location, got {str(crimes)[:200]}",
        )
    return crimes


def fetch_district(
    ctx: RefreshContext, limiter: RateLimiter, district: District, months: list[str]
) -> list[Batch]:
    """Every crime of both categories in each month, for each query polygon of a district."""
    return [
        Batch(month, category, fetch_polygon_crimes(ctx, limiter, polygon, category, month))
        for month in months
        for category in CATEGORIES
        for polygon in district.queries
    ]


def crimes_frame(batches: list[Batch]) -> pd.DataFrame:
    """One row per distinct crime (by ``id``): id, month, category, latitude, longitude."""
    rows = [
        (crime["id"], b.month, b.category, *_coordinates(crime))
        for b in batches
        for crime in b.crimes
    ]
    frame = pd.DataFrame(rows, columns=["id", "month", "category", "latitude", "longitude"])
    for column in ("latitude", "longitude"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame.drop_duplicates("id", ignore_index=True)


def _coordinates(crime: dict) -> tuple[object, object]:
    location = crime.get("location") or {}
    return location.get("latitude"), location.get("longitude")


def count_by_lsoa(crimes: pd.DataFrame, district: District, months: list[str]) -> pd.DataFrame:
    """Counts for every (LSOA of the district, month, category), zeros included.

    Crimes outside the district's LSOAs (the query outline is a little larger) are dropped.
    A month in which the whole district has no crime of either category is a month its
    force did not publish (the API answers an empty list), so its counts are left empty
    rather than shown as zeros.
    """
    placed = crimes.assign(lsoa21_code=assign_points(crimes, district.lsoas))
    counts = placed.dropna(subset=["lsoa21_code"]).groupby(
        ["lsoa21_code", "month", "category"]
    ).size()
    grid = pd.MultiIndex.from_product(
        [sorted(district.lsoas["area_code"]), months, list(CATEGORIES)],
        names=["lsoa21_code", "month", "category"],
    )
    table = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    unpublished = table.groupby("month")["count"].transform("sum") == 0
    table["count"] = table["count"].astype("Int64").mask(unpublished)
    return table.assign(lad_code=district.code)


def _label(code: str, names: dict[str, str]) -> str:
    return f"{code} ({names[code]})" if code in names else code


def unpublished_notes(table: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """One note per district with months left empty because police.uk returned nothing."""
    empty = table[table["count"].isna()].groupby("lad_code")["month"].unique()
    return [
        f"{_label(code, names)}: police.uk returned no crimes at all for "
        f"{', '.join(sorted(months))}; those months are left empty, not zero (the force "
        "probably had not published them)"
        for code, months in empty.items()
    ]


def merge_with_cached(cache: Cache, fresh: pd.DataFrame) -> pd.DataFrame:
    """``fresh`` plus the cached rows of other districts or months.

    Cached rows of a district and month that ``fresh`` holds are replaced.
    """
    try:
        cached = cache.load_table(COUNTS_ID)
    except NotCachedError:
        return fresh
    replaced = pd.MultiIndex.from_frame(cached[["lad_code", "month"]]).isin(
        pd.MultiIndex.from_frame(fresh[["lad_code", "month"]])
    )
    kept = cached.loc[~replaced, list(fresh.columns)]
    merged = pd.concat([kept.astype(fresh.dtypes.to_dict()), fresh], ignore_index=True)
    return merged.sort_values(["lad_code", "month", "category", "lsoa21_code"], ignore_index=True)


def coverage_notes(table: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """One note per district in the table: which months it covers."""
    notes = []
    for code, months in table.groupby("lad_code")["month"]:
        distinct = sorted(set(months))
        label = _label(code, names)
        notes.append(
            f"Covers {label}: {len(distinct)} month(s), {distinct[0]} to {distinct[-1]}"
        )
    return notes


def _build_counts(ctx: RefreshContext) -> Built:
    settings = ctx.settings
    if not settings.police_areas:
        raise NothingToFetch(
            "no police areas chosen. Set GRA_POLICE_AREAS to district (LAD 2021) codes, e.g. "
            "GRA_POLICE_AREAS=E06000016 (or 'all' for every district of England), or run "
            "refresh with --police-area E06000016"
        )
    districts = load_districts(ctx.cache, settings.police_areas)
    limiter = RateLimiter(settings.police_rate_per_second, BURST)
    published, dates = fetch_months(ctx, limiter)
    months = select_months(published["month"].tolist(), settings, dates.url)
    fresh, raw = [], {}
    for district in districts:
        ctx.log(f"  {district.code} {district.name}: {len(months)} month(s) from {months[0]}")
        batches = fetch_district(ctx, limiter, district, months)
        raw[district.code] = [asdict(b) for b in batches]
        fresh.append(count_by_lsoa(crimes_frame(batches), district, months))
    table = merge_with_cached(ctx.cache, pd.concat(fresh, ignore_index=True))
    url = f"{settings.police_base_url}/api/crimes-street/"
    body = json.dumps({"months": months, "categories": CATEGORIES, "districts": raw}).encode()
    download = ctx.keep_raw(SOURCE, raw_name(districts), body, url)
    names = {d.code: d.name for d in districts}
    notes = [SNAPPED_NOTE, placement_note(ctx.cache), *coverage_notes(table, names),
             *unpublished_notes(table, names)]
    return Built(table, download, notes)


def raw_name(districts: list[District]) -> str:
    """The raw file's name: the districts' codes, or their number and a digest when many
    (all of England's codes would pass a file system's 255-character limit)."""
    codes = [d.code for d in districts]
    if len(codes) <= MAX_CODES_IN_NAME:
        return f"crimes-street-{'-'.join(codes)}.json"
    digest = hashlib.sha256(",".join(codes).encode()).hexdigest()[:12]
    return f"crimes-street-{len(codes)}-districts-{digest}.json"


MONTHS_TABLE = TableSpec(
    name="police.uk months",
    columns={"month": "code", "n_forces": "int"},
    key=("month",),
    patterns={"month": MONTH},
)

COUNTS_TABLE = TableSpec(
    name="police.uk counts by LSOA and month",
    columns={
        "lsoa21_code": "code", "month": "code", "category": "code", "count": "int",
        "lad_code": "code",
    },
    key=("lsoa21_code", "month", "category"),
    patterns={
        "lsoa21_code": LSOA_CODE,
        "month": MONTH,
        "category": "|".join(CATEGORIES),
        "lad_code": LAD_CODE,
    },
)

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="police_months",
        source=SOURCE,
        title="Months with street-level crime data on data.police.uk",
        vintage=VINTAGE,
        geography="England and Wales forces",
        licence=OGL,
        attribution=ATTRIBUTION,
        table=MONTHS_TABLE,
        build=_build_months,
    ),
    DatasetSpec(
        id=COUNTS_ID,
        source=SOURCE,
        title="Public-order crimes and anti-social behaviour by LSOA and month",
        vintage=VINTAGE,
        geography="LSOA 2021",
        licence=OGL,
        attribution=ATTRIBUTION,
        table=COUNTS_TABLE,
        build=_build_counts,
        level="lsoa",
    ),
)
