"""IoD File 10: lower-tier local authority district summaries, one xlsx sheet per domain.

Headers are recognised by meaning (trailing spaces and wording differ between editions),
each sheet's header row is found below its title rows, and every sheet must list the same
districts as the IMD sheet. Only the district code and name and the IMD average score and
its rank are required; ranks run 1..districts, proportions 0..1.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from data_sources.errors import SourceFormatError
from data_sources.iod_parsing import Edition, check_range, format_error, lacks_note, to_numbers
from data_sources.validate import LAD_CODE, TableSpec

# File 10: our column prefix and the sheet name, in the workbook's order.
SHEETS: dict[str, str] = {
    "imd": "IMD",
    "income": "Income",
    "employment": "Employment",
    "education": "Education",
    "health": "Health",
    "crime": "Crime",
    "barriers": "Barriers",
    "living_environment": "Living",
    "idaci": "IDACI",
    "idaopi": "IDAOPI",
}
SUMMARY_MEASURES = {
    "avg_rank": "float",
    "rank_of_avg_rank": "int",
    "avg_score": "float",
    "rank_of_avg_score": "int",
    "prop_most_deprived_10": "float",
    "rank_of_prop_most_deprived_10": "int",
}
EXTRA_MEASURES = {
    "imd": {"extent": "float", "rank_of_extent": "int", "local_concentration": "float",
            "rank_of_local_concentration": "int"},
    "income": {"scale": "float", "rank_of_scale": "int"},
    "employment": {"scale": "float", "rank_of_scale": "int"},
}
# Words that say which File 10 measure a header holds, tried in this order.
SUMMARY_WORDS = (
    ("average rank", "avg_rank"),
    ("average score", "avg_score"),
    ("proportion", "prop_most_deprived_10"),
    ("local concentration", "local_concentration"),
    ("extent", "extent"),
    ("scale", "scale"),
)
REQUIRED_SUMMARY = ("lad_code", "lad_name", "imd_avg_score", "imd_rank_of_avg_score")


def summary_columns() -> dict[str, str]:
    """Every File 10 column we keep: our name -> kind, in workbook order."""
    columns = {"lad_code": "code", "lad_name": "str"}
    for prefix in SHEETS:
        columns.update(_sheet_columns(prefix))
    return columns


def _sheet_columns(prefix: str) -> dict[str, str]:
    measures = {**SUMMARY_MEASURES, **EXTRA_MEASURES.get(prefix, {})}
    return {f"{prefix}_{measure}": kind for measure, kind in measures.items()}


def summary_measure(header: str) -> str | None:
    """The measure a File 10 header holds, by meaning; None for a header we do not keep.

    ``"IMD - Rank of average score "`` gives ``"rank_of_avg_score"``, ``"Income scale"``
    gives ``"scale"``, and the district code and name headers give ``"lad_code"`` and
    ``"lad_name"``.
    """
    text = " ".join(header.split()).casefold()
    if text.startswith("local authority district code"):
        return "lad_code"
    if text.startswith("local authority district name"):
        return "lad_name"
    text = text.split(" - ", 1)[-1]
    ranked = text.startswith("rank of ")
    for words, measure in SUMMARY_WORDS:
        if words in text:
            return f"rank_of_{measure}" if ranked else measure
    return None


def parse_file10(content: bytes, url: str, edition: Edition) -> tuple[pd.DataFrame, list[str]]:
    """Parse an IoD File 10 workbook (lower-tier LAD summaries) into one row per district.

    Parameters
    ----------
    content
        The xlsx bytes as published.
    url
        Where they came from, for error messages.
    edition
        ``IOD2019`` or ``IOD2025``: the number of districts ranks run up to.

    Returns
    -------
    tuple of (DataFrame, list of str)
        ``lad_code``, ``lad_name``, then for each sheet prefix ``p`` (imd, income,
        employment, education, health, crime, barriers, living_environment, idaci, idaopi)
        ``p_avg_rank``, ``p_rank_of_avg_rank``, ``p_avg_score``, ``p_rank_of_avg_score``,
        ``p_prop_most_deprived_10`` and ``p_rank_of_prop_most_deprived_10``; IMD adds
        extent and local concentration, Income and Employment scale, each with its rank.
        The notes name sheets or columns this copy lacks.

    Raises
    ------
    SourceFormatError
        When the workbook cannot be read, has no IMD sheet or IMD average score, sheets
        list different districts, or a rank or proportion is out of range.
    """
    what = f"File 10 ({edition.label})"

    def fail(problem: str) -> SourceFormatError:
        return format_error(url, what, problem)

    workbook = _read_workbook(content, fail)
    notes: list[str] = []
    missing: list[str] = []
    merged: pd.DataFrame | None = None
    for prefix, sheet_name in SHEETS.items():
        sheet = _find_sheet(workbook, sheet_name)
        if sheet is None:
            if merged is None:
                raise fail(f"no {sheet_name!r} sheet; the workbook has {list(workbook)}")
            notes.append(f"This copy of File 10 has no {sheet_name} sheet.")
            continue
        part = _summary_sheet(workbook[sheet], prefix, sheet, fail)
        missing += [c for c in _sheet_columns(prefix) if c not in part]
        merged = part if merged is None else _join_sheet(merged, part, sheet, fail)
    expected = summary_columns()
    absent = [c for c in REQUIRED_SUMMARY if c not in merged]
    if absent:
        raise fail(f"no column for {absent}; found {list(merged.columns)}")
    frame = merged[[c for c in expected if c in merged]].reset_index(drop=True)
    for name in frame.columns[2:]:
        frame[name] = to_numbers(frame[name], expected[name], fail)
    _check_summary_values(frame, edition, fail)
    return frame, notes + lacks_note("File 10", missing, len(expected))


def _read_workbook(content: bytes, fail: Callable[[str], Exception]) -> dict[str, pd.DataFrame]:
    if not content.strip():
        raise fail("the file is empty")
    try:
        return pd.read_excel(io.BytesIO(content), sheet_name=None, header=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds on a file that is not xlsx
        raise fail(f"not a readable xlsx workbook ({exc.__class__.__name__}: "
                   f"{str(exc)[:200]})") from exc


def _find_sheet(workbook: dict[str, pd.DataFrame], name: str) -> str | None:
    """The workbook's sheet called ``name`` (case and spaces ignored), or one starting so."""
    wanted = name.casefold()
    names = {sheet: sheet.strip().casefold() for sheet in workbook}
    exact = [sheet for sheet, norm in names.items() if norm == wanted]
    starts = [sheet for sheet, norm in names.items() if norm.startswith(wanted)]
    return (exact or starts or [None])[0]


def _summary_sheet(
    raw: pd.DataFrame, prefix: str, sheet: str, fail: Callable[[str], Exception]
) -> pd.DataFrame:
    """One sheet's districts with columns named ``lad_code``, ``lad_name`` and ``<prefix>_*``."""
    header_row = _header_row(raw)
    if header_row is None:
        raise fail(f"sheet {sheet!r} has no 'Local Authority District code' header row")
    headers = [str(h).strip() for h in raw.iloc[header_row]]
    body = raw.iloc[header_row + 1:]
    renamed: dict[str, pd.Series] = {}
    for position, header in enumerate(headers):
        measure = summary_measure(header)
        if measure is None:
            continue
        name = measure if measure.startswith("lad_") else f"{prefix}_{measure}"
        if name in renamed:
            raise fail(f"sheet {sheet!r}: two headers mean {name} ({header!r})")
        renamed[name] = body.iloc[:, position]
    if "lad_code" not in renamed or "lad_name" not in renamed:
        raise fail(f"sheet {sheet!r} has no district code and name columns: {headers}")
    frame = pd.DataFrame(renamed)
    frame = frame[frame["lad_code"].notna()].copy()
    frame["lad_code"] = frame["lad_code"].astype("string").str.strip()
    frame["lad_name"] = frame["lad_name"].astype("string").str.strip()
    return frame


def _header_row(raw: pd.DataFrame) -> int | None:
    for position in range(min(len(raw), 10)):
        first = str(raw.iloc[position, 0]).strip().casefold()
        if first.startswith("local authority district code"):
            return position
    return None


def _join_sheet(
    merged: pd.DataFrame, part: pd.DataFrame, sheet: str, fail: Callable[[str], Exception]
) -> pd.DataFrame:
    if set(part["lad_code"]) != set(merged["lad_code"]):
        odd = sorted(set(part["lad_code"]) ^ set(merged["lad_code"]))[:5]
        raise fail(f"sheet {sheet!r} lists different districts from the IMD sheet, e.g. {odd}")
    return merged.merge(part.drop(columns="lad_name"), on="lad_code", how="left",
                        validate="one_to_one")


def _check_summary_values(
    frame: pd.DataFrame, edition: Edition, fail: Callable[[str], Exception]
) -> None:
    ranks = [c for c in frame.columns if "_rank_of_" in c]
    proportions = [c for c in frame.columns
                   if c.endswith("_prop_most_deprived_10") and c not in ranks]
    check_range(frame, ranks, 1, edition.lads, "lad_code", fail)
    check_range(frame, proportions, 0, 1, "lad_code", fail)



def file10_table(edition: Edition) -> TableSpec:
    """The checks of ``edition``'s File 10 table."""
    kinds = summary_columns()
    return TableSpec(
        name=f"IoD{edition.year} File 10 ({edition.lad_geography})",
        columns={name: kinds[name] for name in REQUIRED_SUMMARY},
        optional={n: k for n, k in kinds.items() if n not in REQUIRED_SUMMARY},
        key=("lad_code",),
        patterns={"lad_code": LAD_CODE},
        rows=edition.lads,
    )
