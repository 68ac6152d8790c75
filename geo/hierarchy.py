"""The 2021 area hierarchy of England: LSOA → MSOA → LAD → region → England.

Built from the ONS lookups in the cache (``lookup_lsoa21_msoa21_lad22`` and
``lookup_lad22_region``) into one table with a row per area, so look-ups by code, by
parent and by name (search as you type) are single vectorised operations.
"""

from __future__ import annotations

import re

import pandas as pd

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
LEVELS = ("lsoa", "msoa", "lad", "region", "country")
AREA_COLUMNS = ["area_code", "area_name", "level", "parent_code", "msoa_code", "lad_code",
                "region_code"]


def build_hierarchy(lsoa_lookup: pd.DataFrame, region_lookup: pd.DataFrame) -> pd.DataFrame:
    """One row per area of England with its level, parent and ancestors.

    Parameters
    ----------
    lsoa_lookup
        ``lookup_lsoa21_msoa21_lad22``: lsoa21_code, lsoa21_name, msoa21_code,
        msoa21_name, lad22_code, lad22_name (one row per LSOA).
    region_lookup
        ``lookup_lad22_region``: lad22_code, lad22_name, region_code, region_name.

    Returns
    -------
    DataFrame
        Columns area_code, area_name, level, parent_code, msoa_code, lad_code,
        region_code; the parent of a region is England (E92000001).

    Raises
    ------
    ValueError
        When a district of the LSOA lookup has no region.
    """
    regions_of = region_lookup.drop_duplicates("lad22_code").set_index("lad22_code")
    missing = sorted(set(lsoa_lookup["lad22_code"]) - set(regions_of.index))
    if missing:
        raise ValueError(f"district(s) without a region in lookup_lad22_region: {missing[:5]}")
    lsoas = lsoa_lookup.assign(region_code=lsoa_lookup["lad22_code"].map(regions_of["region_code"]))
    parts = [
        pd.DataFrame({
            "area_code": lsoas["lsoa21_code"], "area_name": lsoas["lsoa21_name"], "level": "lsoa",
            "parent_code": lsoas["msoa21_code"], "msoa_code": lsoas["msoa21_code"],
            "lad_code": lsoas["lad22_code"], "region_code": lsoas["region_code"],
        }),
        _distinct(lsoas, "msoa21_code", "msoa21_name", "msoa", "lad22_code").assign(
            msoa_code=lambda d: d["area_code"]),
        _distinct(lsoas, "lad22_code", "lad22_name", "lad", "region_code").assign(
            msoa_code=pd.NA, lad_code=lambda d: d["area_code"]),
    ]
    regions = region_lookup.drop_duplicates("region_code")
    regions = regions[regions["region_code"].isin(lsoas["region_code"])]
    parts.append(pd.DataFrame({
        "area_code": regions["region_code"], "area_name": regions["region_name"],
        "level": "region", "parent_code": ENGLAND_CODE, "msoa_code": pd.NA, "lad_code": pd.NA,
        "region_code": regions["region_code"],
    }))
    parts.append(pd.DataFrame([{
        "area_code": ENGLAND_CODE, "area_name": ENGLAND_NAME, "level": "country",
        "parent_code": pd.NA, "msoa_code": pd.NA, "lad_code": pd.NA, "region_code": pd.NA,
    }]))
    areas = pd.concat([p[AREA_COLUMNS] for p in parts], ignore_index=True)
    return areas.astype("string").reset_index(drop=True)


def _distinct(lsoas: pd.DataFrame, code: str, name: str, level: str, parent: str) -> pd.DataFrame:
    rows = lsoas.drop_duplicates(code)
    return pd.DataFrame({
        "area_code": rows[code], "area_name": rows[name], "level": level,
        "parent_code": rows[parent], "lad_code": rows["lad22_code"],
        "region_code": rows["region_code"],
    })


def children(areas: pd.DataFrame, code: str, level: str) -> pd.DataFrame:
    """The areas at ``level`` inside the area ``code`` (e.g. the LSOAs of a district)."""
    column = {"msoa": "msoa_code", "lad": "lad_code", "region": "region_code"}
    parent_level = areas.loc[areas["area_code"] == code, "level"]
    if parent_level.empty:
        raise KeyError(code)
    at_level = areas[areas["level"] == level]
    if parent_level.iloc[0] == "country":
        return at_level
    return at_level[at_level[column[parent_level.iloc[0]]] == code]


def ancestors(areas: pd.DataFrame, code: str) -> list[str]:
    """The codes above ``code``, nearest first, ending with England."""
    parents = areas.set_index("area_code")["parent_code"]
    if code not in parents.index:
        raise KeyError(code)
    chain = []
    current = parents[code]
    while pd.notna(current):
        chain.append(current)
        current = parents.get(current, pd.NA)
    return chain


def search_areas(
    areas: pd.DataFrame, text: str, levels: tuple[str, ...] = LEVELS, limit: int = 20
) -> pd.DataFrame:
    """Areas whose code or a word of whose name starts with ``text`` (case-insensitive).

    Ranked: exact code, then names starting with the text, then names with a later word
    starting with it; within a rank, larger areas first (district before neighbourhood),
    then alphabetically.
    """
    query = text.strip().lower()
    if not query:
        return areas.iloc[0:0]
    pool = areas[areas["level"].isin(levels)]
    names = pool["area_name"].str.lower()
    rank = pd.Series(3, index=pool.index)
    word_start = names.str.contains(r"(?:^|[\s\-(,])" + re.escape(query), regex=True)
    rank[word_start] = 2
    rank[names.str.startswith(query)] = 1
    rank[pool["area_code"].str.lower() == query] = 0
    rank[pool["area_code"].str.lower().str.startswith(query) & (rank == 3)] = 2
    size_order = {level: -i for i, level in enumerate(LEVELS)}
    found = pool.assign(_rank=rank, _level=pool["level"].map(size_order))
    found = found[found["_rank"] < 3].sort_values(["_rank", "_level", "area_name"])
    return found.drop(columns=["_rank", "_level"]).head(limit)


def lsoas_of_wards(ward_lookup: pd.DataFrame, ward_codes: list[str]) -> list[str]:
    """The LSOA 2021 codes lying in the given wards, sorted.

    Parameters
    ----------
    ward_lookup
        ``lookup_lsoa21_ward24_lad24``: lsoa21_code, ward24_code (one row per LSOA; an
        LSOA lies in the ward holding most of its population).
    ward_codes
        Ward 2024 codes (E05…).
    """
    rows = ward_lookup[ward_lookup["ward24_code"].isin(ward_codes)]
    return sorted(rows["lsoa21_code"].astype(str).unique())


def wards(ward_lookup: pd.DataFrame) -> pd.DataFrame:
    """One row per ward: ward24_code, ward24_name, lad24_code, lad24_name, by district and
    ward name."""
    columns = ["ward24_code", "ward24_name", "lad24_code", "lad24_name"]
    return (ward_lookup[columns].drop_duplicates("ward24_code")
            .sort_values(["lad24_name", "ward24_name"]).reset_index(drop=True))
