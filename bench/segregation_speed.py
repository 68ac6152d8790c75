"""All segregation measures for every district from LSOA counts, ours against PySAL's.

Input: the real Census 2021 ethnic group counts of every LSOA of England in five broad
groups (``../shared/data/real``, read in place, as tests/test_segregation.py does), with
each LSOA's 2023 district. Both implementations compute, for every district, the index
of dissimilarity and isolation of each group, the entropy (Theil's H) and Simpson's
diversity. They run side by side in one process, interleaved, and must agree to 1e-9.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.common import REAL, CannotRun, Context, Row, median, repeat, seconds
from indicators.segregation import compute_segregation

LSOA_COUNTS = REAL / "census2021" / "nomis_ts021_ethnic_group_5cat_lsoa21_counts.csv"
LSOA_LOOKUP = REAL / "lookups" / "LSOA21_LAD23_EW_lookup_ONS.csv"
BROAD = ("white", "asian", "black", "mixed", "other")
COMMAND = "python -m bench --only segregation"


def load_lsoa_counts() -> pd.DataFrame:
    """Broad-group counts of every LSOA of England with its district (lad_code)."""
    if not LSOA_COUNTS.is_file() or not LSOA_LOOKUP.is_file():
        raise CannotRun(f"no real LSOA counts at {LSOA_COUNTS} (../shared absent)")
    raw = pd.read_csv(LSOA_COUNTS, skiprows=6, dtype=str)
    raw = raw[raw.iloc[:, 0].str.contains(" : ", na=False)].iloc[:, [0, 1, 3, 5, 7, 9, 11]]
    raw.columns = ["area", "total", *("asian", "black", "mixed", "white", "other")]
    counts = raw.assign(area_code=raw["area"].str.split(" : ").str[0]).drop(columns="area")
    counts[["total", *BROAD]] = counts[["total", *BROAD]].astype("int64")
    lookup = pd.read_csv(LSOA_LOOKUP, encoding="utf-8-sig", usecols=["LSOA21CD", "LAD23CD"])
    lookup.columns = ["area_code", "lad_code"]
    counts = counts.merge(lookup, on="area_code")
    return counts[counts["area_code"].str.startswith("E")].reset_index(drop=True)


def pysal_segregation(counts: pd.DataFrame, groups, detailed) -> pd.DataFrame:
    """The same measures with PySAL ``segregation``, one district at a time."""
    try:
        import segregation as pysal
    except ImportError as exc:
        raise CannotRun("PySAL segregation is not installed") from exc
    rows = {}
    for lad, units in counts.groupby("lad_code"):
        row = {}
        for group in groups:
            row[f"d_{group}"] = pysal.singlegroup.Dissim(units, group, "total").statistic
            row[f"isolation_{group}"] = pysal.singlegroup.Isolation(units, group, "total").statistic
        # PySAL's H is NaN when a category is absent from the district (0 · ln(1/0)).
        present = [c for c in detailed if units[c].sum() > 0]
        row["entropy_h"] = pysal.multigroup.MultiInfoTheory(units, present).statistic
        row["simpson_diversity"] = pysal.multigroup.SimpsonsInteraction(units, present).statistic
        rows[lad] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def run(ctx: Context) -> list[Row]:
    counts = load_lsoa_counts()
    groups = list(BROAD)

    def ours() -> pd.DataFrame:
        return compute_segregation(counts, groups=groups, detailed=BROAD)

    ours()  # warm-up: imports and first allocation
    ours_times, pysal_times = [], []
    # ours, PySAL, ours: both see the same state of the machine.
    ours_times += repeat(ours, 5)
    started = time.perf_counter()
    theirs = pysal_segregation(counts, groups, BROAD)
    pysal_times.append(time.perf_counter() - started)
    ours_times += repeat(ours, 5)
    result = ours()
    several = result["n_units"] >= 2
    for column in theirs.columns:
        np.testing.assert_allclose(result.loc[several, column], theirs.loc[several, column],
                                   atol=1e-9, rtol=0, err_msg=column)
    mine, pysal = median(ours_times), median(pysal_times)
    ratio = pysal / mine
    return [Row(
        what=f"All segregation measures, every LAD ({len(result)}) from LSOA counts "
             f"({len(counts):,} LSOAs, 5 groups), vs PySAL `segregation`",
        figure=f"{seconds(mine)}; PySAL {seconds(pysal)}: {ratio:.0f}× faster",
        target="< 0.1 s and ≥ 50×", passed=mine < 0.1 and ratio >= 50, command=COMMAND,
        notes=[f"median of {len(ours_times)} runs of compute_segregation, 5 before and 5 "
               "after the PySAL loop over districts; results agree to 1e-9"],
        values={"ours_s": mine, "pysal_s": pysal, "ratio": ratio})]
