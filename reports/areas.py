"""Where a report happened: the known 2021 areas of England, their hierarchy and residents.

:class:`AreaDirectory` is built from the cached ONS lookups and Census 2021 totals (or, in
tests, from tiny hand-made frames), so nothing in :mod:`reports` ever fetches data itself.
A report's area is an LSOA (E01), MSOA (E02) or local authority district (E06–E09) code,
or a postcode that a :data:`PostcodeResolver` turns into an LSOA code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from geo.hierarchy import ENGLAND_CODE, build_hierarchy

if TYPE_CHECKING:
    from data_sources.postcodes import PostcodeArea

REPORT_LEVELS = ("lsoa", "msoa", "lad")
AGGREGATE_LEVELS = ("lsoa", "msoa", "lad", "region", "country")
AREA_CODE = re.compile(r"^(E01|E02|E06|E07|E08|E09)\d{6}$")
POPULATION_TABLES = ("census2021_ethnicity_lsoa", "census2021_ethnicity_msoa",
                     "census2021_ethnicity_lad")

PostcodeResolver = Callable[[str], str | None]
"""Turns a postcode into the code of its LSOA; None when the postcode does not exist.

Raises ValueError, with a message for the user, when the text is not a postcode or the
postcode is outside England.
"""
PostcodeBatchResolver = Callable[[list[str]], PostcodeResolver]
"""Looks up every postcode of a file at once; returns a resolver answering from the results."""


@dataclass(frozen=True)
class AreaDirectory:
    """Every known area with its level, ancestors and number of residents.

    Attributes
    ----------
    areas
        Indexed by area_code; columns area_name, level (lsoa/msoa/lad/region/country),
        msoa_code, lad_code, region_code, residents (Int64, NA when unknown).
    """

    areas: pd.DataFrame

    @classmethod
    def from_frames(
        cls,
        lsoa_lookup: pd.DataFrame,
        region_lookup: pd.DataFrame,
        populations: Iterable[pd.DataFrame] = (),
    ) -> AreaDirectory:
        """Build the directory from the lookup tables and Census totals.

        Parameters
        ----------
        lsoa_lookup
            ``lookup_lsoa21_msoa21_lad22``: lsoa21_code, lsoa21_name, msoa21_code,
            msoa21_name, lad22_code, lad22_name.
        region_lookup
            ``lookup_lad22_region``: lad22_code, lad22_name, region_code, region_name.
        populations
            Frames with columns area_code and total (usual residents), e.g.
            ``census2021_ethnicity_lsoa``/``_msoa``/``_lad``. Regions and England are
            the sums of their districts.
        """
        areas = build_hierarchy(lsoa_lookup, region_lookup).set_index("area_code")
        residents = pd.Series(pd.NA, index=areas.index, dtype="Int64")
        for frame in populations:
            totals = frame.drop_duplicates("area_code").set_index("area_code")["total"]
            known = totals.index.intersection(areas.index)
            residents.loc[known] = totals.loc[known].astype("Int64")
        areas["residents"] = residents
        areas["lsoa_code"] = areas.index.where(areas["level"] == "lsoa", None)
        areas["lsoa_code"] = areas["lsoa_code"].astype("string")
        areas["country_code"] = ENGLAND_CODE
        areas["country_code"] = areas["country_code"].astype("string")
        return cls(_fill_upper_residents(areas))

    @classmethod
    def from_cache(cls, cache=None) -> AreaDirectory:
        """The directory from the data cache (``python -m data_sources refresh`` first).

        Raises
        ------
        NotCachedError
            When the lookups are not cached. Missing Census totals only leave rates empty.
        """
        from data_sources.cache import open_cache
        from data_sources.errors import NotCachedError

        cache = cache or open_cache()
        populations = []
        for table in POPULATION_TABLES:
            try:
                populations.append(cache.load_table(table, columns=["area_code", "total"]))
            except NotCachedError:
                continue
        return cls.from_frames(cache.load_table("lookup_lsoa21_msoa21_lad22"),
                               cache.load_table("lookup_lad22_region"), populations)

    @cached_property
    def digest(self) -> str:
        """A short hash of the hierarchy, for stamping what was counted over it."""
        hashed = pd.util.hash_pandas_object(
            self.areas[["level", "msoa_code", "lad_code", "region_code"]].astype("string"),
            index=True)
        return f"{len(self.areas)}:{int(hashed.sum()) & 0xFFFFFFFFFFFF:x}"

    def level_of(self, code: str) -> str | None:
        """The level of a known area code, or None when the code is not known."""
        if code not in self.areas.index:
            return None
        return str(self.areas.at[code, "level"])

    def ancestor_codes(self, codes: pd.Series, level: str) -> pd.Series:
        """For each area code, its area at ``level`` (itself when already at that level).

        NA where the area is coarser than ``level`` (a district lies in no one LSOA) or
        unknown.
        """
        column = f"{level}_code"
        found = self.areas[column].reindex(codes.to_numpy())
        return pd.Series(found.to_numpy(), index=codes.index, dtype="string")


def _fill_upper_residents(areas: pd.DataFrame) -> pd.DataFrame:
    lads = areas[areas["level"] == "lad"]
    if lads["residents"].isna().any():
        return areas
    by_region = lads.groupby("region_code")["residents"].sum()
    known = by_region.index.intersection(areas.index)
    areas.loc[known, "residents"] = by_region.loc[known].astype("Int64")
    country = areas.index[areas["level"] == "country"]
    areas.loc[country, "residents"] = int(lads["residents"].sum())
    return areas


def looks_like_area_code(text: str) -> bool:
    """True when ``text`` has the shape of an LSOA, MSOA or district code."""
    return bool(AREA_CODE.match(text.strip().upper()))


class PostcodeNotLookedUp(Exception):
    """The postcode was not looked up (the service failed, or the time ran out)."""


def resolver_from_postcodes_io() -> PostcodeResolver:
    """A resolver that asks postcodes.io through :func:`data_sources.postcodes.lookup_postcode`.

    The postcode's LSOA must be in England; a postcode elsewhere raises ValueError.
    """

    def resolve(postcode: str) -> str | None:
        from data_sources.postcodes import lookup_postcode

        return _lsoa_in_england(lookup_postcode(postcode))

    return resolve


def bulk_resolver_from_postcodes_io() -> PostcodeBatchResolver:
    """Looks every postcode of a file up on postcodes.io at once: 100 to a request, within
    ``GRA_POSTCODE_LOOKUP_SECONDS`` in all (:func:`data_sources.postcodes.lookup_postcodes_within`).

    The resolver it returns answers from those results; a postcode left without an answer
    (postcodes.io failed, or the time ran out) raises :class:`PostcodeNotLookedUp` saying why.
    """

    def resolve_all(postcodes: list[str]) -> PostcodeResolver:
        from data_sources.postcodes import lookup_postcodes_within, normalise_postcode
        from settings import get_settings

        looked_up = lookup_postcodes_within(postcodes, get_settings().postcode_lookup_seconds)

        def resolve(postcode: str) -> str | None:
            key = normalise_postcode(postcode)
            if key not in looked_up.found:
                raise PostcodeNotLookedUp(looked_up.problem or "it was not asked for")
            return _lsoa_in_england(looked_up.found[key])

        return resolve

    return resolve_all


def _lsoa_in_england(found: PostcodeArea | None) -> str | None:
    """The LSOA of a :class:`data_sources.postcodes.PostcodeArea`; ValueError outside England."""
    if found is None:
        return None
    if not found.in_england or not found.lsoa_code:
        raise ValueError(f"postcode {found.postcode} is not in England")
    return found.lsoa_code
