"""The joined dataset: every indicator of every area, and police and report counts by month.

Two tables on the 2021 geography (LSOA 2021, MSOA 2021, local authority district 2022):

* ``joined_area_indicator`` (:func:`build_area_indicators`): one row per area and level,
  key columns ``area_code``, ``area_name``, ``level``, ``lad_code``, ``region_code``,
  ``population_2021``, ``seg_unit``, then one column per catalogue indicator of the
  ``area`` table (:mod:`indicators.catalogue`), NA where the level or the sources do
  not allow it.
* ``joined_area_month`` (:func:`indicators.joined_months.build_area_months`): one row per
  area and month with police counts and, when a reports aggregate is given, report counts.

The builders are pure functions of the cached tables (an
:class:`indicators.joined_inputs.Inputs`); only
:func:`indicators.joined_inputs.load_inputs` and :func:`build_joined` touch the cache.
Every step works on all areas at once (group-by sums, merges); there is no Python loop
per area.

Choices the data dictionary relies on
-------------------------------------
* Segregation of a district is computed across its LSOAs when Census 2021 counts by LSOA
  are cached, else across its MSOAs (``seg_unit``).  The 2011 values use 2011 small areas
  of the same kind, each placed in its 2022 district by ``lookup_lsoa11_lsoa21`` (MSOAs by
  their code, where it still exists in 2021), so merged districts get a 2011 value over
  the same territory; the change is 2021 minus 2011.
* The bare district and MSOA deprivation summaries (``imd_avg_score`` …) are computed
  from the LSOA values with :func:`indicators.deprivation.compute_district_summaries` on
  the 2021 geography, so every district and MSOA has them; the File 10 figures are kept
  as ``<id>_published`` where the district code matches.  IoD 2019 district and MSOA
  summaries are computed from the native 2011 LSOAs, each placed whole in the 2022
  district, then the 2021 MSOA, holding most of its residents (a 2011 LSOA split
  between districts no longer counts where its first 2021 LSOA by code lies), which
  reproduces File 10 2019 for every district whose code is unchanged.
* Police rates and report counts: see :mod:`indicators.joined_months`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import pandas as pd

from data_sources.cache import Cache, Provenance
from indicators.benchmarks import BENCHMARK_TABLE, ENGLAND, compute_benchmarks
from indicators.comparisons import compare_with_benchmarks
from indicators.denominators import compute_denominator_flags
from indicators.deprivation import (
    best_fit_parents,
    compute_district_summaries,
    map_iod2019_to_lsoa21,
)
from indicators.deprivation_terms import DOMAINS, SUMMARIES
from indicators.joined_inputs import (
    BuildLog,
    Inputs,
    catalogue_columns,
    complete_districts,
    compute_areas,
    compute_population,
    districts_of,
    load_inputs,
    placed_counts,
)
from indicators.joined_months import (
    build_area_months,
    compute_police_indicators,
    compute_police_months,
)
from indicators.joined_topics import compute_topics
from indicators.segregation import (
    DETAILED_2011,
    GROUPS,
    MIN_UNITS,
    compute_area_diversity,
    compute_change,
    compute_location_quotients,
    compute_segregation,
)
from indicators.segregation_null import compute_random_benchmarks
from indicators.topics import GROUP_LABELS

AREA_TABLE = "joined_area_indicator"
MONTH_TABLE = "joined_area_month"
SUMMARY_LEVELS = ("msoa", "lad", "region", "country")
"""Deprivation summaries are computed for areas of these levels (the last two for the
region and England figures, :mod:`indicators.benchmarks`)."""
N_LSOAS = {2019: 32_844, 2025: 33_755}
"""LSOAs of England each IoD edition ranks (rank N is the least deprived)."""


# ---------------------------------------------------------------- the area table
def build_area_indicators(inputs: Inputs) -> pd.DataFrame:
    """One row per LSOA, MSOA and district with every indicator of the area table.

    Parameters
    ----------
    inputs
        The cached tables (see :func:`load_inputs`); only the two lookups of
        :data:`indicators.joined_inputs.REQUIRED` must be present, every other table may be missing.

    Returns
    -------
    DataFrame
        Columns ``area_code``, ``area_name``, ``level``, ``lad_code``, ``region_code``,
        ``population_2021``, ``seg_unit`` and every catalogue indicator of the ``area``
        table, in catalogue order; NA where the level or the sources do not allow a
        value.  ``attrs["na_reasons"]`` lists why columns are empty (``"<level>
        <columns>: <reason>"``) and ``attrs["notes"]`` how values were computed.

    Raises
    ------
    ValueError
        When a required lookup is missing or a Census table's counts are inconsistent.
    """
    return build_area_tables(inputs)[0]


def build_area_tables(inputs: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area table of :func:`build_area_indicators` and its region and England figures.

    Returns
    -------
    tuple of DataFrame
        The area table, and the benchmarks (:func:`indicators.benchmarks.compute_benchmarks`)
        its comparison columns (``*_vs_region``, ``*_vs_england``) were worked out against.
    """
    log = BuildLog()
    areas, small = compute_areas(inputs)
    small = _with_regions(small, areas)
    population = compute_population(inputs, small, log)
    deprivation = _deprivation_summaries(inputs, small, log)
    topics, topic_places = compute_topics(inputs, small, segregation_unit(inputs), log)
    parts = [
        population,
        pd.concat([_segregation(inputs, small, log),  # districts, then LSOAs and MSOAs
                   _small_area_diversity(inputs, small, log)]),
        _deprivation_lsoa(inputs, log),
        deprivation,
        compute_police_indicators(compute_police_months(inputs, small, log), population, log),
        topics,
    ]
    table = areas.set_index("area_code")
    for part in parts:
        table = table.join(part, how="left")
    table = _topic_seg_unit(table.copy().reset_index(), segregation_unit(inputs))
    special = deprivation.reindex(pd.Index(_benchmark_places(small))).join(
        [_diversity_benchmarks(inputs, small), topic_places], how="left")
    benchmarks = compute_benchmarks(table, special, inputs.get("lookup_lad22_region"))
    table = compare_with_benchmarks(table, benchmarks)
    table["denominator_flag"] = compute_denominator_flags(table)
    table = catalogue_columns(table, "area", log)
    return log.attach(table), benchmarks


def _topic_seg_unit(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """``seg_unit`` also for districts with segregation values of a topic only."""
    topic_values = [f"d_{g}" for g in GROUP_LABELS if f"d_{g}" in table.columns]
    if not topic_values or "seg_unit" not in table.columns:
        return table
    lacking = table["seg_unit"].isna() & table[topic_values].notna().any(axis=1)
    return table.assign(seg_unit=table["seg_unit"].mask(lacking, unit))


def _with_regions(small: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """The LSOA lookup with each LSOA's ``region`` and ``country`` (England)."""
    regions = areas[areas["level"] == "lad"].set_index("area_code")["region_code"]
    return small.assign(region=small["lad"].map(regions).astype("string"), country=ENGLAND)


def _benchmark_places(small: pd.DataFrame) -> list[str]:
    return [*sorted(small["region"].dropna().unique()), ENGLAND]


def _diversity_benchmarks(inputs: Inputs, small: pd.DataFrame) -> pd.DataFrame:
    """Simpson diversity of each region's and England's residents as a whole."""
    for unit in ("lsoa", "msoa", "lad"):
        counts = inputs.get(f"census2021_ethnicity_{unit}")
        if counts is None:
            continue
        parents = small.drop_duplicates(unit).set_index(unit)[["region", "country"]]
        placed = counts.join(parents, on="area_code", how="inner")
        numbers = placed.drop(columns=["area_code", "area_name", "region", "country"])
        summed = pd.concat([numbers.groupby(placed["region"]).sum(),
                            numbers.groupby(placed["country"]).sum()])
        diversity = compute_area_diversity(summed.rename_axis("area_code").reset_index())
        return diversity.set_index("area_code")[["simpson_diversity"]]
    return pd.DataFrame(columns=["simpson_diversity"])


# ---------------------------------------------------------------- segregation, diversity
SEG_UNIT_NOTE = "segregation of districts computed across "
"""Start of the build note naming the small areas of the segregation measures."""


def segregation_unit(inputs: Inputs) -> str:
    """The small areas every segregation measure of the build is computed across: LSOAs
    when Census 2021 ethnic-group counts by LSOA are cached, else MSOAs."""
    return "lsoa" if inputs.get("census2021_ethnicity_lsoa") is not None else "msoa"


def _segregation(inputs: Inputs, small: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """District segregation and diversity, 2021, 2011 and change, with ``seg_unit``.

    One kind of small area for the whole build (LSOAs when Census 2021 counts by LSOA are
    cached, else MSOAs), for both censuses; a district with any of its small areas missing
    from the counts gets no values rather than values across part of it or across another
    kind of small area.  Beside every D and isolation value, what random placement would
    give (:mod:`indicators.segregation_null`).
    """
    unit = segregation_unit(inputs)
    if inputs.get(f"census2021_ethnicity_{unit}") is None:
        log.missing("lad segregation and diversity (d_*, isolation_*, entropy_h, "
                    "simpson_diversity)", inputs.why_missing("census2021_ethnicity_lsoa")
                    + " and " + inputs.why_missing("census2021_ethnicity_msoa"))
        return pd.DataFrame(columns=["seg_unit"])
    log.note(SEG_UNIT_NOTE + f"{unit.upper()}s" + (
        " (Census 2021 counts by LSOA)" if unit == "lsoa"
        else ": Census 2021 counts by LSOA are not available"))
    parents = districts_of(small, unit)
    counts = complete_districts(placed_counts(inputs.get(f"census2021_ethnicity_{unit}"),
                                                parents), parents, unit, "2021", log)
    seg = compute_segregation(counts)
    few = seg.index[seg["n_units"] < MIN_UNITS]
    if len(few):
        log.missing(f"lad d_*, isolation_*, entropy_h of {', '.join(few)}",
                    f"segregation across small areas needs at least {MIN_UNITS} {unit.upper()}s "
                    "with residents in the district")
    parts = [compute_random_benchmarks(counts, seg), _group_residents(counts, "")]
    counts_2011 = _counts_2011(inputs, small, unit, log)
    if counts_2011 is not None:
        if unit == "lsoa":
            lookup = inputs.get("lookup_lsoa11_lsoa21")
            placed = lookup[["lsoa11_code", "lad22_code"]].drop_duplicates()
            counts_2011 = complete_districts(
                counts_2011, placed.set_index("lsoa11_code")["lad22_code"], unit, "2011", log)
        seg_2011 = compute_segregation(counts_2011, detailed=DETAILED_2011)
        seg = compute_change(seg, seg_2011)
        benchmarks = compute_random_benchmarks(counts_2011, seg_2011)
        parts += [benchmarks.rename(columns=lambda c: "{}_2011_{}".format(*c.rsplit("_", 1))),
                  _group_residents(counts_2011, "_2011")]
    seg = seg.drop(columns=["n_units", "population"]).join(parts, how="left")
    seg = seg.reindex(pd.Index(small["lad"].unique(), name="area_code")).assign(seg_unit=unit)
    return seg


def _group_residents(counts: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """Residents of each group in each district (the sums D and isolation rest on)."""
    summed = counts.groupby("lad_code")[list(GROUPS)].sum()
    return summed.rename(columns=lambda g: f"residents_{g}{suffix}")


def _counts_2011(inputs: Inputs, small: pd.DataFrame, unit: str,
                 log: BuildLog) -> pd.DataFrame | None:
    """Census 2011 counts of ``unit`` small areas placed in their 2022 districts."""
    counts = inputs.get(f"census2011_ethnicity_{unit}")
    lookup = inputs.get("lookup_lsoa11_lsoa21")
    if counts is None or (unit == "lsoa" and lookup is None):
        dataset = f"census2011_ethnicity_{unit}" if counts is None else "lookup_lsoa11_lsoa21"
        log.missing("lad *_2011 and *_change", f"{inputs.why_missing(dataset)}; the 2011 values "
                    f"are computed across the same kind of small area as 2021 ({unit})")
        return None
    if unit == "lsoa":
        parents = lookup.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lad22_code"]
    else:
        parents = districts_of(small, "msoa")
    placed = placed_counts(counts, parents)
    dropped = len(counts) - len(placed)
    if dropped:
        log.note(f"{dropped} Census 2011 {unit.upper()}s could not be placed in a 2022 district "
                 "and are left out of the 2011 measures")
    return placed


def _small_area_diversity(inputs: Inputs, small: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """simpson_diversity, location quotients and group residents of every LSOA and MSOA."""
    parts = []
    for unit in ("lsoa", "msoa"):
        counts = inputs.get(f"census2021_ethnicity_{unit}")
        if counts is None:
            log.missing(f"{unit} simpson_diversity and lq_*",
                        inputs.why_missing(f"census2021_ethnicity_{unit}"))
            continue
        placed = placed_counts(counts, districts_of(small, unit))
        diversity = compute_area_diversity(placed).set_index("area_code")[["simpson_diversity"]]
        quotients = compute_location_quotients(placed).drop(columns="lad_code")
        residents = placed.set_index("area_code")[list(GROUPS)].add_prefix("residents_")
        parts.append(diversity.join(quotients.set_index("area_code")).join(residents))
    return pd.concat(parts) if parts else pd.DataFrame()


# ---------------------------------------------------------------- deprivation
def _iod_columns(suffix: str = "") -> list[str]:
    return [f"{d}_{m}{suffix}" for d in DOMAINS for m in ("score", "rank", "decile")]


def _deprivation_lsoa(inputs: Inputs, log: BuildLog) -> pd.DataFrame:
    """IoD 2025 and IoD 2019 (mapped to LSOA 2021) scores, ranks and deciles of LSOAs."""
    parts = []
    iod25 = inputs.get("iod2025_lsoa")
    if iod25 is None:
        log.missing("lsoa IoD 2025 (<domain>_score/_rank/_decile)",
                    inputs.why_missing("iod2025_lsoa"))
    else:
        parts.append(_present(iod25.set_index("area_code"), _iod_columns(), "iod2025_lsoa", log))
    iod19, lookup = inputs.get("iod2019_lsoa"), inputs.get("lookup_lsoa11_lsoa21")
    if iod19 is None or lookup is None:
        dataset = "iod2019_lsoa" if iod19 is None else "lookup_lsoa11_lsoa21"
        log.missing("lsoa IoD 2019 (*_2019, iod2019_fit)", inputs.why_missing(dataset))
    else:
        mapped = map_iod2019_to_lsoa21(iod19, lookup)
        for note in mapped.attrs.get("notes", []):
            log.note(f"IoD 2019 on LSOA 2021: {note}")
        wanted = [*_iod_columns("_2019"), "iod2019_fit", "iod2019_lsoa11_codes"]
        parts.append(_present(mapped.set_index("area_code"), wanted, "iod2019_lsoa", log))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


def _present(frame: pd.DataFrame, wanted: list[str], dataset: str, log: BuildLog) -> pd.DataFrame:
    """The ``wanted`` columns that ``frame`` has, noting those it lacks."""
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        log.missing(f"lsoa {', '.join(absent)}",
                    f"this copy of {dataset} does not hold these columns")
    return frame[[c for c in wanted if c in frame.columns]]


def _deprivation_summaries(inputs: Inputs, small: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """IMD summaries of MSOAs and districts (computed) and File 10's (published)."""
    frames = []
    iod25 = inputs.get("iod2025_lsoa")
    if iod25 is None:
        log.missing("msoa and lad IMD summaries (IoD 2025)", inputs.why_missing("iod2025_lsoa"))
    else:
        lsoas = small.merge(iod25.drop(columns="lad_code", errors="ignore"),
                            left_on="lsoa", right_on="area_code", how="inner")
        lsoas = _with_weights_2025(lsoas, inputs, log)
        frames += [_summaries(lsoas, level, 2025, log) for level in SUMMARY_LEVELS]
    iod19, lookup = inputs.get("iod2019_lsoa"), inputs.get("lookup_lsoa11_lsoa21")
    if iod19 is None or lookup is None:
        dataset = "iod2019_lsoa" if iod19 is None else "lookup_lsoa11_lsoa21"
        log.missing("msoa and lad IMD summaries (IoD 2019, *_2019)", inputs.why_missing(dataset))
    else:
        lsoas = _native_2019(iod19, lookup, small, inputs, log)
        frames += [_summaries(lsoas, level, 2019, log) for level in SUMMARY_LEVELS]
    computed = _combine(frames)
    published = _published(inputs, log)
    return computed.join(published, how="outer") if not published.empty else computed


def _with_weights_2025(lsoas: pd.DataFrame, inputs: Inputs, log: BuildLog) -> pd.DataFrame:
    """IoD 2025 LSOAs with a ``weight``: File 7 denominators, else Census 2021 residents.

    Without either, no ``weight`` column: only the unweighted measure is computed.
    """
    if "pop_total" in lsoas.columns and lsoas["pop_total"].notna().all():
        return lsoas.assign(weight=lsoas["pop_total"])
    census = inputs.get("census2021_ethnicity_lsoa")
    if census is not None:
        log.note("IoD 2025 summaries weighted by Census 2021 LSOA residents: this copy of "
                 "iod2025_lsoa has no population denominators")
        return lsoas.assign(weight=lsoas["lsoa"].map(census.set_index("area_code")["total"]))
    log.missing("msoa and lad imd_avg_score, imd_avg_rank, imd_extent, "
                "imd_local_concentration (IoD 2025)",
                "population weights are needed: this copy of iod2025_lsoa has no population "
                "denominators and " + inputs.why_missing("census2021_ethnicity_lsoa"))
    return lsoas


def _native_2019(iod19: pd.DataFrame, lookup: pd.DataFrame, small: pd.DataFrame,
                 inputs: Inputs, log: BuildLog) -> pd.DataFrame:
    """IoD 2019 LSOAs (2011) placed whole in the district 2022 and MSOA 2021 holding most of
    their residents (:func:`indicators.deprivation.best_fit_parents`)."""
    residents21, source = _lsoa21_residents(inputs)
    residents11 = (iod19.set_index("area_code")["pop_total"]
                   if "pop_total" in iod19.columns else None)
    parents = small.drop_duplicates("lsoa").set_index("lsoa")
    placement = best_fit_parents(lookup, parents, residents21, residents11)
    placed = placement.join(parents.drop_duplicates("lad").set_index("lad")[
        ["region", "country"]], on="lad").reset_index()
    lsoas = iod19.drop(columns="lad_code", errors="ignore").merge(
        placed, left_on="area_code", right_on="lsoa11_code", how="inner")
    straddling = int((placement["lsoa21_count"] > 1).sum())
    log.note(f"IoD 2019 summaries: each 2011 LSOA counts whole in the 2022 district, then "
             f"the 2021 MSOA, holding most of its residents ({straddling} map to several "
             f"2021 LSOAs); residents of 2021 LSOAs from {source}, shared among their 2011 "
             "LSOAs by the IoD 2019 denominators")
    if len(lsoas) < len(iod19):
        log.note(f"{len(iod19) - len(lsoas)} IoD 2019 LSOAs could not be placed in a 2021 "
                 "MSOA and are left out of the IoD 2019 summaries")
    unplaced = small["msoa"].nunique() - lsoas["msoa"].nunique()
    if unplaced:
        log.missing(f"msoa IoD 2019 summaries (*_2019) of {unplaced} MSOAs",
                    "each 2011 LSOA counts whole in the MSOA holding most of its residents; "
                    "no 2011 LSOA is placed in these MSOAs")
    if "pop_total" in lsoas.columns:
        lsoas = lsoas.assign(weight=lsoas["pop_total"])
    return lsoas


def _lsoa21_residents(inputs: Inputs) -> tuple[pd.Series | None, str]:
    """Residents of each 2021 LSOA, and where they come from."""
    census = inputs.get("census2021_ethnicity_lsoa")
    if census is not None:
        return census.set_index("area_code")["total"], "Census 2021"
    iod25 = inputs.get("iod2025_lsoa")
    if iod25 is not None and "pop_total" in iod25.columns and iod25["pop_total"].notna().any():
        return iod25.set_index("area_code")["pop_total"], "the IoD 2025 denominators"
    return None, ("nowhere (no Census 2021 or IoD 2025 LSOA population is cached), so "
                  "every 2021 LSOA counts as holding as many residents as the others")


def _summaries(lsoas: pd.DataFrame, level: str, year: int, log: BuildLog) -> pd.DataFrame:
    """IMD summaries of the ``level`` areas, named as in the catalogue for ``year``."""
    result = compute_district_summaries(lsoas, parent=level, population="weight",
                                        n_england=N_LSOAS[year], domains=[])
    if "weight" in lsoas.columns and level in ("msoa", "lad"):  # else noted already
        for note in result.attrs.get("notes", []):
            measure, reason = note.split(": NA because ", 1)
            log.missing(f"{level} {measure}{'' if year == 2025 else '_2019'}",
                        reason.rstrip("."))
    result = result[list(SUMMARIES)].rename_axis("area_code")
    return result.add_suffix("" if year == 2025 else "_2019")


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack frames of different areas, then line up their columns by area code."""
    if not frames:
        return pd.DataFrame()
    by_columns: dict[tuple[str, ...], list[pd.DataFrame]] = {}
    for frame in frames:
        by_columns.setdefault(tuple(frame.columns), []).append(frame)
    return pd.concat([pd.concat(group) for group in by_columns.values()], axis=1)


def _published(inputs: Inputs, log: BuildLog) -> pd.DataFrame:
    """File 10 IMD summaries, renamed ``<id>[_2019]_published``, by district code."""
    parts = []
    for year, suffix in ((2025, ""), (2019, "_2019")):
        dataset = f"iod{year}_lad_summary"
        summary = inputs.get(dataset)
        if summary is None:
            log.missing(f"lad IMD summaries as published (IoD {year})", inputs.why_missing(dataset))
            continue
        names = {"imd_prop_most_deprived_10": "imd_pct_most_deprived_10"}
        frame = summary.set_index("lad_code").rename(columns=names)
        frame = frame[[c for c in SUMMARIES if c in frame.columns]]
        parts.append(frame.add_suffix(f"{suffix}_published").rename_axis("area_code"))
        log.missing(f"lad IMD summaries as published (IoD {year})",
                    f"empty for districts whose code differs from those of IoD {year} File 10 "
                    f"({'LAD 2024' if year == 2025 else 'LAD 2019'})")
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


# ---------------------------------------------------------------- build and store
def build_joined(cache: Cache, reports: pd.DataFrame | None = None) -> dict[str, Provenance]:
    """Build the joined tables from the cache and store them in it.

    Parameters
    ----------
    cache
        The data cache; its tables are read and the joined tables written to it as
        ``joined_area_indicator``, ``joined_area_month`` and ``joined_benchmarks`` (the
        region and England figures; source ``derived``).
    reports
        Optional suppressed reports aggregate (see :func:`build_area_months`).

    Returns
    -------
    dict
        Dataset id → stored provenance; its notes list every input dataset with its
        sha256 and fetched-at time, the missing inputs, every NA reason and the build time.

    Raises
    ------
    NotCachedError
        When the lookups the area hierarchy needs are not cached.
    """
    started = time.perf_counter()
    inputs = load_inputs(cache)
    area, benchmarks = build_area_tables(inputs)
    previous = cache.provenance(AREA_TABLE)
    changed = seg_unit_change(previous.notes if previous and previous.file else [],
                              area.attrs["notes"])
    if changed:
        area.attrs["notes"].append(changed)
    months = build_area_months(inputs, reports)
    seconds = time.perf_counter() - started
    titles = {
        AREA_TABLE: "Joined dataset: every indicator of every LSOA, MSOA and district",
        MONTH_TABLE: "Joined dataset: police and report counts by area and month",
        BENCHMARK_TABLE: "Joined dataset: region and England figures of each indicator",
    }
    stored = {}
    for dataset, frame in ((AREA_TABLE, area), (MONTH_TABLE, months),
                           (BENCHMARK_TABLE, benchmarks)):
        provenance = Provenance(
            dataset=dataset, source="derived", title=titles[dataset], url="",
            vintage="; ".join(dict.fromkeys(p.vintage for d, p in inputs.provenance.items()
                                            if not d.startswith("lookup_"))),
            geography="LSOA 2021, MSOA 2021, LAD 2022",
            licence="Open Government Licence v3.0",
            attribution=" ".join(dict.fromkeys(p.attribution
                                               for p in inputs.provenance.values())),
            notes=_notes(inputs, frame, seconds, reports is not None))
        stored[dataset] = cache.store_table(frame, provenance)
    return stored


def _notes(inputs: Inputs, frame: pd.DataFrame, seconds: float, with_reports: bool) -> list[str]:
    notes = [f"input {d}: sha256 {p.sha256 or '-'}, fetched at {p.fetched_at or '-'}"
             for d, p in inputs.provenance.items()]
    notes += [f"input {d} missing: {why}" for d, why in inputs.missing.items()]
    if with_reports:
        notes.append("input reports aggregate: approved reports, suppressed (counts 1-4 hidden)")
    notes += [f"NA: {reason}" for reason in frame.attrs.get("na_reasons", [])]
    notes += frame.attrs.get("notes", [])
    notes.append(f"built with the other joined tables in {seconds:.1f} s")
    return notes


def seg_unit_change(before: list[str], after: list[str]) -> str | None:
    """A note when the segregation unit differs from the previous build's, else None.

    Parameters
    ----------
    before, after
        The notes of the previous build (its provenance) and of this one.
    """
    def unit(notes: list[str]) -> str | None:
        found = [n.removeprefix(SEG_UNIT_NOTE)[:5] for n in notes if n.startswith(SEG_UNIT_NOTE)]
        return found[0] if found else None

    old, new = unit(before), unit(after)
    if old is None or new is None or old == new:
        return None
    return (f"segregation unit changed: the previous build computed D, isolation and Theil's "
            f"H across {old}, this one across {new}; values across LSOAs run higher than "
            "across MSOAs for the same district, so these are not comparable with downloads "
            "of the previous build")


def reasons_by_column(frame: pd.DataFrame) -> Mapping[str, str]:
    """The NA reasons of a built table, by the text naming the columns concerned."""
    return dict(r.split(": ", 1) for r in frame.attrs.get("na_reasons", []))
