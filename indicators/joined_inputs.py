"""The inputs of the joined tables and the groundwork both tables share.

:func:`load_inputs` gathers the cached tables the joined dataset is built from into an
:class:`Inputs`, with the reason each missing one is missing.  The rest are pure
functions both tables are built on: the areas of the three levels and their lookup
(:func:`compute_areas`), the Census 2021 population of every area
(:func:`compute_population`), the catalogue order and types of the columns
(:func:`catalogue_columns`), and :class:`BuildLog`, which gathers NA reasons and method
notes for the provenance of the joined tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_sources.cache import Cache, Provenance
from data_sources.errors import NotCachedError
from geo.hierarchy import LOCAL_COLUMNS, add_local_names, build_hierarchy
from indicators.catalogue import CATALOGUE
from indicators.topics import TOPICS

LEVELS = ("lsoa", "msoa", "lad")
KEY_COLUMNS = ["area_code", "area_name", "level", "lad_code", "region_code"]
REQUIRED = ("lookup_lsoa21_msoa21_lad22", "lookup_lad22_region")
INPUT_DATASETS = (
    "lookup_lsoa21_msoa21_lad22", "lookup_lad22_region", "lookup_lsoa11_lsoa21",
    "census2021_ethnicity_lsoa", "census2021_ethnicity_msoa", "census2021_ethnicity_lad",
    "census2011_ethnicity_lsoa", "census2011_ethnicity_msoa",
    "iod2025_lsoa", "iod2019_lsoa", "iod2025_lad_summary", "iod2019_lad_summary",
    "police_lsoa_month", "police_placement_agreement",
    *(dataset for topic in TOPICS for dataset in topic.datasets()),
    "lookup_lsoa21_ward24_lad24", "msoa_names_hocl",
)


@dataclass
class Inputs:
    """The cached tables the joined dataset is built from.

    Attributes
    ----------
    tables
        Dataset id → table, for the datasets available.
    missing
        Dataset id → why it is not available (e.g. the last refresh error).
    provenance
        Dataset id → its manifest entry (for the notes of the joined tables).
    """

    tables: dict[str, pd.DataFrame]
    missing: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)

    def get(self, dataset: str) -> pd.DataFrame | None:
        """The table of ``dataset``, or None when it is not available."""
        return self.tables.get(dataset)

    def why_missing(self, dataset: str) -> str:
        reason = self.missing.get(dataset, "not cached")
        return f"{dataset} is not available ({reason})"


class BuildLog:
    """NA reasons and method notes gathered while building, for the provenance notes."""

    def __init__(self) -> None:
        self.na: dict[str, str] = {}
        self.notes: list[str] = []

    def missing(self, what: str, reason: str) -> None:
        self.na.setdefault(what, reason)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def attach(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame.attrs["na_reasons"] = [f"{k}: {v}" for k, v in self.na.items()]
        frame.attrs["notes"] = list(self.notes)
        return frame


# ---------------------------------------------------------------- inputs
def load_inputs(cache: Cache) -> Inputs:
    """Gather the cached tables of :data:`INPUT_DATASETS`, noting which are missing.

    Parameters
    ----------
    cache
        The data cache; its manifest says which inputs were fetched, and why not.

    Returns
    -------
    Inputs
        The tables available, their manifest entries, and why each other input is missing.

    Raises
    ------
    NotCachedError
        When a lookup the area hierarchy needs (:data:`REQUIRED`) is not cached.
    """
    manifest = cache.manifest()
    inputs = Inputs(tables={})
    for dataset in INPUT_DATASETS:
        entry = manifest.get(dataset)
        if entry is None or not entry.file:
            inputs.missing[dataset] = (entry.last_error if entry and entry.last_error
                                       else "never fetched into this cache")
            continue
        inputs.tables[dataset] = cache.load_table(dataset)
        inputs.provenance[dataset] = entry
    absent = [d for d in REQUIRED if d not in inputs.tables]
    if absent:
        raise NotCachedError(f"the joined dataset needs {', '.join(absent)}; run "
                             "`python -m data_sources refresh --source geoportal` first")
    return inputs


# ---------------------------------------------------------------- shared by both tables
def compute_areas(inputs: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas of the three levels (key columns) and the LSOA → MSOA → LAD lookup.

    Returns
    -------
    tuple of DataFrame
        The areas (:data:`KEY_COLUMNS`, levels :data:`LEVELS`), and one row per LSOA 2021
        with columns ``lsoa``, ``msoa`` and ``lad`` (string codes).

    Raises
    ------
    ValueError
        When a lookup of :data:`REQUIRED` is missing from ``inputs``.
    """
    lookup = inputs.get("lookup_lsoa21_msoa21_lad22")
    regions = inputs.get("lookup_lad22_region")
    if lookup is None or regions is None:
        missing = [d for d in REQUIRED if inputs.get(d) is None]
        raise ValueError(f"the joined dataset needs {', '.join(missing)}")
    hierarchy = add_local_names(build_hierarchy(lookup, regions),
                                inputs.get("lookup_lsoa21_ward24_lad24"),
                                inputs.get("msoa_names_hocl"))
    areas = hierarchy[hierarchy["level"].isin(LEVELS)][KEY_COLUMNS + LOCAL_COLUMNS]
    areas = areas.reset_index(drop=True)
    small = pd.DataFrame({"lsoa": lookup["lsoa21_code"], "msoa": lookup["msoa21_code"],
                          "lad": lookup["lad22_code"]}).astype("string")
    return areas, small


def compute_population(inputs: Inputs, small: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """population_2021 of every area from the Census 2021 totals.

    A level without its own Census 2021 table gets the sum of a lower level's totals
    (noted in ``log``); a level without either is noted as missing.

    Parameters
    ----------
    inputs
        The cached tables.
    small
        The LSOA → MSOA → LAD lookup of :func:`compute_areas`.
    log
        Where the NA reasons and notes go.

    Returns
    -------
    DataFrame
        Column ``population_2021`` (Int64, residents), indexed by area code.
    """
    totals = {level: _totals(inputs.get(f"census2021_ethnicity_{level}"))
              for level in LEVELS}
    for level, child in (("msoa", "lsoa"), ("lad", "msoa"), ("lad", "lsoa")):
        if totals[level] is None and totals[child] is not None:
            totals[level] = _sum_up(totals[child], small, child, level)
            log.note(f"population_2021 of {level} areas: sum of the Census 2021 {child} totals "
                     f"(census2021_ethnicity_{level} not available)")
    parts = []
    for level in LEVELS:
        if totals[level] is None:
            log.missing(f"{level} population_2021 and rates per 10,000",
                        inputs.why_missing(f"census2021_ethnicity_{level}"))
        else:
            parts.append(totals[level].rename("population_2021"))
    if not parts:
        return pd.DataFrame(columns=["population_2021"], dtype="Int64")
    return pd.concat(parts).to_frame()


def _totals(counts: pd.DataFrame | None) -> pd.Series | None:
    if counts is None:
        return None
    return counts.set_index("area_code")["total"].astype("Int64")


def _sum_up(values: pd.Series, small: pd.DataFrame, child: str, parent: str) -> pd.Series:
    """Sum a per-area series of ``child`` areas to their ``parent`` areas."""
    parents = small[[child, parent]].drop_duplicates(child).set_index(child)[parent]
    frame = values.to_frame("v").join(parents, how="inner")
    return frame.groupby(parent)["v"].sum()


SEG_FAMILY = "d_*, isolation_*, entropy_h, simpson_diversity, residents_*"
"""The district columns of the ethnic-group segregation measures (for NA reasons)."""


def placed_counts(counts: pd.DataFrame, parents: pd.Series) -> pd.DataFrame:
    """Census counts of small areas with the code of their district (``lad_code``)."""
    placed = counts.assign(lad_code=counts["area_code"].map(parents))
    return placed[placed["lad_code"].notna()].reset_index(drop=True)


def districts_of(small: pd.DataFrame, unit: str) -> pd.Series:
    return small.drop_duplicates(unit).set_index(unit)["lad"]


def complete_districts(placed: pd.DataFrame, expected: pd.Series, unit: str, year: str,
                       log: BuildLog, family: str = SEG_FAMILY) -> pd.DataFrame:
    """``placed`` without the districts some of whose small areas have no counts.

    ``expected`` maps every small-area code to the district(s) it lies in (a code may
    appear twice when a 2011 LSOA was split between districts).
    """
    missing = expected[~expected.index.isin(set(placed["area_code"]))]
    if missing.empty:
        return placed
    lacking = missing.groupby(missing).size()
    totals = expected.groupby(expected).size()
    listed = ", ".join(f"{lad} ({n} of {totals[lad]})" for lad, n in lacking.items())
    suffix = "" if year == "2021" else "_2011"
    log.missing(f"lad {family.replace('*', '*' + suffix)} of {', '.join(lacking.index)}",
                f"Census {year} counts of some of their {unit.upper()}s are missing "
                f"({listed}); segregation is computed across all of a district's "
                f"{unit.upper()}s or not at all: never across part of it, nor across "
                "another kind of small area beside the other districts")
    return placed[~placed["lad_code"].isin(lacking.index)].reset_index(drop=True)


def catalogue_columns(table: pd.DataFrame, which: str, log: BuildLog) -> pd.DataFrame:
    """The table's columns in catalogue order with their catalogue types; absent ones NA.

    Parameters
    ----------
    table
        A built table, one column per indicator it could compute.
    which
        The catalogue table it is: ``"area"`` or ``"month"``.
    log
        The build's log.

    Returns
    -------
    DataFrame
        The key columns, then every catalogue indicator of ``which``.
    """
    keys = KEY_COLUMNS + ([*LOCAL_COLUMNS, "population_2021", "seg_unit"] if which == "area"
                          else ["month"])
    wanted = keys + [i for i, e in CATALOGUE.items() if e.table == which and
                     e.theme != "identifier" and i not in keys]
    out = {}
    for column in wanted:
        values = table[column] if column in table.columns else pd.Series(pd.NA, index=table.index)
        out[column] = values.astype(_dtype(column))
    return pd.DataFrame(out, index=table.index)


def _dtype(column: str) -> str:
    entry = CATALOGUE[column]
    if entry.unit in ("code", "text"):
        return "string"
    if entry.unit == "yes/no":
        return "boolean"
    return "Int64" if entry.decimals == 0 else "Float64"
