"""The entry type of the indicator catalogue, and the words every family of entries shares.

Kept apart from :mod:`indicators.catalogue` so that modules generating families of entries
(:mod:`indicators.catalogue_topics`) can build them without importing the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from indicators.deprivation_terms import Polarity

LEVELS = ("lsoa", "msoa", "lad")
OGL = "Open Government Licence v3.0"
ONS = "Source: Office for National Statistics licensed under the Open Government Licence v3.0."


@dataclass(frozen=True)
class Indicator:
    """One column of the joined dataset.

    Attributes
    ----------
    id : str
        Column name in the joined tables.
    label : str
        Short name for charts and tables.
    definition : str
        What the number means, in one or two plain-English sentences.
    unit : str
        e.g. ``"index 0-1"``, ``"rank"``, ``"per 10,000 residents a year"``.
    polarity : {"higher_worse", "higher_better", "neutral"}
        Whether a higher value is worse for the area (colour scales follow this).
    levels : tuple of str
        Levels it exists at: ``lsoa``, ``msoa``, ``lad``.
    theme : str
        One of :data:`THEMES`.
    source : tuple of str
        Dataset ids of the cache it is computed from.
    vintage : str
        e.g. ``"Census 2021"``, ``"IoD 2019 mapped to LSOA 2021"``.
    licence, attribution : str
        What users of the number must respect and credit.
    decimals : int
        Decimal places for display.
    table : {"area", "month"}
        ``area``: a column of ``joined_area_indicator``; ``month``: of ``joined_area_month``.
    """

    id: str
    label: str
    definition: str
    unit: str
    polarity: Polarity
    levels: tuple[str, ...]
    theme: str
    source: tuple[str, ...]
    vintage: str
    licence: str
    attribution: str
    decimals: int = 2
    table: Literal["area", "month"] = "area"
