"""Counts of approved reports in a set of LSOAs (a member's service area), for the public.

Part of the aggregation API (:mod:`reports.aggregate`): the counts are built from the same
cube of cells, and nothing but suppressed counts leaves this module.

A set of LSOAs is not an official area, so its count can be set against published counts
to work out a small one.  A month's count of the set is therefore shown only when

* it is 0 or at least 5 (counts 1 to 4 are shown as ``<5``), and
* none of these differences with published counts of the same month is 1 to 4 (else it
  is withheld as ``[c]``):

  - the set's count minus the published counts of the official areas lying wholly
    inside it, level by level (its LSOAs; the MSOAs, then districts, all of whose LSOAs
    are in it): this would give the count of its hidden parts;
  - the published count of each official area holding all of it (MSOA, district, region,
    England) minus the set's count: this would give the count of the rest;
  - for a year, the year's count minus the published counts of its months: this would
    give what its withheld months hold.

Reports given only as an MSOA or district code lie in no LSOA, so they are not in the
set's count. Differences with other custom areas (one service area inside another) are
not checked: only official areas are.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from reports.aggregate import SHOWN, Cube, Period
from reports.areas import AreaDirectory
from reports.suppression import PRIMARY, PUBLISHED, SECONDARY

COLUMNS = ["area_code", "period", "count", "shown", "suppressed"]


def area_set_counts(cube: Cube, directory: AreaDirectory, code: str, lsoas: Sequence[str],
                    period: Period = "month") -> pd.DataFrame:
    """Suppressed counts of approved reports in ``lsoas`` by period.

    Parameters
    ----------
    cube
        The built cube (:func:`reports.aggregate.build_cube`).
    directory
        The known areas.
    code
        The code to give the set in the result.
    lsoas
        LSOA 2021 codes of the set.
    period
        month or year.

    Returns
    -------
    DataFrame
        area_code, period, count (Int64, NA when withheld), shown (``<5``, ``[c]`` or the
        count) and suppressed, one row per period with a report in any of the set's LSOAs
        (other periods had none).
    """
    cells = cube.cells
    cells = cells[(cells["period_kind"] == period) & (cells["dimension"] == "all")]
    members = set(lsoas)
    mine = cells[(cells["level"] == "lsoa") & cells["area_code"].isin(members)]
    totals = mine.groupby("period", observed=True)["count"].sum().astype("int64")
    status = pd.Series(PUBLISHED, index=totals.index)
    status[(totals >= 1) & (totals <= 4)] = PRIMARY
    checks = [_inside(cells, directory, members, totals),
              _around(cells, directory, members, totals)]
    if period == "year":
        checks.append(_year_less_months(cube, directory, code, lsoas, totals))
    for differences in checks:
        risky = ((differences >= 1) & (differences <= 4)).any(axis=1)
        status[risky.reindex(status.index, fill_value=False) & (status == PUBLISHED)] = SECONDARY
    published = status == PUBLISHED
    return pd.DataFrame({
        "area_code": code, "period": totals.index.astype("string"),
        "count": totals.astype("Int64").where(published, pd.NA).to_numpy(),
        "shown": totals.astype("string").where(published, status.map(SHOWN)).to_numpy(),
        "suppressed": (~published).to_numpy(),
    }, columns=COLUMNS).reset_index(drop=True)


def _year_less_months(cube: Cube, directory: AreaDirectory, code: str, lsoas: Sequence[str],
                      totals: pd.Series) -> pd.DataFrame:
    """Each year's count minus the published counts of its months: what the set's withheld
    months hold together."""
    months = area_set_counts(cube, directory, code, lsoas, "month")
    shown = months.dropna(subset=["count"])
    by_year = shown.groupby(shown["period"].str.slice(0, 4))["count"].sum()
    published = by_year.reindex(totals.index.astype(str)).fillna(0).to_numpy()
    return pd.DataFrame({"months": totals.to_numpy() - published}, index=totals.index)


def _published_sums(cells: pd.DataFrame, level: str, codes: set[str]) -> pd.Series:
    chosen = cells[(cells["level"] == level) & cells["area_code"].isin(codes)
                   & (cells["status"] == PUBLISHED)]
    return chosen.groupby("period", observed=True)["count"].sum()


def _inside(cells: pd.DataFrame, directory: AreaDirectory, members: set[str],
            totals: pd.Series) -> pd.DataFrame:
    """The set's count minus the published counts of official areas wholly inside it."""
    areas = directory.areas
    lsoas = areas[areas["level"] == "lsoa"]
    columns = {"lsoa": _published_sums(cells, "lsoa", members)}
    within = pd.Series(lsoas.index.isin(list(members)), index=lsoas.index)
    for level in ("msoa", "lad"):
        whole = within.groupby(lsoas[f"{level}_code"]).all()
        full = set(whole.index[whole].astype(str))
        columns[level] = _published_sums(cells, level, full)
    frame = pd.DataFrame(columns).reindex(totals.index).fillna(0)
    return frame.rsub(totals, axis=0)


def _around(cells: pd.DataFrame, directory: AreaDirectory, members: set[str],
            totals: pd.Series) -> pd.DataFrame:
    """Published counts of official areas holding all of the set, minus the set's count."""
    areas = directory.areas
    mine = areas.reindex(list(members))
    columns = {}
    for level in ("msoa", "lad", "region", "country"):
        holders = mine[f"{level}_code"].dropna().unique()
        if len(holders) != 1 or mine[f"{level}_code"].isna().any():
            continue
        chosen = cells[(cells["level"] == level) & (cells["area_code"] == holders[0])
                       & (cells["status"] == PUBLISHED)]
        columns[level] = chosen.set_index("period")["count"]
    if not columns:
        return pd.DataFrame(index=totals.index)
    frame = pd.DataFrame(columns).reindex(totals.index)
    return frame.sub(totals, axis=0)
