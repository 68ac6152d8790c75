"""The paged Nomis API client: one census table at one geography level as a wide frame.

The API truncates silently at :data:`PAGE_ROWS` (25,000) rows, so answers are paged with
``RecordOffset`` and checked against ``RECORD_COUNT`` (see shared/docs/sources.md §1); a
page that comes back short, empty or unreadable, or an area lacking some categories, fails
clearly rather than giving a table with rows missing.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from data_sources.census_labels import Fail
from data_sources.errors import SourceFormatError
from data_sources.http import full_url
from data_sources.refresh import Download, RefreshContext

if TYPE_CHECKING:
    from data_sources.nomis import Census, Geo

SOURCE = "nomis"
API_PATH = "/api/v01/dataset"
PAGE_ROWS = 25_000  # the anonymous cap; asking for more is silently cut to this
MAX_PAGES = 200


def failer(url: str, what: str) -> Fail:
    """A :data:`Fail` that builds a SourceFormatError about ``what`` found at ``url``."""
    return lambda problem: SourceFormatError(SOURCE, url, f"{what}: {problem}")


def fetch_api_table(
    ctx: RefreshContext, census: Census, geo: Geo
) -> tuple[pd.DataFrame, Download, int]:
    """Every row of ``census``'s table at ``geo`` from the Nomis API, paged past the cap.

    Pages with ``RecordOffset`` (advancing by the rows received, so a cap lower than
    :data:`PAGE_ROWS` is still paged through) until ``RECORD_COUNT`` rows have come, or,
    when the answer carries no ``RECORD_COUNT``, until a short page.

    Returns
    -------
    tuple of (DataFrame, Download, int)
        The wide table (``area_code``, ``area_name``, one column per category label),
        every page's bytes kept as one raw file, and the number of pages.

    Raises
    ------
    SourceFormatError
        On an empty answer, a page that is not the expected CSV, fewer rows than
        ``RECORD_COUNT`` promised, or an area lacking some categories (a cut-short answer).
    SourceUnavailableError
        When the API cannot be reached or answers with an HTTP error.
    """
    url = f"{ctx.settings.nomis_base_url}{API_PATH}/{census.dataset}.data.csv"
    label_column = f"{census.dimension}_name".upper()
    params = {
        "date": "latest",
        "geography": geo.api_geography,
        **census.params,
        "measures": "20100",
        "select": f"geography_code,geography_name,{census.dimension}_name,obs_value,record_count",
    }
    shown = full_url(url, params)
    fail = failer(shown, f"Census {census.year} {census.table} API ({geo.geography})")
    pages: list[pd.DataFrame] = []
    bodies: list[bytes] = []
    offset, expected = 0, None
    for _ in range(MAX_PAGES):
        fetched = ctx.fetch(url, source=SOURCE, label=f"{census.dataset} {geo.level}",
                            params={**params, "RecordOffset": offset, "RecordLimit": PAGE_ROWS})
        page = _read_api_page(fetched.content, label_column, first=not offset, fail=fail)
        expected = _record_count(page, expected, fail)
        if len(page):
            pages.append(page)
            bodies.append(fetched.content if not bodies else fetched.content.split(b"\n", 1)[-1])
        offset += len(page)
        if expected is not None and offset >= expected:
            break
        if expected is not None and not len(page):
            raise fail(f"the answer stopped at {offset:,} of the {expected:,} rows RECORD_COUNT "
                       "promised (cut short)")
        if expected is None and len(page) < PAGE_ROWS:
            break
    else:
        raise fail(f"still more rows after {MAX_PAGES} pages of {PAGE_ROWS:,}")
    if expected is not None and offset != expected:
        raise fail(f"{offset:,} rows where RECORD_COUNT says {expected:,}")
    if not pages:
        raise fail("the API answered with a header but no rows")
    wide = _widen(pd.concat(pages, ignore_index=True), label_column, fail)
    raw_name = f"{census.dataset}-{geo.api_geography}.csv"
    download = ctx.keep_raw(SOURCE, raw_name, b"".join(bodies), shown)
    return wide, download, len(bodies)


def _read_api_page(content: bytes, label_column: str, *, first: bool, fail: Fail) -> pd.DataFrame:
    if not content.strip():
        if first:
            raise fail("the API answered 200 with an empty body (a malformed query?)")
        return pd.DataFrame(columns=["GEOGRAPHY_CODE"])
    try:
        page = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str,
                           keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise fail(f"not a readable CSV ({exc.__class__.__name__}: {str(exc)[:200]})") from exc
    page.columns = [str(c).strip().upper() for c in page.columns]
    needed = ["GEOGRAPHY_CODE", "GEOGRAPHY_NAME", label_column, "OBS_VALUE"]
    missing = [c for c in needed if c not in page.columns]
    if missing:
        raise fail(f"no {missing} column; the header is {list(page.columns)[:8]}")
    return page


def _record_count(page: pd.DataFrame, expected: int | None, fail: Fail) -> int | None:
    if "RECORD_COUNT" not in page.columns or not len(page):
        return expected
    counts = set(page["RECORD_COUNT"].str.strip())
    if len(counts) != 1 or not next(iter(counts)).isdigit():
        raise fail(f"RECORD_COUNT should be one whole number, found {sorted(counts)[:3]}")
    count = int(counts.pop())
    if expected is not None and count != expected:
        raise fail(f"RECORD_COUNT changed from {expected:,} to {count:,} between pages")
    return count


def _widen(long: pd.DataFrame, label_column: str, fail: Fail) -> pd.DataFrame:
    """Long API rows (one per area and category) as one row per area, labels as columns."""
    long = long.rename(columns={"GEOGRAPHY_CODE": "area_code", "GEOGRAPHY_NAME": "area_name"})
    labels = list(pd.unique(long[label_column]))
    if long.duplicated(["area_code", label_column]).any():
        raise fail("the answer repeats an area's category (overlapping pages?)")
    wide = long.pivot(index=["area_code", "area_name"], columns=label_column, values="OBS_VALUE")
    short = wide.isna().any(axis=1)
    if short.any():
        codes = wide.index[short].get_level_values(0)[:3].tolist()
        raise fail(f"{int(short.sum()):,} area(s) lack some categories, e.g. {codes} "
                   "(an answer cut short?)")
    order = pd.unique(long["area_code"])
    wide = wide.reset_index().set_index("area_code").loc[order].reset_index()
    return wide[["area_code", "area_name", *labels]]
