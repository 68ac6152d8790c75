"""Religion, country of birth and English proficiency in the joined dataset.

The groups of :data:`indicators.topics.TOPICS` are measured like ethnic groups, by the
same functions and the same edge-case rules (:mod:`indicators.segregation`,
:mod:`indicators.segregation_null`):

* districts: ``d_<group>`` and ``isolation_<group>`` with what random placement gives
  (``_expected``, ``_low``, ``_high``, ``_random``), ``residents_<group>``, across the same
  kind of small area as the ethnic-group measures of the build (``seg_unit``), and only
  for districts all of whose small areas have counts; for religion also Theil's H
  (``religion_entropy_h``);
* every LSOA, MSOA and district: ``pct_<group>`` (share of the table's total) and, for
  religion, ``religion_simpson_diversity`` and ``religion_entropy`` of its residents as a
  whole; LSOAs and MSOAs also ``lq_<group>`` and ``lq_<group>_england``.

The tables are optional: a topic whose table is not cached leaves its columns empty, with
the reason in the build's NA notes, and the build goes on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.joined_inputs import (
    BuildLog,
    Inputs,
    complete_districts,
    districts_of,
    placed_counts,
)
from indicators.segregation import (
    MIN_UNITS,
    compute_area_diversity,
    compute_location_quotients,
    compute_segregation,
)
from indicators.segregation_null import compute_random_benchmarks
from indicators.topics import TOPICS, Topic, topic_counts

LEVELS = ("lsoa", "msoa", "lad")
FINER = {"lsoa": (), "msoa": ("lsoa",), "lad": ("msoa", "lsoa")}
"""Levels whose counts sum to a level without a table of its own, in order of preference."""


def family(topic: Topic) -> str:
    """The district columns of a topic's segregation measures, for NA reasons."""
    names = ", ".join(topic.group_ids)
    extra = f", {topic.id}_entropy_h" if topic.detailed else ""
    return f"d_*, isolation_* and residents_* of {names}{extra}"


def compute_topics(inputs: Inputs, small: pd.DataFrame, unit: str,
                   log: BuildLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every topic column of every area, and the region and England figures of the shares.

    Parameters
    ----------
    inputs
        The cached tables.
    small
        The LSOA → MSOA → LAD lookup (with ``region`` and ``country`` columns).
    unit
        ``"lsoa"`` or ``"msoa"``: the small areas district segregation is computed across.
    log
        Where NA reasons and notes go.

    Returns
    -------
    tuple of DataFrame
        The columns by area code (districts, MSOAs and LSOAs stacked), and the figures of
        ``pct_*`` and religion diversity for each region and England (by their codes).
    """
    areas, special = [], []
    for topic in TOPICS:
        counts = {level: _level_counts(inputs, topic, small, level, log) for level in LEVELS}
        measures = {level: _area_measures(topic, counts[level], level)
                    for level in LEVELS if counts[level] is not None}
        districts = _district_segregation(topic, counts, small, unit, log,
                                          inputs.why_missing(topic.dataset(unit)))
        if "lad" in measures:
            districts = measures.pop("lad").join(districts, how="outer")
        areas.append(_combine([districts, *measures.values()]))
        special.append(_place_figures(topic, counts, small))
    return _stack_columns(areas), _stack_columns(special)


def _level_counts(inputs: Inputs, topic: Topic, small: pd.DataFrame, level: str,
                  log: BuildLog) -> pd.DataFrame | None:
    """The topic's group counts at ``level`` with each area's ``lad_code``, or None.

    An MSOA or district without its own table gets the sums of the counts of its LSOAs
    (or MSOAs): small areas nest exactly in MSOAs and districts.
    """
    own = _cached_counts(inputs, topic, level, log)
    if own is not None:
        return own if level == "lad" else placed_counts(own, districts_of(small, level))
    for child in FINER[level]:
        counts = _cached_counts(inputs, topic, child, log)
        if counts is None:
            continue
        log.note(f"{topic.title} of {level} areas: sums of the Census 2021 {child} counts "
                 f"({topic.dataset(level)} not available)")
        parents = small.drop_duplicates(child).set_index(child)[level]
        placed = counts.assign(parent=counts["area_code"].map(parents)).dropna(
            subset=["parent"])
        summed = placed.drop(columns=["area_code", "area_name"]).groupby("parent").sum()
        summed = summed.rename_axis("area_code").reset_index().assign(area_name=pd.NA)
        return summed.assign(lad_code=summed["area_code"]) if level == "lad" else (
            placed_counts(summed, districts_of(small, level)))
    reasons = " and ".join(inputs.why_missing(topic.dataset(lv)) for lv in (level, *FINER[level]))
    log.missing(f"{level} pct_*{', lq_*' if level != 'lad' else ''} ({topic.title})", reasons)
    return None


def _cached_counts(inputs: Inputs, topic: Topic, level: str,
                   log: BuildLog) -> pd.DataFrame | None:
    """The cached table of the topic at ``level`` as group counts, or None (noted why)."""
    table = inputs.get(topic.dataset(level))
    if table is None:
        return None
    try:
        counts = topic_counts(table, topic)
    except ValueError as problem:
        log.missing(f"{level} {topic.title} columns", f"{topic.dataset(level)}: {problem}")
        return None
    return counts.assign(lad_code=counts["area_code"]) if level == "lad" else counts


def _district_segregation(topic: Topic, counts: dict[str, pd.DataFrame | None],
                          small: pd.DataFrame, unit: str, log: BuildLog,
                          why: str) -> pd.DataFrame:
    """d_*, isolation_*, random placement, residents_* (and Theil's H) of every district.

    ``why`` says why the topic's table at ``unit`` may be missing.
    """
    placed = counts[unit]
    if placed is None:
        log.missing(f"lad {family(topic)}",
                    f"no Census 2021 {topic.table} counts by {unit.upper()} ({why}); "
                    "segregation is computed across the same small areas as by ethnic group "
                    f"({unit.upper()}s)")
        return pd.DataFrame()
    parents = districts_of(small, unit)
    placed = complete_districts(placed, parents, unit, "2021", log, family(topic))
    groups = list(topic.group_ids)
    seg = compute_segregation(placed, groups=groups, detailed=topic.detailed or groups)
    few = seg.index[seg["n_units"] < MIN_UNITS]
    if len(few):
        log.missing(f"lad {topic.title} d_*, isolation_* of {', '.join(few)}",
                    f"segregation across small areas needs at least {MIN_UNITS} "
                    f"{unit.upper()}s with residents in the district")
    measures = [c for c in seg.columns if c.startswith(("d_", "isolation_"))]
    result = seg[measures].join(compute_random_benchmarks(placed, seg, groups=groups))
    if topic.detailed:
        result[f"{topic.id}_entropy_h"] = seg["entropy_h"]
    residents = placed.groupby("lad_code")[groups].sum().add_prefix("residents_")
    return result.join(residents).rename_axis("area_code")


def _area_measures(topic: Topic, counts: pd.DataFrame, level: str) -> pd.DataFrame:
    """pct_* (and for small areas residents_*, lq_*) and diversity of every area."""
    groups = list(topic.group_ids)
    frame = counts.set_index("area_code")
    total = frame["total"].to_numpy(dtype="float64")
    shares = np.where(total[:, None] > 0, 100.0 * frame[groups].to_numpy(dtype="float64")
                      / np.where(total > 0, total, 1.0)[:, None], np.nan)
    result = pd.DataFrame(shares, index=frame.index, columns=[f"pct_{g}" for g in groups])
    if level != "lad":
        result = result.join(frame[groups].add_prefix("residents_"))
        quotients = compute_location_quotients(counts, groups=groups)
        result = result.join(quotients.drop(columns="lad_code").set_index("area_code"))
    if topic.detailed:
        result = result.join(_diversity(topic, counts))
    return result.rename_axis("area_code")


def _diversity(topic: Topic, counts: pd.DataFrame) -> pd.DataFrame:
    diversity = compute_area_diversity(counts, detailed=topic.detailed).set_index("area_code")
    return diversity.rename(columns={"simpson_diversity": f"{topic.id}_simpson_diversity",
                                     "entropy": f"{topic.id}_entropy"})


def _place_figures(topic: Topic, counts: dict[str, pd.DataFrame | None],
                   small: pd.DataFrame) -> pd.DataFrame:
    """Shares and diversity of each region's and England's residents as a whole."""
    for level in ("lsoa", "msoa", "lad"):
        placed = counts[level]
        if placed is None:
            continue
        places = small.drop_duplicates("lad").set_index("lad")[["region", "country"]]
        placed = placed.join(places, on="lad_code", how="inner")
        numbers = placed[["total", *topic.group_ids,
                          *[c for c in topic.detailed if c not in topic.group_ids]]]
        summed = pd.concat([numbers.groupby(placed["region"]).sum(),
                            numbers.groupby(placed["country"]).sum()])
        summed = summed.rename_axis("area_code").reset_index()
        return _area_measures(topic, summed.assign(lad_code=summed["area_code"],
                                                   area_name=pd.NA), "lad")
    return pd.DataFrame()


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack frames of different areas (their columns may differ)."""
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts) if parts else pd.DataFrame()


def _stack_columns(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of different columns for overlapping areas, side by side."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, axis=1) if frames else pd.DataFrame()
