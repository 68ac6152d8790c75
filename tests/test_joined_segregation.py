"""Segregation in the joined dataset: random-placement columns, the small-group case and
one kind of small area per build (issue 12, cases 1 and 7).

Census counts are written in the published TS021 bulk format (tests/fixtures/census.py)
and parsed by the fetcher's own parser; the lookups are hand-made. Two invented
districts: Townbury (2 MSOAs of 4 LSOAs) and Mockford (9 MSOAs of 2 LSOAs, with 76 Black
residents spread about as random placement would spread them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_sources.cache import Cache, Provenance
from indicators.catalogue import CATALOGUE
from indicators.export import export_from_cache
from indicators.joined import (
    AREA_TABLE,
    SEG_UNIT_NOTE,
    build_area_indicators,
    build_joined,
    reasons_by_column,
)
from indicators.joined_inputs import Inputs
from indicators.segregation import GROUPS, compute_segregation
from indicators.segregation_null import benchmark_columns, compute_random_benchmarks
from tests.fixtures.census import detailed_counts, parse, ts021_csv

DISTRICTS = {"E07000998": ("Townbury", 2, 4), "E07000999": ("Mockford", 9, 2)}
MOCKFORD_BLACK = [2, 2, 5, 6, 3, 3, 7, 6, 4, 3, 2, 3, 6, 6, 5, 4, 5, 4]  # 76 over 18 LSOAs


def lookup() -> pd.DataFrame:
    rows = []
    for d, (lad, (name, msoas, lsoas)) in enumerate(DISTRICTS.items()):
        for m in range(msoas):
            msoa = f"E020{d}{m:04d}"
            for s in range(lsoas):
                rows.append({"lsoa21_code": f"E010{d}{m:02d}{s:02d}",
                             "lsoa21_name": f"{name} {m + 1:03d}{'ABCD'[s]}",
                             "msoa21_code": msoa, "msoa21_name": f"{name} {m + 1:03d}",
                             "lad22_code": lad, "lad22_name": name})
    return pd.DataFrame(rows).astype("string")


def census_inputs(drop_lsoas: tuple[str, ...] = (), levels=("lsoa", "msoa")) -> Inputs:
    """Both lookups and TS021 by LSOA and MSOA (invented counts, published format)."""
    areas = lookup()
    rng = np.random.default_rng(21)
    townbury = detailed_counts(rng, 8, (1300, 1900))
    mockford = detailed_counts(rng, 18, (1300, 1900), black=MOCKFORD_BLACK)
    detailed = pd.concat([townbury, mockford], ignore_index=True)
    detailed.loc[[0, 1], "asian_indian"] += 400  # Indian residents clustered in Townbury
    lsoa = parse(ts021_csv(dict(zip(areas["lsoa21_code"], areas["lsoa21_name"], strict=True)),
                           detailed, "lsoa"), "lsoa")
    by_msoa = detailed.groupby(areas["msoa21_code"].to_numpy(), sort=False).sum()
    names = areas.drop_duplicates("msoa21_code").set_index("msoa21_code")["msoa21_name"]
    msoa = parse(ts021_csv(names.reindex(by_msoa.index).to_dict(), by_msoa, "msoa"), "msoa")
    regions = pd.DataFrame({"lad22_code": list(DISTRICTS),
                            "lad22_name": [v[0] for v in DISTRICTS.values()],
                            "region_code": "E12000009", "region_name": "South West"})
    tables = {"lookup_lsoa21_msoa21_lad22": areas,
              "lookup_lad22_region": regions.astype("string"),
              "census2021_ethnicity_lsoa": lsoa[~lsoa["area_code"].isin(drop_lsoas)],
              "census2021_ethnicity_msoa": msoa}
    tables = {k: v for k, v in tables.items()
              if not k.startswith("census") or k.rsplit("_", 1)[1] in levels}
    return Inputs(tables=tables)


def districts(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["level"] == "lad"].set_index("area_code")


@pytest.fixture(scope="module")
def area() -> pd.DataFrame:
    return build_area_indicators(census_inputs())


def test_every_d_and_isolation_has_its_random_placement_columns(area):
    lads = districts(area)
    counts = census_inputs().get("census2021_ethnicity_lsoa").merge(
        lookup()[["lsoa21_code", "lad22_code"]], left_on="area_code", right_on="lsoa21_code")
    counts = counts.rename(columns={"lad22_code": "lad_code"})
    expected = compute_random_benchmarks(counts, compute_segregation(counts))
    for group in GROUPS:
        for measure in ("d", "isolation"):
            for column in benchmark_columns(f"{measure}_{group}"):
                assert column in CATALOGUE and CATALOGUE[column].theme == "uncertainty"
                pd.testing.assert_series_equal(
                    lads[column].astype(expected[column].dtype), expected[column],
                    check_names=False, check_index=False)
        assert lads.loc["E07000999", f"residents_{group}"] == counts.loc[
            counts["lad_code"] == "E07000999", group].sum()
    lsoa = area.set_index("area_code").loc["E01010000"]
    assert lsoa["residents_black"] == MOCKFORD_BLACK[0]
    assert lads["d_black_random"].dtype == "boolean"


def test_a_small_group_spread_at_random_is_flagged(area):
    """Issue 12, case 1, through the joined dataset: 76 Black residents of Mockford."""
    mockford = districts(area).loc["E07000999"]
    assert mockford["residents_black"] == 76
    assert mockford["d_black_random"] and mockford["isolation_black_random"]
    assert mockford["d_black_low"] <= mockford["d_black"] <= mockford["d_black_high"]
    assert mockford["d_black_expected"] > mockford["d_black"] / 2
    townbury = districts(area).loc["E07000998"]
    assert not townbury["d_asian_random"] and not townbury["isolation_asian_random"]


def test_one_kind_of_small_area_and_it_is_said(area):
    assert set(districts(area)["seg_unit"]) == {"lsoa"}
    assert f"{SEG_UNIT_NOTE}LSOAs (Census 2021 counts by LSOA)" in area.attrs["notes"]
    msoa_only = build_area_indicators(census_inputs(levels=("msoa",)))
    assert set(districts(msoa_only)["seg_unit"]) == {"msoa"}
    assert (f"{SEG_UNIT_NOTE}MSOAs: Census 2021 counts by LSOA are not available"
            in msoa_only.attrs["notes"])
    # the same district measured across MSOAs comes out lower: never mixed in one build
    assert (districts(msoa_only).loc["E07000998", "d_asian"]
            < districts(area).loc["E07000998", "d_asian"])


def test_a_district_missing_some_lsoa_counts_is_withheld_not_mixed():
    """Issue 12, case 7: Townbury lacks the counts of one LSOA. Before, its D was computed
    across its other seven LSOAs (or, lacking them all, left empty without a word) beside
    LSOA-based neighbours; now it is withheld, saying why, and never taken from MSOAs."""
    table = build_area_indicators(census_inputs(drop_lsoas=("E01000103",)))
    lads = districts(table)
    family = [c for c in table.columns if c.startswith(("d_", "isolation_", "entropy_h",
                                                        "residents_"))]
    assert lads.loc["E07000998", family].isna().all()
    assert lads.loc["E07000998", "seg_unit"] == "lsoa"
    assert pd.isna(lads.loc["E07000998", "simpson_diversity"])
    pd.testing.assert_series_equal(lads.loc["E07000999", family],
                                   districts(build_area_indicators(census_inputs()))
                                   .loc["E07000999", family])
    reasons = reasons_by_column(table)
    subject = ("lad d_*, isolation_*, entropy_h, simpson_diversity, residents_* of "
               "E07000998")
    assert reasons[subject].startswith("Census 2021 counts of some of their LSOAs are missing "
                                       "(E07000998 (1 of 8)); segregation is computed across "
                                       "all of a district's LSOAs or not at all")


def test_a_change_of_unit_between_builds_is_reported(tmp_path):
    cache = Cache(tmp_path)

    def store(inputs: Inputs) -> None:
        for dataset, frame in inputs.tables.items():
            cache.store_table(frame, Provenance(dataset, "test", dataset, "http://x/" + dataset,
                                                "v", "g", "OGL", "attr"))

    store(census_inputs(levels=("msoa",)))
    build_joined(cache)
    first = cache.provenance(AREA_TABLE).notes
    assert not any(n.startswith("segregation unit changed") for n in first)
    store(census_inputs())
    build_joined(cache)
    notes = cache.provenance(AREA_TABLE).notes
    assert ("segregation unit changed: the previous build computed D, isolation and Theil's "
            "H across MSOAs, this one across LSOAs") in " ".join(notes)
    build_joined(cache)
    assert not any(n.startswith("segregation unit changed")
                   for n in cache.provenance(AREA_TABLE).notes)


def test_the_export_carries_the_columns_and_their_dictionary(tmp_path):
    cache = Cache(tmp_path / "cache")
    for dataset, frame in census_inputs().tables.items():
        cache.store_table(frame, Provenance(dataset, "test", dataset, "http://x/" + dataset,
                                            "v", "g", "OGL", "attr"))
    build_joined(cache)
    written = export_from_cache(cache, "lad", "csv", tmp_path / "out" / "districts.csv")
    data = pd.read_csv(written[0]).set_index("area_code")
    assert data.loc["E07000999", "d_black_random"] and data.loc["E07000999", "seg_unit"] == \
        "lsoa"
    assert data.loc["E07000999", "residents_black"] == 76
    dictionary = pd.read_csv(tmp_path / "out" / "districts_data_dictionary.csv").set_index(
        "column")
    for column in ("d_black_expected", "d_black_low", "d_black_high", "d_black_random",
                   "isolation_black_2011_random", "residents_black", "seg_unit"):
        assert column in dictionary.index
    flag = dictionary.loc["d_black_random"]
    assert flag["unit"] == "yes/no" and flag["vintage"] == "Census 2021"
    assert flag["licence"] == "Open Government Licence v3.0"
    assert "cannot be told from a random spread" in flag["definition"]
    assert dictionary.loc["d_black_low", "unit"] == "index 0-1"


# ---------------------------------------------------------------- national, from the mirror
@pytest.mark.national
def test_national_small_groups_against_random_placement(national):
    """Issue 12's figures on Census 2021 across MSOAs (the mirror has no LSOA counts)."""
    assert f"{SEG_UNIT_NOTE}MSOAs: Census 2021 counts by LSOA are not available" in \
        national.result.stdout
    lads = districts(national.cache.load_table(AREA_TABLE))
    assert set(lads["seg_unit"]) == {"msoa"}
    torridge = lads.loc["E07000046"]
    assert torridge["residents_black"] == 76
    assert torridge["d_black"] == pytest.approx(0.156, abs=5e-4)
    assert torridge["d_black_expected"] == pytest.approx(0.128, abs=5e-4)
    assert torridge["d_black_low"] < torridge["d_black"] < torridge["d_black_high"]
    assert torridge["d_black_random"] and torridge["isolation_black_random"]
    d = pd.DataFrame({g: lads[f"d_{g}"] for g in GROUPS if g != "white_british"}).stack()
    d = d[d.notna()]
    expected = pd.DataFrame({g: lads[f"d_{g}_expected"] for g in d.index.levels[1]}).stack()
    flagged = pd.DataFrame({g: lads[f"d_{g}_random"] for g in d.index.levels[1]}).stack()
    residents = pd.DataFrame({g: lads[f"residents_{g}"] for g in d.index.levels[1]}).stack()
    small = residents.reindex(d.index) < 500
    half = expected.reindex(d.index) > d / 2
    flagged = flagged.reindex(d.index).astype("boolean").fillna(False).astype(bool)
    assert (len(d), int(small.sum())) == (1_535, 121)  # as the issue counted
    assert (int(flagged[small].sum()), int(half[small].sum())) == (10, 27)
    assert (int(flagged[~small].sum()), int(half[~small].sum())) == (3, 18)
    every = lads[[f"d_{g}" for g in GROUPS]].notna()
    assert (lads[[f"d_{g}_random" for g in GROUPS]].notna().to_numpy() == every.to_numpy()).all()
