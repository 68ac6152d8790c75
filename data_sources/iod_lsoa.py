"""IoD File 7: every LSOA's scores, ranks and deciles, and population denominators (CSV).

Columns are matched by header prefix, not whole header, because one published File 7 has a
truncated header; a UTF-8 byte-order mark and thousands separators in population counts
are allowed. Only the four geography columns and the IMD score, rank and decile are
required. Ranks run 1..LSOAs in England (rank 1 is the most deprived), deciles 1..10.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from data_sources.errors import SourceFormatError
from data_sources.iod_parsing import Edition, check_range, format_error, lacks_note, to_numbers
from data_sources.validate import LAD_CODE, LSOA_CODE, TableSpec

# File 7 domains: our column stem and the label each published header starts with.
DOMAINS: dict[str, str] = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
    "idaci": "Income Deprivation Affecting Children Index (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People (IDAOPI)",
    "children_young_people": "Children and Young People Sub-domain",
    "adult_skills": "Adult Skills Sub-domain",
    "geographical_barriers": "Geographical Barriers Sub-domain",
    "wider_barriers": "Wider Barriers Sub-domain",
    "indoors": "Indoors Sub-domain",
    "outdoors": "Outdoors Sub-domain",
}
MEASURES = {"score": ("Score", "float"), "rank": ("Rank", "int"), "decile": ("Decile", "int")}

GEOGRAPHY = {
    "area_code": "LSOA code",
    "area_name": "LSOA name",
    "lad_code": "Local Authority District code",
    "lad_name": "Local Authority District name",
}
POPULATIONS = {
    "pop_total": "Total population",
    "pop_children_0_15": "Dependent Children aged 0-15",
    "pop_16_59": "Population aged 16-59",
    "pop_60_plus": "Older population aged 60 and over",
    "pop_working_age": "Working age population",
}
REQUIRED_SCORES = ("imd_score", "imd_rank", "imd_decile")


def file7_columns(edition: Edition) -> dict[str, tuple[str, str]]:
    """Every File 7 column of ``edition``: our name -> (published header prefix, kind)."""
    columns = {name: (prefix, "str" if name.endswith("_name") else "code")
               for name, prefix in GEOGRAPHY.items()}
    for stem, label in DOMAINS.items():
        for measure, (word, kind) in MEASURES.items():
            columns[f"{stem}_{measure}"] = (f"{label} {word}", kind)
    columns.update({name: (POPULATIONS[name], "int") for name in edition.populations})
    return columns


def match_headers(headers: list[str], prefixes: dict[str, str]) -> dict[str, str]:
    """Map each of our columns to the one header starting with its prefix (case-insensitive).

    Headers are compared after stripping spaces. A column with no matching header is left
    out of the result; a prefix matching two headers is ambiguous and raises ``ValueError``.
    """
    found: dict[str, str] = {}
    for name, prefix in prefixes.items():
        hits = [h for h in headers if h.strip().casefold().startswith(prefix.casefold())]
        if len(hits) > 1:
            raise ValueError(f"{name}: headers {hits} all start with {prefix!r}")
        if hits:
            found[name] = hits[0]
    return found


def parse_file7(content: bytes, url: str, edition: Edition) -> tuple[pd.DataFrame, list[str]]:
    """Parse an IoD File 7 CSV into one typed row per LSOA.

    Parameters
    ----------
    content
        The CSV bytes as published (a UTF-8 byte-order mark is allowed).
    url
        Where they came from, for error messages.
    edition
        ``IOD2019`` or ``IOD2025``: which population columns exist and the number of
        LSOAs ranks run up to.

    Returns
    -------
    tuple of (DataFrame, list of str)
        Columns ``area_code``, ``area_name``, ``lad_code``, ``lad_name``, then
        ``<domain>_score`` (float), ``<domain>_rank`` and ``<domain>_decile`` (int) and the
        ``pop_*`` denominators (int) that this copy holds, in published order; and the
        provenance notes (which published columns this copy lacks).

    Raises
    ------
    SourceFormatError
        When the file is empty or not CSV, a geography or IMD column is missing, a value
        is not numeric, a rank lies outside 1..LSOAs in England or a decile outside 1..10.
    """
    what = f"File 7 ({edition.label})"

    def fail(problem: str) -> SourceFormatError:
        return format_error(url, what, problem)

    raw = _read_csv(content, fail)
    expected = file7_columns(edition)
    try:
        found = match_headers(list(raw.columns), {n: p for n, (p, _) in expected.items()})
    except ValueError as exc:
        raise fail(f"ambiguous headers: {exc}") from exc
    required = [*GEOGRAPHY, *REQUIRED_SCORES]
    absent = [name for name in required if name not in found]
    if absent:
        wanted = [f"{expected[n][0]}…" for n in absent]
        raise fail(f"no column for {absent} (headers starting {wanted}); "
                   f"the file's header begins {list(raw.columns)[:8]}")
    frame = pd.DataFrame({name: raw[found[name]] for name in expected if name in found})
    for name, (_, kind) in expected.items():
        if name not in frame:
            continue
        if kind in ("int", "float"):
            frame[name] = to_numbers(frame[name], kind, fail)
        else:
            frame[name] = frame[name].astype("string").str.strip()
    _check_file7_values(frame, edition, fail)
    missing = [name for name in expected if name not in found]
    return frame, lacks_note("File 7", missing, len(expected))


def _read_csv(content: bytes, fail: Callable[[str], Exception]) -> pd.DataFrame:
    if not content.strip():
        raise fail("the file is empty")
    try:
        frame = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise fail(f"not a readable CSV ({exc.__class__.__name__}: {str(exc)[:200]})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _check_file7_values(
    frame: pd.DataFrame, edition: Edition, fail: Callable[[str], Exception]
) -> None:
    blanks = [c for c in REQUIRED_SCORES if frame[c].isna().any()]
    if blanks:
        raise fail(f"blank values in {blanks}")
    ranks = [c for c in frame.columns if c.endswith("_rank")]
    deciles = [c for c in frame.columns if c.endswith("_decile")]
    check_range(frame, ranks, 1, edition.lsoas, "area_code", fail)
    check_range(frame, deciles, 1, 10, "area_code", fail)



def file7_table(edition: Edition) -> TableSpec:
    """The checks of ``edition``'s File 7 table: geography and IMD required, the rest typed."""
    kinds = {name: kind for name, (_, kind) in file7_columns(edition).items()}
    required = [*GEOGRAPHY, *REQUIRED_SCORES]
    return TableSpec(
        name=f"IoD{edition.year} File 7 ({edition.lsoa_geography})",
        columns={name: kinds[name] for name in required},
        optional={name: kind for name, kind in kinds.items() if name not in required},
        key=("area_code",),
        patterns={"area_code": LSOA_CODE, "lad_code": LAD_CODE},
        rows=edition.lsoas,
    )
