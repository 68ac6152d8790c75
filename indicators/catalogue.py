"""The indicator catalogue: one entry for every column of the joined dataset.

Each :class:`Indicator` says what a column holds in plain English, its unit, whether a
higher value is worse, the levels it exists at, where it comes from (dataset ids of the
cache), its vintage, licence and attribution.  Pages, exports and the data dictionary
read this catalogue; nothing is described anywhere else.

Naming: the latest vintage has the bare id and an earlier vintage a suffix —
``d_asian`` (Census 2021), ``d_asian_2011``, ``d_asian_change``; ``imd_score`` (IoD 2025),
``imd_score_2019`` (IoD 2019 mapped to LSOA 2021).  District summaries of deprivation
(``imd_avg_score`` …) are *computed* from the LSOA values on the 2021 geography for every
MSOA and district, with the official method; the figures published in the IoD File 10
are kept beside them as ``<id>_published`` where the district code is the same.

Families (one entry per member, each with its own label and definition) are generated
from small tables of words (:mod:`indicators.deprivation_terms` and below);
:data:`IDENTIFIERS` describe the key columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from indicators.catalogue_topics import topic_entries
from indicators.catalogue_types import LEVELS, OGL, ONS, Indicator
from indicators.deprivation_terms import (
    DOMAINS,
    IOD_LSOAS,
    POPULATIONS_2019,
    SUBDOMAINS,
    SUMMARIES,
)
from indicators.segregation_null import SMALL_GROUP
from reports.taxonomy import CATEGORIES

THEMES = ("identifier", "population", "diversity", "segregation", "deprivation", "police",
          "reports", "uncertainty")
POLICE = ("Contains public sector information licensed under the Open Government Licence "
          "v3.0. Source: data.police.uk.")
HOCL_LICENCE = "Open Parliament Licence v3.0"
HOCL_ATTRIBUTION = ("MSOA names: House of Commons Library. Contains Parliamentary information "
                    "licensed under the Open Parliament Licence v3.0.")
REPORTS_LICENCE = "Good Relations Atlas members' reports, aggregated with small counts suppressed"
REPORTS_ATTRIBUTION = ("Tension reports submitted by Good Relations Atlas member "
                       "organisations and approved by its moderators.")


NATIVE_LEVEL = "lsoa11"
"""The export level of IoD 2019 as published, on LSOA 2011 (see :data:`IOD2019_NATIVE`)."""
IOD2019_AS_PUBLISHED = "IoD 2019 (LSOA 2011, as published)"


def _iod(year: int) -> str:
    return (f"English Indices of Deprivation {year}, Ministry of Housing, Communities and "
            "Local Government, licensed under the Open Government Licence v3.0.")


# ---------------------------------------------------------------- words of the families
GROUPS: dict[str, str] = {
    "white_british": "White British",
    "white": "White (all White groups)",
    "asian": "Asian",
    "black": "Black",
    "mixed": "Mixed or multiple ethnic groups",
    "other": "Other ethnic group",
}
"""Ethnic groups of the segregation measures and location quotients, with their labels."""

CENSUS_2021 = ("census2021_ethnicity_lsoa", "census2021_ethnicity_msoa",
               "census2021_ethnicity_lad")
CENSUS_2011 = ("census2011_ethnicity_lsoa", "census2011_ethnicity_msoa",
               "lookup_lsoa11_lsoa21")
LOOKUP = "lookup_lsoa21_msoa21_lad22"

# ---------------------------------------------------------------- builders of entries
def _identifiers() -> list[Indicator]:
    def ident(id_: str, label: str, definition: str, source: tuple[str, ...] = (LOOKUP,),
              vintage: str = "Census 2021 areas, LAD 2022", table: str = "area") -> Indicator:
        unit = "text" if id_ in ("area_name", "level", "month") else "code"
        return Indicator(id_, label, definition, unit, "neutral", LEVELS, "identifier",
                         source, vintage, OGL, ONS, 0, table)

    return [
        ident("area_code", "Area code",
              "The ONS code of the area (E01… LSOA, E02… MSOA, E06–E09… local authority "
              "district), on the 2021 geography."),
        ident("area_name", "Area name",
              "The ONS name of the area (an LSOA or MSOA is named after its district with a "
              "number, e.g. 'Leicester 012A')."),
        Indicator("local_name", "Local name (House of Commons Library)",
                  "The name people use for the neighbourhood (MSOA) the area lies in, as "
                  "published by the House of Commons Library (e.g. 'Highfields' for "
                  "Leicester 012); empty when those names are not cached.",
                  "text", "neutral", ("lsoa", "msoa"), "identifier", ("msoa_names_hocl",),
                  "MSOA names, latest for 2021 MSOAs", HOCL_LICENCE, HOCL_ATTRIBUTION, 0),
        Indicator("ward_name", "Ward",
                  "The electoral ward (December 2024) an LSOA lies in; for an MSOA, the wards "
                  "of its LSOAs (at most three, then '…').",
                  "text", "neutral", ("lsoa", "msoa"), "identifier",
                  ("lookup_lsoa21_ward24_lad24",), "December 2024", OGL, ONS, 0),
        ident("level", "Level",
              "The kind of area of the row: lsoa, msoa or lad (local authority district, "
              "2022 boundaries)."),
        ident("lad_code", "District code",
              "The code of the local authority district (December 2022) the area lies in."),
        ident("region_code", "Region code", "The code of the English region the area lies in.",
              (LOOKUP, "lookup_lad22_region"), "December 2022"),
        Indicator("seg_unit", "Small areas used for segregation",
                  "The small areas a district's segregation measures were computed across: "
                  "lsoa when Census counts by LSOA were available, msoa when only counts by "
                  "MSOA were; the 2011 values and the change use the same kind of area. One "
                  "kind for every district of a build: a district missing some of its small "
                  "areas' counts has no segregation values rather than values across part "
                  "of it or across the other kind.",
                  "text", "neutral", ("lad",), "identifier", CENSUS_2021, "Census 2021",
                  OGL, ONS, 0),
        ident("month", "Month", "The calendar month of the counts (YYYY-MM).",
              ("police_lsoa_month",), "data.police.uk, as published", "month"),
    ]


def _population() -> list[Indicator]:
    return [Indicator(
        "population_2021", "Residents (Census 2021)",
        "Usual residents on Census day 2021, from the total of the ethnic group table "
        "(districts: the sum of their MSOAs when the district table is not cached).",
        "people", "neutral", LEVELS, "population", CENSUS_2021, "Census 2021", OGL, ONS, 0),
        Indicator(
            "denominator_flag", "Residents note",
            "Set where residents are the wrong denominator for rates: many times more people "
            "are there on a working day than live there (the City of London and its small "
            "areas, from the ONS 2011 Census workday population), so its rates per 10,000 "
            "residents are not comparable with other areas; empty elsewhere.",
            "text", "neutral", LEVELS, "population", ("lookup_lsoa21_msoa21_lad22",),
            "ONS 2011 Census workday population (WP102EW)", OGL, ONS, 0)]


def _diversity() -> list[Indicator]:
    entries = [
        Indicator("simpson_diversity", "Ethnic diversity (Simpson)",
                  "The chance that two residents picked at random belong to different "
                  "detailed ethnic groups (19 categories): 0 when everyone is in one group, "
                  "close to 1 when residents are spread over many.",
                  "index 0-1", "neutral", LEVELS, "diversity", CENSUS_2021, "Census 2021",
                  OGL, ONS, 3),
    ]
    for group, name in GROUPS.items():
        entries.append(Indicator(
            f"lq_{group}", f"Location quotient, {name} (vs district)",
            f"The {name} share of the area's residents divided by their share in its "
            "district: 1 means the same share as the district, 2 twice as high.",
            "ratio", "neutral", ("lsoa", "msoa"), "diversity", CENSUS_2021, "Census 2021",
            OGL, ONS, 2))
        entries.append(Indicator(
            f"lq_{group}_england", f"Location quotient, {name} (vs England)",
            f"The {name} share of the area's residents divided by their share in England: "
            "1 means the same share as England, 2 twice as high.",
            "ratio", "neutral", ("lsoa", "msoa"), "diversity", CENSUS_2021, "Census 2021",
            OGL, ONS, 2))
    return entries


def _segregation() -> list[Indicator]:
    entries = []
    for group, name in GROUPS.items():
        entries.append(Indicator(
            f"d_{group}", f"Dissimilarity, {name}",
            f"Index of dissimilarity: the share of {name} residents who would have to move "
            "to another small area of the district for them to be spread like everyone "
            "else (0 = evenly spread, 1 = completely separate).",
            "index 0-1", "higher_worse", ("lad",), "segregation", CENSUS_2021, "Census 2021",
            OGL, ONS, 3))
        entries.append(Indicator(
            f"isolation_{group}", f"Isolation, {name}",
            f"Isolation index: the {name} share of the small area where the average "
            f"{name} resident of the district lives (high when they mostly live among "
            "themselves).", "index 0-1", "neutral", ("lad",), "segregation", CENSUS_2021,
            "Census 2021", OGL, ONS, 3))
    entries.append(Indicator(
        "entropy_h", "Multigroup segregation (Theil's H)",
        "Theil's information index over the 19 detailed ethnic groups: how much less mixed "
        "the district's small areas are than the district as a whole (0 = every small area "
        "as mixed as the district, 1 = each group in areas of its own).",
        "index 0-1", "higher_worse", ("lad",), "segregation", CENSUS_2021, "Census 2021",
        OGL, ONS, 3))
    return entries


def _group_residents() -> list[Indicator]:
    """Residents of each group: what D and isolation rest on (the small-group rule)."""
    entries = []
    for group, name in GROUPS.items():
        entries.append(Indicator(
            f"residents_{group}", f"{name} residents",
            f"Usual residents of the {name} group on Census day 2021 (districts: the sum over "
            "the small areas their segregation measures are computed across).",
            "people", "neutral", LEVELS, "population", CENSUS_2021, "Census 2021", OGL, ONS, 0))
        entries.append(Indicator(
            f"residents_{group}_2011", f"{name} residents (2011)",
            f"Usual residents of the {name} group at the 2011 Census, summed over the 2011 "
            "small areas placed in the district.", "people", "neutral", ("lad",),
            "population", CENSUS_2011, "Census 2011", OGL, ONS, 0))
    return entries


RANDOM_PLACEMENT = (
    "Random placement: the group's residents spread at random over the district's "
    "residents, every small area keeping its number of residents.")


def _random_benchmarks(base: Iterable[Indicator]) -> list[Indicator]:
    """``<id>_expected``, ``_low``, ``_high`` and ``_random`` of every D and isolation value.

    See :mod:`indicators.segregation_null` for how they are computed.
    """
    entries = []
    for b in base:
        what = f"'{b.label}'"
        words = {
            "expected": (f"{b.label}: expected if random",
                         f"The value {what} would have on average under random placement. "
                         "A small group is unevenly spread by chance alone, so this is well "
                         "above 0 for small groups."),
            "low": (f"{b.label}: random range, low",
                    f"The lower end of the range that random placement gives {what} 95 times "
                    "in 100 (its 2.5th percentile)."),
            "high": (f"{b.label}: random range, high",
                     f"The upper end of the range that random placement gives {what} 95 times "
                     "in 100 (its 97.5th percentile)."),
            "random": (f"{b.label}: not clearly different from random",
                       f"True when {what} lies within the range random placement gives 95 "
                       "times in 100, so it cannot be told from a random spread (5% level, "
                       "two-sided); False when it is clearly different."),
        }
        for suffix, (label, definition) in words.items():
            flag = suffix == "random"
            entries.append(Indicator(
                f"{b.id}_{suffix}", label,
                f"{definition} {RANDOM_PLACEMENT} Values resting on fewer than "
                f"{SMALL_GROUP} residents of the group (residents_<group>) are small-group "
                "values: read them with care.",
                "yes/no" if flag else b.unit, "neutral", ("lad",), "uncertainty", b.source,
                b.vintage, OGL, ONS, 0 if flag else b.decimals))
    return entries


def _vintages_2011(base: Iterable[Indicator]) -> list[Indicator]:
    """``<id>_2011`` and ``<id>_change`` of the district segregation and diversity measures."""
    entries = []
    for b in base:
        entries.append(Indicator(
            f"{b.id}_2011", f"{b.label} (2011)",
            f"{b.definition} Census 2011 (18 detailed groups), computed across the 2011 "
            "small areas of the same kind, each placed in its 2022 district by the ONS "
            "LSOA 2011 to 2021 lookup.", b.unit, b.polarity, ("lad",), b.theme,
            CENSUS_2011, "Census 2011", OGL, ONS, b.decimals))
        entries.append(Indicator(
            f"{b.id}_change", f"{b.label}, change 2011-2021",
            f"The 2021 value of '{b.label}' minus its 2011 value; positive means it rose.",
            "change in index", b.polarity, ("lad",), b.theme, CENSUS_2021 + CENSUS_2011,
            "Census 2011 and Census 2021", OGL, ONS, b.decimals))
    return entries


def _domain_entries(domain: str, words: tuple[str, str, str], year: int, suffix: str,
                    note: str, source: tuple[str, ...], vintage: str,
                    levels: tuple[str, ...] = ("lsoa",)) -> list[Indicator]:
    """Score, rank and decile of one IoD domain (or sub-domain) per LSOA."""
    label, what, unit = words
    tag = f"{label} ({'IoD ' + str(year)})"
    return [
        Indicator(f"{domain}_score{suffix}", f"{tag}: score",
                  f"Score of the LSOA on {what}; higher means more deprived.{note}",
                  unit, "higher_worse", levels, "deprivation", source, vintage,
                  OGL, _iod(year), 3),
        Indicator(f"{domain}_rank{suffix}", f"{tag}: rank",
                  f"National rank of the LSOA on {what}, among {IOD_LSOAS[year]}: "
                  f"1 is the most deprived.{note}", "rank", "higher_better", levels,
                  "deprivation", source, vintage, OGL, _iod(year), 0),
        Indicator(f"{domain}_decile{suffix}", f"{tag}: decile",
                  f"National decile of the LSOA on {what}: 1 is the most deprived 10% of "
                  f"LSOAs in England, 10 the least deprived.{note}", "decile",
                  "higher_better", levels, "deprivation", source, vintage, OGL,
                  _iod(year), 0),
    ]


def _deprivation_lsoa(year: int) -> list[Indicator]:
    suffix = "" if year == 2025 else "_2019"
    source = ("iod2025_lsoa",) if year == 2025 else ("iod2019_lsoa", "lookup_lsoa11_lsoa21")
    vintage = "IoD 2025" if year == 2025 else "IoD 2019 mapped to LSOA 2021"
    mapped = "" if year == 2025 else (
        " IoD 2019 was published for 2011 LSOAs; it is shown on the 2021 LSOA through the "
        "ONS best-fit lookup (see iod2019_fit).")
    entries = [e for domain, words in DOMAINS.items()
               for e in _domain_entries(domain, words, year, suffix, mapped, source, vintage)]
    if year == 2019:
        entries.append(Indicator(
            "iod2019_fit", "How IoD 2019 was mapped",
            "How the 2021 LSOA got its IoD 2019 values: exact (unchanged, or split from "
            "one 2011 LSOA, whose values it takes), merged (population-weighted mean score "
            "of its 2011 LSOAs, re-ranked among the 2019 LSOAs) or complex (boundaries "
            "redrawn: the values of its most populous 2011 LSOA).",
            "text", "neutral", ("lsoa",), "deprivation", source, vintage, OGL, _iod(2019), 0))
        entries.append(Indicator(
            "iod2019_lsoa11_codes", "2011 LSOAs behind the IoD 2019 values",
            "The codes of the 2011 LSOAs (';'-separated) whose IoD 2019 values were carried "
            "onto this 2021 LSOA.", "code", "neutral", ("lsoa",), "deprivation", source,
            vintage, OGL, _iod(2019), 0))
    return entries


def _deprivation_summaries() -> list[Indicator]:
    entries = []
    for year, suffix in ((2025, ""), (2019, "_2019")):
        source = ((LOOKUP, "iod2025_lsoa") if year == 2025
                  else (LOOKUP, "iod2019_lsoa", "lookup_lsoa11_lsoa21"))
        on = ("LSOA 2021" if year == 2025 else
              "the 2011 LSOAs, each placed in its 2021 MSOA and 2022 district")
        weights = ("the IoD 2025 population denominators, or Census 2021 residents where "
                   "the cached File 7 has none" if year == 2025
                   else "the IoD 2019 population denominators (mid-2015)")
        for id_, (label, definition, unit, polarity) in SUMMARIES.items():
            entries.append(Indicator(
                f"{id_}{suffix}", f"{label} (IoD {year})",
                f"{definition} Computed here from the IoD {year} LSOA values with the "
                f"official File 10 method, for the 2021 MSOA and the 2022 district; "
                f"weights: {weights}.",
                unit, polarity, ("msoa", "lad"), "deprivation", source,
                f"IoD {year}, computed on {on}", OGL, _iod(year), 3))
            entries.append(Indicator(
                f"{id_}{suffix}_published", f"{label} (IoD {year}, as published)",
                f"{definition} As published by MHCLG in IoD {year} File 10; empty where the "
                "district's code has changed since that edition.",
                unit, polarity, ("lad",), "deprivation", (f"iod{year}_lad_summary",),
                f"IoD {year} File 10 ({'LAD 2024' if year == 2025 else 'LAD 2019'})",
                OGL, _iod(year), 3))
    return entries


def _interval(rate: Indicator) -> list[Indicator]:
    """The 95% limits of a rate: ``<id>_lower`` and ``<id>_upper``."""
    return [replace(rate, id=f"{rate.id}_{end}", label=f"{rate.label}: {words} 95% limit",
                    definition=f"{words.capitalize()} limit of the 95% confidence interval of "
                    f"'{rate.label}' (exact Poisson limits of the count, as public-health "
                    "profiles compute them); empty when the rate is.")
            for end, words in (("lower", "lower"), ("upper", "upper"))]


def _comparisons(rate: Indicator) -> list[Indicator]:
    """``<id>_vs_region`` and ``<id>_vs_england``: Fingertips' words against a benchmark."""
    return [replace(rate, id=f"{rate.id}_vs_{key}", label=f"{rate.label}: compared with {name}",
                    definition=f"'Significantly higher', 'Similar' or 'Significantly lower': "
                    f"whether {name}'s '{rate.label}' lies below, inside or above the area's "
                    f"95% confidence interval. {name[0].upper() + name[1:]}'s rate comes only "
                    "from the districts with 12 complete months of police data (see About & "
                    "methodology); empty without a rate.",
                    unit="text", polarity="neutral", decimals=0)
            for key, name in (("region", "its region"), ("england", "England"))]


def _police() -> list[Indicator]:
    counts = {"public_order": ("Public-order offences", "public-order offences"),
              "asb": ("Anti-social behaviour", "anti-social behaviour incidents")}
    source = ("police_lsoa_month",) + CENSUS_2021
    vintage = "data.police.uk, as published; Census 2021 residents"
    entries = []
    for id_, (label, what) in counts.items():
        rate = Indicator(
            f"{id_}_per_10k", f"{label} per 10,000 residents a year",
            f"Police-recorded {what} over the 12 months of police_period per 10,000 residents "
            "(Census 2021); given only when all 12 months have data (police_months = 12), "
            "never scaled up from fewer.", "per 10,000 residents a year", "higher_worse",
            LEVELS, "police", source, vintage, OGL, POLICE, 1)
        month_rate = Indicator(
            f"{id_}_month_per_10k", f"{label} in the month per 10,000 residents",
            f"Police-recorded {what} in the month per 10,000 residents (Census 2021).",
            "per 10,000 residents a month", "higher_worse", LEVELS, "police", source,
            vintage, OGL, POLICE, 2, "month")
        entries += [
            Indicator(f"{id_}_count", f"{label} in the police period",
                      f"Police-recorded {what} located in the area in the months of "
                      "police_period that have data (police_months of them; fewer than 12 "
                      "when the force had not published a month).", "count", "higher_worse",
                      LEVELS, "police", source, vintage, OGL, POLICE, 0),
            rate, *_interval(rate), *_comparisons(rate),
            Indicator(id_, f"{label} in the month",
                      f"Police-recorded {what} located in the area in the month; empty when "
                      "the force had not published that month.", "count", "higher_worse",
                      LEVELS, "police", ("police_lsoa_month",), "data.police.uk, as published",
                      OGL, POLICE, 0, "month"),
            month_rate, *_interval(month_rate),
        ]
    entries += [
        Indicator("police_months", "Months of police data",
                  "How many of the 12 months of police_period have published police data for "
                  "the area (12 = complete: only then is an annual rate given).", "months",
                  "neutral", LEVELS, "police", ("police_lsoa_month",),
                  "data.police.uk, as published", OGL, POLICE, 0),
        Indicator("police_period", "Period of police data",
                  "The 12 calendar months the police counts and rates of the area cover "
                  "(YYYY-MM to YYYY-MM), ending with its latest month with published data.",
                  "text", "neutral", LEVELS, "police", ("police_lsoa_month",),
                  "data.police.uk, as published", OGL, POLICE, 0),
    ]
    return entries


def _reports() -> list[Indicator]:
    def report(id_: str, label: str, definition: str, unit: str = "count",
               decimals: int = 0) -> Indicator:
        return Indicator(id_, label, definition, unit, "neutral", LEVELS, "reports",
                         ("reports_aggregate",), "Good Relations Atlas reports, as approved",
                         REPORTS_LICENCE, REPORTS_ATTRIBUTION, decimals, "month")

    hidden = ("Empty when the count is 1 to 4, or was withheld so that such a count cannot "
              "be worked out (see reports_suppressed).")
    entries = [
        report("reports_total", "Tension reports",
               f"Approved tension reports about the area in the month. {hidden}"),
    ]
    rate = report("reports_per_10k", "Tension reports per 10,000 residents",
                  "Approved tension reports in the month per 10,000 residents (Census 2021); "
                  "empty when the count is suppressed.", "per 10,000 residents a month", 2)
    entries += [
        rate, *_interval(rate),
        report("reports_suppressed", "Reports suppressed",
               "True when a reports count of this row is withheld to protect small numbers "
               "(1 to 4 reports, or a count from which one could be worked out).", "yes/no"),
    ]
    for term in CATEGORIES:
        entries.append(report(f"reports_{term.id}", f"Reports: {term.label}",
                              f"Approved reports in the month of the category '{term.label}': "
                              f"{term.description} {hidden}"))
    return entries


def _build_catalogue() -> dict[str, Indicator]:
    segregation = _segregation()
    simpson = [e for e in _diversity() if e.id == "simpson_diversity"]
    vintages_2011 = _vintages_2011([*segregation, *simpson])
    topics = topic_entries()
    d_and_isolation = [e for e in [*segregation, *vintages_2011, *topics]
                       if e.id.startswith(("d_", "isolation_")) and not e.id.endswith("_change")]
    entries = [
        *_identifiers(), *_population(), *_group_residents(), *_diversity(), *segregation,
        *vintages_2011, *topics, *_random_benchmarks(d_and_isolation),
        *_deprivation_lsoa(2025), *_deprivation_lsoa(2019), *_deprivation_summaries(),
        *_police(), *_reports(),
    ]
    catalogue: dict[str, Indicator] = {}
    for entry in entries:
        if entry.id in catalogue:
            raise ValueError(f"indicator id {entry.id!r} defined twice")
        catalogue[entry.id] = entry
    return catalogue


def _iod2019_native() -> dict[str, Indicator]:
    """The columns of ``iod2019_lsoa`` as published: LSOA 2011 and LAD 2019 codes."""
    source, levels = ("iod2019_lsoa",), (NATIVE_LEVEL,)

    def native(id_: str, label: str, definition: str, unit: str,
               theme: str = "identifier") -> Indicator:
        return Indicator(id_, label, definition, unit, "neutral", levels, theme, source,
                         IOD2019_AS_PUBLISHED, OGL, _iod(2019), 0)

    entries = [
        native("area_code", "LSOA 2011 code",
               "The ONS code of the 2011 lower layer super output area (E01…), as published "
               "in IoD 2019 File 7.", "code"),
        native("area_name", "LSOA 2011 name",
               "The ONS name of the 2011 LSOA (named after its district with a number, e.g. "
               "'Leicester 012A').", "text"),
        native("lad_code", "District code (2019)",
               "The code of the local authority district (2019 boundaries) the LSOA lay in; "
               "districts merged since then have a new code.", "code"),
        native("lad_name", "District name (2019)",
               "The name of the local authority district (2019 boundaries) the LSOA lay in.",
               "text"),
        *[e for domain, words in (DOMAINS | SUBDOMAINS).items()
          for e in _domain_entries(domain, words, 2019, "", "", source, IOD2019_AS_PUBLISHED,
                                   levels)],
        *[native(id_, f"{label} (IoD 2019 denominator)",
                 f"Number of {who} of the LSOA in mid-2015 (ONS estimates, excluding "
                 f"prisoners), as published with IoD 2019: {use}.", "people", "population")
          for id_, (label, who, use) in POPULATIONS_2019.items()],
    ]
    return {e.id: e for e in entries}


CATALOGUE: dict[str, Indicator] = _build_catalogue()
"""Every column of the joined tables, by id, in display order."""

IOD2019_NATIVE: dict[str, Indicator] = _iod2019_native()
"""Every column of the cached ``iod2019_lsoa`` table, for exports at level ``lsoa11``.

Not part of :data:`CATALOGUE`: the joined dataset's ``imd_score`` is IoD 2025, while
``imd_score`` here is IoD 2019 on its own 2011 LSOA.
"""

IDENTIFIERS: tuple[str, ...] = tuple(i for i, e in CATALOGUE.items() if e.theme == "identifier")
"""Key columns (area_code, area_name, level, lad_code, region_code, seg_unit, month)."""

NOT_MAPPED = ("identifier", "uncertainty")
"""Themes whose columns are not offered as indicators of their own on maps and Compare."""
INTERVAL_SUFFIXES = ("_lower", "_upper")
"""Columns ending so are the 95% limits of the rate named before the suffix."""

DICTIONARY_COLUMNS = ["column", "label", "definition", "unit", "polarity", "vintage", "source",
                      "licence"]


# ---------------------------------------------------------------- public functions
def get_indicator(indicator_id: str) -> Indicator:
    """The catalogue entry of ``indicator_id``.

    Raises
    ------
    KeyError
        When the id is not in the catalogue (the message lists close ids).
    """
    try:
        return CATALOGUE[indicator_id]
    except KeyError:
        stem = indicator_id.split("_")[0]
        close = [i for i in CATALOGUE if i.startswith(stem)][:8]
        raise KeyError(f"no indicator {indicator_id!r} in the catalogue; "
                       f"ids starting like it: {close}") from None


def indicators_for(level: str, table: str = "area") -> list[Indicator]:
    """The indicators of ``table`` that exist at ``level``: not the key columns, nor the
    columns describing another column's uncertainty (themes :data:`NOT_MAPPED`).

    Parameters
    ----------
    level : {"lsoa", "msoa", "lad"}
    table : {"area", "month"}
        ``area`` for ``joined_area_indicator``, ``month`` for ``joined_area_month``.

    Raises
    ------
    ValueError
        On an unknown level or table.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {list(LEVELS)}")
    if table not in ("area", "month"):
        raise ValueError(f"unknown table {table!r}; choose 'area' or 'month'")
    return [e for e in CATALOGUE.values()
            if e.theme not in NOT_MAPPED and e.table == table and level in e.levels]


def data_dictionary(columns: Iterable[str]) -> pd.DataFrame:
    """The data dictionary of a table with ``columns``, in their order.

    Parameters
    ----------
    columns
        Column names of a joined table (identifiers and indicators).

    Returns
    -------
    DataFrame
        Columns column, label, definition, unit, polarity, vintage, source (dataset ids,
        comma-separated), licence; one row per column.

    Raises
    ------
    KeyError
        When a column has no catalogue entry (every exported column must be described).
    """
    return _dictionary([get_indicator(column) for column in columns])


def iod2019_native_dictionary(columns: Iterable[str]) -> pd.DataFrame:
    """The data dictionary of the cached ``iod2019_lsoa`` table as published (``lsoa11``).

    Parameters
    ----------
    columns
        Column names of ``iod2019_lsoa`` (LSOA 2011 and LAD 2019 codes and names, domain
        and sub-domain scores, ranks and deciles, ``pop_*`` denominators).

    Returns
    -------
    DataFrame
        As :func:`data_dictionary`, from :data:`IOD2019_NATIVE`.

    Raises
    ------
    KeyError
        When a column is not one of IoD 2019 File 7.
    """
    columns = list(columns)
    unknown = [c for c in columns if c not in IOD2019_NATIVE]
    if unknown:
        raise KeyError(f"no IoD 2019 File 7 column {unknown}; known: {list(IOD2019_NATIVE)}")
    return _dictionary([IOD2019_NATIVE[c] for c in columns])


def _dictionary(entries: Iterable[Indicator]) -> pd.DataFrame:
    rows = [{"column": e.id, "label": e.label, "definition": e.definition, "unit": e.unit,
             "polarity": e.polarity, "vintage": e.vintage, "source": ", ".join(e.source),
             "licence": e.licence} for e in entries]
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)
