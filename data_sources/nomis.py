"""Census 2021 and 2011 ethnic group counts (and optional 2021 tables) from Nomis.

* **Census 2021 TS021** by LSOA, MSOA and LAD: read from the bulk zip
  ``output/census/2021/census2021-ts021.zip`` (one wide CSV member per level). When the zip
  lacks a level's member, the counts come from the Nomis API (``NM_2041_1``) instead.
* **Census 2011 KS201EW** by LSOA, MSOA and LAD: from the Nomis API (``NM_608_1``).
* **Optional Census 2021 tables** (TS004 country of birth, TS030 religion, TS029 English
  proficiency) from their bulk zips, one integer column per published category; a level
  the zip lacks comes from the Nomis API (``NM_2024_1``, ``NM_2049_1``, ``NM_2048_1``).

Categories are chosen by label, never by code: :mod:`data_sources.census_labels` maps both
the 2021 and the 2011 labels onto our column ids. Every row must add up: detailed groups to
their broad group, broad groups to the total. API answers come through the paged client in
:mod:`data_sources.nomis_api`. England only: Welsh rows are dropped.

This module holds the bulk-zip reading, the tidying and checking of counts tables, the
build functions and :data:`DATASETS`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_sources.census_labels import BROADS, IDS_2011, IDS_2021, Fail, select_categories, slug
from data_sources.errors import SourceError, SourceUnavailableError
from data_sources.nomis_api import SOURCE, failer, fetch_api_table
from data_sources.refresh import OGL, Built, DatasetSpec, Download, RefreshContext
from data_sources.validate import ENGLAND_ROWS, LAD_CODE, LSOA_CODE, MSOA_CODE, TableSpec

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0."
)
BULK_PATH = "/output/census/2021"
LAD_2011_MIN_ROWS = 320  # England had 326 districts in 2011; Nomis TYPE464 is not pinned
PERTURBATION_NOTE = (
    "Census 2021 counts are perturbed (cell key perturbation); totals differ slightly "
    "between tables."
)


@dataclass(frozen=True)
class Geo:
    """One geography level of a census: its bulk member, API geography and checks."""

    level: str
    geography: str
    pattern: str
    api_geography: str
    member: str = ""

    @property
    def rows(self) -> int | None:
        """England's exact row count at this level, when it is pinned."""
        return ENGLAND_ROWS.get(self.geography)


@dataclass(frozen=True)
class Census:
    """One census's ethnic group table: its ids, API dataset and levels."""

    year: int
    table: str
    ids: tuple[str, ...]
    dataset: str
    dimension: str
    levels: dict[str, Geo]
    params: dict[str, str] = field(default_factory=dict)

    @property
    def vintage(self) -> str:
        return f"Census {self.year}"


ENGLAND = "2092957699"
CENSUS2021 = Census(
    year=2021,
    table="TS021",
    ids=IDS_2021,
    dataset="NM_2041_1",
    dimension="c2021_eth_20",
    levels={
        "lsoa": Geo("lsoa", "LSOA 2021", LSOA_CODE, f"{ENGLAND}TYPE151", "lsoa"),
        "msoa": Geo("msoa", "MSOA 2021", MSOA_CODE, f"{ENGLAND}TYPE152", "msoa"),
        "lad": Geo("lad", "LAD 2021", LAD_CODE, f"{ENGLAND}TYPE154", "ltla"),
    },
)
CENSUS2011 = Census(
    year=2011,
    table="KS201EW",
    ids=IDS_2011,
    dataset="NM_608_1",
    dimension="cell",
    levels={
        "lsoa": Geo("lsoa", "LSOA 2011", LSOA_CODE, f"{ENGLAND}TYPE298"),
        "msoa": Geo("msoa", "MSOA 2011", MSOA_CODE, f"{ENGLAND}TYPE297"),
        "lad": Geo("lad", "LAD 2011", LAD_CODE, f"{ENGLAND}TYPE464"),
    },
    params={"rural_urban": "0"},
)
# Optional 2021 tables: our topic -> (bulk table id, title).
TOPICS = {
    "country_of_birth": ("ts004", "Country of birth"),
    "religion": ("ts030", "Religion"),
    "english_proficiency": ("ts029", "Proficiency in English"),
}
# Their Nomis API datasets: bulk table id -> (dataset, category dimension, the prefix of
# the bulk labels, which the API's category names lack).
TOPIC_API = {
    "ts004": ("NM_2024_1", "c2021_cob_12", "Country of birth"),
    "ts030": ("NM_2049_1", "c2021_religion_10", "Religion"),
    "ts029": ("NM_2048_1", "c2021_engprf_6", "Proficiency in English language"),
}


# ---------------------------------------------------------------- counts tables


def _numbers(frame: pd.DataFrame, fail: Fail) -> pd.DataFrame:
    """Every column of ``frame`` as Int64; a blank or non-whole value raises."""
    out = {}
    for column in frame.columns:
        text = frame[column].astype("string").str.replace(",", "", regex=False).str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0)
        if bad.any():
            raise fail(f"column {column!r} should hold whole counts but holds "
                       f"{text[bad].head(3).tolist()}")
        out[column] = numbers.astype("Int64")
    return pd.DataFrame(out, index=frame.index)


def england_only(frame: pd.DataFrame, geo: Geo, fail: Fail) -> tuple[pd.DataFrame, int]:
    """The English rows of ``geo``'s level and how many Welsh rows were dropped."""
    codes = frame["area_code"].astype("string").str.strip()
    english = codes.str.fullmatch(geo.pattern).fillna(False)
    welsh = codes.str.startswith("W").fillna(False)
    odd = ~english & ~welsh
    if odd.any():
        raise fail(f"{int(odd.sum()):,} code(s) that are not {geo.geography} areas, "
                   f"e.g. {codes[odd].head(3).tolist()}")
    return frame[english].reset_index(drop=True), int(welsh.sum())


def check_sums(frame: pd.DataFrame, ids: tuple[str, ...], fail: Fail) -> None:
    """Raise unless detailed groups add up to their broad group and broad groups to total."""
    checks = {b: [c for c in ids if c.startswith(f"{b}_")] for b in BROADS}
    checks["total"] = list(BROADS)
    for whole, parts in checks.items():
        sums = frame[parts].sum(axis=1)
        bad = sums != frame[whole]
        if bad.any():
            sample = [f"{code} {whole} {total} vs {parts_sum} summed"
                      for code, total, parts_sum in zip(frame.loc[bad, "area_code"][:3],
                                                        frame.loc[bad, whole][:3],
                                                        sums[bad][:3], strict=True)]
            raise fail(f"{int(bad.sum()):,} row(s) where {'+'.join(parts)} do not add up to "
                       f"{whole}, e.g. {sample}")


def ethnicity_table(
    wide: pd.DataFrame, census: Census, geo: Geo, fail: Fail
) -> tuple[pd.DataFrame, int]:
    """Tidy a wide table (``area_code``, ``area_name``, one column per label) of counts.

    Returns the table with ``area_code``, ``area_name`` and ``census.ids`` (Int64) for
    England, and the number of Welsh rows dropped.
    """
    labels = [c for c in wide.columns if c not in ("area_code", "area_name")]
    chosen = select_categories(labels, census.ids, fail)
    counts = _numbers(wide[list(chosen.values())].set_axis(list(chosen), axis=1), fail)
    names = wide[["area_code", "area_name"]].astype("string").apply(lambda s: s.str.strip())
    frame, dropped = england_only(pd.concat([names, counts], axis=1), geo, fail)
    check_sums(frame, census.ids, fail)
    return frame, dropped


# ---------------------------------------------------------------- bulk zips


def bulk_zip_url(ctx: RefreshContext, table: str) -> str:
    """The publisher's URL of Census 2021 bulk zip ``table`` (e.g. ``ts021``)."""
    return f"{ctx.settings.nomis_base_url}{BULK_PATH}/census2021-{table}.zip"


def download_bulk(ctx: RefreshContext, table: str) -> Download:
    """Download a bulk zip once per refresh; a 404 says the file is not at the publisher."""
    url = bulk_zip_url(ctx, table)
    name = url.rsplit("/", 1)[-1]
    try:
        return ctx.download(url, source=SOURCE, raw_name=name)
    except SourceUnavailableError as exc:
        if "HTTP 404" not in exc.problem:
            raise
        raise SourceUnavailableError(
            SOURCE, url, f"HTTP 404 Not Found: {name} was not found at the publisher"
        ) from exc


def zip_member(content: bytes, member: str, fail: Fail) -> bytes | None:
    """The bytes of ``member`` (matched by file name, any folder), or None when absent."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise fail(f"not a readable zip file ({exc})") from exc
    with archive:
        for info in archive.infolist():
            if info.filename.rsplit("/", 1)[-1].casefold() == member.casefold():
                return archive.read(info)
    return None


def zip_names(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.namelist()


def read_bulk_csv(content: bytes, fail: Fail) -> pd.DataFrame:
    """A Nomis bulk CSV (``date,geography,geography code,<labels>``) as a wide frame.

    Returns ``area_code``, ``area_name`` and the label columns as published (text).
    """
    if not content.strip():
        raise fail("the file is empty")
    try:
        raw = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise fail(f"not a readable CSV ({exc.__class__.__name__}: {str(exc)[:200]})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    lower = {c.casefold(): c for c in raw.columns}
    missing = [c for c in ("geography", "geography code") if c not in lower]
    if missing:
        raise fail(f"no {missing} column; the header begins {list(raw.columns)[:6]}")
    labels = [c for c in raw.columns if c.casefold() not in ("date", "geography",
                                                             "geography code")]
    frame = raw[labels].copy()
    frame.insert(0, "area_name", raw[lower["geography"]])
    frame.insert(0, "area_code", raw[lower["geography code"]])
    return frame


def parse_ts021(content: bytes, url: str, geo: Geo) -> tuple[pd.DataFrame, int]:
    """Parse a TS021 bulk CSV member into England's ethnic group counts at ``geo``.

    Parameters
    ----------
    content
        The CSV bytes of e.g. ``census2021-ts021-msoa.csv``.
    url
        Where they came from, for error messages.
    geo
        The level (code pattern of its English areas).

    Returns
    -------
    tuple of (DataFrame, int)
        ``area_code``, ``area_name`` and the :data:`IDS_2021` counts (Int64), one row per
        English area; and how many Welsh rows were dropped.

    Raises
    ------
    SourceFormatError
        When the CSV is unreadable, a category is missing or unrecognised, a count is not
        a whole number, a code is not of the level, or a row does not add up.
    """
    fail = failer(url, f"Census 2021 TS021 ({geo.geography})")
    return ethnicity_table(read_bulk_csv(content, fail), CENSUS2021, geo, fail)


def parse_topic(content: bytes, url: str, geo: Geo, title: str) -> tuple[pd.DataFrame, int]:
    """Parse an optional 2021 bulk CSV: ``area_code``, ``area_name``, ``total``, categories.

    Category ids are slugs of the labels without the table's own prefix (``"Religion: "``),
    e.g. ``no_religion``; the one label starting ``Total`` becomes ``total``.
    """
    fail = failer(url, f"Census 2021 {title} ({geo.geography})")
    return topic_table(read_bulk_csv(content, fail), geo, fail)


def topic_table(wide: pd.DataFrame, geo: Geo, fail: Fail) -> tuple[pd.DataFrame, int]:
    """An optional table from its wide counts (``area_code``, ``area_name``, one column per
    category label with the table's prefix), as :func:`parse_topic` describes."""
    labels = list(wide.columns[2:])
    ids = [_topic_id(label) for label in labels]
    if ids.count("total") != 1:
        raise fail(f"expected one Total column, found {ids.count('total')} in {labels}")
    if len(set(ids)) != len(ids) or "" in ids:
        raise fail(f"labels do not give distinct column names: {labels}")
    counts = _numbers(wide[labels].set_axis(ids, axis=1), fail)
    names = wide[["area_code", "area_name"]].astype("string").apply(lambda s: s.str.strip())
    frame, dropped = england_only(pd.concat([names, counts], axis=1), geo, fail)
    rest = [i for i in ids if i != "total"]
    return frame[["area_code", "area_name", "total", *rest]], dropped


def _topic_id(label: str) -> str:
    text = re.sub(r";\s*measures:.*$", "", label, flags=re.IGNORECASE)
    parts = text.split(": ")
    rest = parts[1:] if len(parts) > 1 else parts
    return "total" if rest[0].strip().casefold().startswith("total") else slug(" ".join(rest))


# ---------------------------------------------------------------- build functions


def census2021_builder(geo: Geo) -> Callable[[RefreshContext], Built]:
    """Build TS021 at ``geo`` from the bulk zip, or from the API when the zip lacks it."""

    def build(ctx: RefreshContext) -> Built:
        download = download_bulk(ctx, "ts021")
        member = f"census2021-ts021-{geo.member}.csv"
        fail = failer(download.url, f"Census 2021 TS021 ({geo.geography})")
        content = zip_member(download.content, member, fail)
        notes = [PERTURBATION_NOTE]
        if content is None:
            return _ts021_from_api(ctx, geo, download, member, notes)
        frame, dropped = parse_ts021(content, f"{download.url} ({member})", geo)
        notes.append(f"Read from {member} in the Nomis bulk zip, which predates ONS's "
                     "2023-03-28 re-release of TS021 (counts may differ slightly).")
        return Built(frame, download, notes + _dropped_note(dropped))

    return build


def _ts021_from_api(
    ctx: RefreshContext, geo: Geo, bulk: Download, member: str, notes: list[str]
) -> Built:
    lacks = (f"the bulk zip {bulk.url} has no member {member} "
             f"(it holds {zip_names(bulk.content)})")
    ctx.log(f"  {lacks}; trying the Nomis API")
    try:
        wide, download, pages = fetch_api_table(ctx, CENSUS2021, geo)
        fail = failer(download.url, f"Census 2021 TS021 API ({geo.geography})")
        frame, dropped = ethnicity_table(wide, CENSUS2021, geo, fail)
    except SourceError as exc:
        raise type(exc)(SOURCE, exc.url, f"{lacks}, and the Nomis API fallback failed: "
                                         f"{exc.problem}") from exc
    notes.append(f"{geo.level.upper()} counts fetched from the Nomis API ({CENSUS2021.dataset}, "
                 f"{pages} page(s)) because the bulk zip had no {geo.member} member.")
    return Built(frame, download, notes + _dropped_note(dropped))


def census2011_builder(geo: Geo) -> Callable[[RefreshContext], Built]:
    """Build KS201EW at ``geo`` from the Nomis API."""

    def build(ctx: RefreshContext) -> Built:
        wide, download, pages = fetch_api_table(ctx, CENSUS2011, geo)
        fail = failer(download.url, f"Census 2011 KS201EW ({geo.geography})")
        frame, dropped = ethnicity_table(wide, CENSUS2011, geo, fail)
        notes = [f"Fetched from the Nomis API ({CENSUS2011.dataset}, {pages} page(s))."]
        return Built(frame, download, notes + _dropped_note(dropped))

    return build


def topic_builder(table: str, title: str, geo: Geo) -> Callable[[RefreshContext], Built]:
    """Build an optional Census 2021 table at ``geo`` from its bulk zip."""

    def build(ctx: RefreshContext) -> Built:
        download = download_bulk(ctx, table)
        member = f"census2021-{table}-{geo.member}.csv"
        fail = failer(download.url, f"Census 2021 {title} ({geo.geography})")
        content = zip_member(download.content, member, fail)
        if content is None:
            return _topic_from_api(ctx, table, title, geo, download, member)
        frame, dropped = parse_topic(content, f"{download.url} ({member})", geo, title)
        return Built(frame, download, [PERTURBATION_NOTE, *_dropped_note(dropped)])

    return build


def _topic_from_api(ctx: RefreshContext, table: str, title: str, geo: Geo, bulk: Download,
                    member: str) -> Built:
    """An optional table from the Nomis API, its labels given the bulk file's prefix."""
    dataset, dimension, prefix = TOPIC_API[table]
    census = Census(2021, table.upper(), (), dataset, dimension, CENSUS2021.levels)
    lacks = (f"the bulk zip {bulk.url} has no member {member} "
             f"(it holds {zip_names(bulk.content)})")
    ctx.log(f"  {lacks}; trying the Nomis API")
    try:
        wide, download, pages = fetch_api_table(ctx, census, geo)
        wide.columns = [*wide.columns[:2], *(f"{prefix}: {c}" for c in wide.columns[2:])]
        fail = failer(download.url, f"Census 2021 {title} API ({geo.geography})")
        frame, dropped = topic_table(wide, geo, fail)
    except SourceError as exc:
        raise type(exc)(SOURCE, exc.url, f"{lacks}, and the Nomis API fallback failed: "
                                         f"{exc.problem}") from exc
    notes = [PERTURBATION_NOTE,
             f"{geo.level.upper()} counts fetched from the Nomis API ({dataset}, {pages} "
             f"page(s)) because the bulk zip had no {geo.member} member."]
    return Built(frame, download, notes + _dropped_note(dropped))


def _dropped_note(dropped: int) -> list[str]:
    return [f"England only: {dropped:,} Welsh rows dropped."] if dropped else []


# ---------------------------------------------------------------- datasets


def _table(name: str, geo: Geo, ids: tuple[str, ...]) -> TableSpec:
    rows = geo.rows
    return TableSpec(
        name=name,
        columns={"area_code": "code", "area_name": "str", **dict.fromkeys(ids, "int")},
        key=("area_code",),
        patterns={"area_code": geo.pattern},
        rows=rows,
        min_rows=LAD_2011_MIN_ROWS if rows is None else 1,
    )


def _ethnicity_spec(census: Census, geo: Geo) -> DatasetSpec:
    build = census2021_builder(geo) if census.year == 2021 else census2011_builder(geo)
    return DatasetSpec(
        id=f"census{census.year}_ethnicity_{geo.level}",
        source=SOURCE,
        title=f"Census {census.year} ethnic group ({census.table}) by {geo.level.upper()}",
        vintage=census.vintage,
        geography=geo.geography,
        licence=OGL,
        attribution=ATTRIBUTION,
        table=_table(f"Census {census.year} {census.table} ({geo.geography})", geo, census.ids),
        build=build,
        level=geo.level,
    )


def _topic_spec(topic: str, geo: Geo) -> DatasetSpec:
    table, title = TOPICS[topic]
    return DatasetSpec(
        id=f"census2021_{topic}_{geo.level}",
        source=SOURCE,
        title=f"Census 2021 {title} ({table.upper()}) by {geo.level.upper()}",
        vintage=CENSUS2021.vintage,
        geography=geo.geography,
        licence=OGL,
        attribution=ATTRIBUTION,
        table=_table(f"Census 2021 {table.upper()} ({geo.geography})", geo, ("total",)),
        build=topic_builder(table, title, geo),
        level=geo.level,
        optional=True,
    )


DATASETS: tuple[DatasetSpec, ...] = (
    *(_ethnicity_spec(CENSUS2021, geo) for geo in CENSUS2021.levels.values()),
    *(_ethnicity_spec(CENSUS2011, geo) for geo in CENSUS2011.levels.values()),
    *(_topic_spec(topic, geo) for topic in TOPICS for geo in CENSUS2021.levels.values()),
)
