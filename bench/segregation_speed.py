"""All segregation measures for every district from LSOA counts, ours against PySAL's.

Input: the real Census 2021 ethnic group counts of every LSOA of England in five broad
groups (``../shared/data/real``, read in place, as tests/test_segregation.py does), with
each LSOA's 2023 district. Both implementations compute, for every district, the index
of dissimilarity and isolation of each group, the entropy (Theil's H) and Simpson's
diversity. They run side by side in one process, interleaved, and must agree to 1e-9.

A second row times what random placement gives for every D and isolation
(:func:`indicators.segregation_null.compute_random_benchmarks`, all districts × groups)
against PySAL's ``SingleValueTest`` (500 draws of the ``systematic`` null, one process)
on a sample of districts and groups, extrapolated to all of them; the ranges must agree
within simulation error.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from bench.common import REAL, CannotRun, Context, Row, median, repeat, seconds
from indicators.segregation import MIN_UNITS, compute_segregation
from indicators.segregation_null import compute_random_benchmarks

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


PYSAL_DRAWS = 500
SAMPLE_GROUPS = ("black", "asian", "other")


def pysal_single_value_test(units: pd.DataFrame, group: str, measure: str,
                            approach: str = "systematic", iterations: int = PYSAL_DRAWS):
    """PySAL's ``SingleValueTest`` of one district's D (``"d"``) or isolation of ``group``
    (seeded, in this process); its ``est_sim`` holds the null draws."""
    import warnings

    import geopandas as gpd
    from shapely.geometry import Point

    try:
        from segregation.inference import SingleValueTest
        from segregation.singlegroup import Dissim, Isolation
    except ImportError as exc:
        raise CannotRun("PySAL segregation is not installed") from exc
    frame = gpd.GeoDataFrame(units[[group, "total"]].reset_index(drop=True),
                             geometry=[Point(i, 0) for i in range(len(units))])
    index = {"d": Dissim, "isolation": Isolation}[measure]
    np.random.seed(12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SingleValueTest(index(frame, group, "total"), iterations_under_null=iterations,
                               null_approach=approach, n_jobs=1)


def within_simulation_error(ours: float, draws: np.ndarray, q: float,
                            slack: float = 0.0) -> bool:
    """Whether ``ours`` lies (give or take ``slack``) between the order statistics of
    ``draws`` that bracket its ``q`` quantile with 99.7% confidence (the binomial spread
    of a quantile's rank)."""
    n = len(draws)
    spread = 3 * np.sqrt(n * q * (1 - q))
    ordered = np.sort(draws)
    low = ordered[max(int(n * q - spread), 0)]
    high = ordered[min(int(np.ceil(n * q + spread)), n - 1)]
    return bool(low - slack <= ours <= high + slack)


def run_random(ctx: Context) -> list[Row]:
    counts = load_lsoa_counts()
    groups = list(BROAD)
    observed = compute_segregation(counts, groups=groups, detailed=BROAD)

    def ours() -> pd.DataFrame:
        return compute_random_benchmarks(counts, observed, groups=groups)

    ours()
    ours_times = repeat(ours, 2 if ctx.quick else 5)
    result = ours()
    values = int(observed[[f"{m}_{g}" for m in ("d", "isolation") for g in groups]]
                 .notna().sum().sum())
    sizes = counts.groupby("lad_code").size().sort_values()
    sizes = sizes[sizes >= MIN_UNITS]  # a district of one LSOA has no D to test
    picks = sizes.index[np.linspace(0, len(sizes) - 1, 2 if ctx.quick else 4).astype(int)]
    pysal_times, checked, agreed = [], 0, 0
    for lad in picks:
        units = counts[counts["lad_code"] == lad]
        for group in SAMPLE_GROUPS[: 1 if ctx.quick else len(SAMPLE_GROUPS)]:
            for measure in ("d", "isolation"):
                started = time.perf_counter()
                sims = np.asarray(pysal_single_value_test(units, group, measure).est_sim)
                pysal_times.append(time.perf_counter() - started)
                column = f"{measure}_{group}"
                width = result.loc[lad, f"{column}_high"] - result.loc[lad, f"{column}_low"]
                for suffix, q in (("low", 0.025), ("high", 0.975)):
                    checked += 1
                    agreed += within_simulation_error(result.loc[lad, f"{column}_{suffix}"],
                                                      sims, q, 0.05 * width)
    mine, per_value = median(ours_times), median(pysal_times)
    pysal_all = per_value * values
    msoa = _msoa_seconds(ctx)
    return [Row(
        what=f"Random-placement expected value, 95% range and flag of every D and isolation "
             f"({values:,} values: {len(observed)} LADs × 5 groups) from LSOA counts, vs PySAL "
             "`SingleValueTest`",
        figure=f"{seconds(mine)}; PySAL {per_value:.2f} s a value ({PYSAL_DRAWS} draws), "
               f"{pysal_all / 60:.0f} min for all: {pysal_all / mine:,.0f}×",
        target="< 5 s", passed=mine < 5, command=COMMAND,
        notes=[f"median of {len(ours_times)} runs of compute_random_benchmarks; PySAL "
               f"timed on {len(pysal_times)} values (D and isolation of "
               f"{len(pysal_times) // 2} district × group pairs: districts of "
               f"{', '.join(str(sizes[lad]) for lad in picks)} LSOAs; groups "
               f"{', '.join(SAMPLE_GROUPS)}), systematic null, one process, extrapolated "
               f"to all {values:,} values; {agreed} of {checked} range ends within "
               "PySAL's simulation error (the 99.7% band of the quantile's rank, give or "
               "take 5% of the range)", msoa],
        values={"ours_s": mine, "pysal_per_value_s": per_value, "pysal_all_s": pysal_all,
                "ratio": pysal_all / mine, "agreed": agreed, "checked": checked})]


def _msoa_seconds(ctx: Context) -> str:
    """The same on the national cache's Census 2021 MSOA counts (the dataset's own input
    when LSOA counts are not cached, as with the mirror), as a note."""
    from data_sources.cache import Cache

    cache = Cache(ctx.cache_dir)
    try:
        counts = cache.load_table("census2021_ethnicity_msoa")
        lookup = cache.load_table("lookup_lsoa21_msoa21_lad22")
    except Exception as exc:  # noqa: BLE001 - a note, not the row
        return f"MSOA counts not timed: {type(exc).__name__}: {exc}"
    districts = lookup.drop_duplicates("msoa21_code").set_index("msoa21_code")["lad22_code"]
    counts = counts.assign(lad_code=counts["area_code"].map(districts)).dropna(
        subset=["lad_code"])
    observed = compute_segregation(counts)
    times = repeat(lambda: compute_random_benchmarks(counts, observed), 3)
    values = int(observed.filter(regex="^(d|isolation)_").notna().sum().sum())
    return (f"on the national cache's Census 2021 MSOA counts ({len(counts):,} MSOAs, "
            f"{len(observed)} LADs × 6 groups, {values:,} values): {seconds(median(times))} "
            "(median of 3)")
