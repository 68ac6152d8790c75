"""The words of the deprivation entries of the indicator catalogue.

Plain-English labels, definitions and units of the English Indices of Deprivation
domains, sub-domains, population denominators and district summary measures, from which
:mod:`indicators.catalogue` generates one entry per column.
"""

from __future__ import annotations

from typing import Literal

Polarity = Literal["higher_worse", "higher_better", "neutral"]

# IoD domain: label, what its score measures, the score's unit.
DOMAINS: dict[str, tuple[str, str, str]] = {
    "imd": ("Index of Multiple Deprivation",
            "the overall Index of Multiple Deprivation, which combines the seven domains "
            "(income, employment, education, health, crime, barriers to housing and "
            "services, living environment)", "score"),
    "income": ("Income deprivation",
               "the share of residents living on a low income (receiving means-tested "
               "benefits or tax credits)", "proportion of residents"),
    "employment": ("Employment deprivation",
                   "the share of working-age residents involuntarily out of work (through "
                   "unemployment, sickness or disability)", "proportion of working-age residents"),
    "education": ("Education, skills and training deprivation",
                  "the lack of attainment and skills among children, young people and adults",
                  "score"),
    "health": ("Health deprivation and disability",
               "the risk of premature death and poor quality of life through poor physical or "
               "mental health", "score"),
    "crime": ("Crime", "the risk of personal and material victimisation (recorded violence, "
              "burglary, theft and criminal damage)", "score"),
    "barriers": ("Barriers to housing and services",
                 "the physical and financial accessibility of housing and local services",
                 "score"),
    "living_environment": ("Living environment deprivation",
                           "the quality of the local environment, indoors (housing) and "
                           "outdoors (air quality, road accidents)", "score"),
    "idaci": ("Income deprivation affecting children",
              "the share of children aged 0-15 living in income-deprived families",
              "proportion of children"),
    "idaopi": ("Income deprivation affecting older people",
               "the share of people aged 60 and over who are income deprived",
               "proportion of older people"),
}
"""IoD domains with a score, rank and decile per LSOA in File 7."""

SUBDOMAINS: dict[str, tuple[str, str, str]] = {
    "children_young_people": (
        "Children and young people sub-domain",
        "the attainment and participation in education of children and young people (part "
        "of education, skills and training)", "score"),
    "adult_skills": (
        "Adult skills sub-domain",
        "the lack of qualifications and of spoken English among working-age adults (part of "
        "education, skills and training)", "score"),
    "geographical_barriers": (
        "Geographical barriers sub-domain",
        "the road distance to a post office, primary school, general store or supermarket "
        "and GP surgery (part of barriers to housing and services)", "score"),
    "wider_barriers": (
        "Wider barriers sub-domain",
        "access to housing: overcrowding, homelessness and affordability (part of barriers "
        "to housing and services)", "score"),
    "indoors": (
        "Indoors living environment sub-domain",
        "the quality of housing: homes in poor condition or without central heating (part "
        "of living environment)", "score"),
    "outdoors": (
        "Outdoors living environment sub-domain",
        "air quality and road accidents injuring pedestrians and cyclists (part of living "
        "environment)", "score"),
}
"""IoD sub-domains: in File 7 and the native ``lsoa11`` export, not in the joined dataset."""

# IoD 2019 population denominator (mid-2015, excluding prisoners): label, who, its use.
POPULATIONS_2019: dict[str, tuple[str, str, str]] = {
    "pop_total": ("Residents", "residents",
                  "the denominator of income deprivation and the weight of district summaries"),
    "pop_children_0_15": ("Children aged 0-15", "dependent children aged 0-15",
                          "the denominator of income deprivation affecting children"),
    "pop_16_59": ("Residents aged 16-59", "residents aged 16-59",
                  "published beside the other denominators"),
    "pop_60_plus": ("Residents aged 60 and over", "residents aged 60 and over",
                    "the denominator of income deprivation affecting older people"),
    "pop_working_age": ("Working-age residents",
                        "working-age residents (18-59 for women, 18-64 for men)",
                        "the denominator of employment deprivation"),
}

IOD_LSOAS = {2019: "32,844 LSOAs (2011)", 2025: "33,755 LSOAs (2021)"}

# District summary measure: label, definition (of a district or MSOA), unit, polarity.
SUMMARIES: dict[str, tuple[str, str, str, Polarity]] = {
    "imd_avg_score": (
        "IMD average score",
        "Population-weighted average of the IMD scores of the area's LSOAs; higher means "
        "more deprived.", "score", "higher_worse"),
    "imd_avg_rank": (
        "IMD average rank",
        "Population-weighted average of the national IMD ranks of the area's LSOAs, "
        "counted from the least deprived LSOA of England (as in File 10), so a higher "
        "average means more deprived.", "rank", "higher_worse"),
    "imd_pct_most_deprived_10": (
        "Share of LSOAs in England's most deprived 10%",
        "Proportion of the area's LSOAs that are among the 10% most deprived in England "
        "on the IMD.", "proportion of LSOAs", "higher_worse"),
    "imd_extent": (
        "IMD extent",
        "Proportion of the area's population living in the most deprived LSOAs of "
        "England: all of those in the most deprived 10%, and a tapering share of those "
        "ranked between 10% and 30%.", "proportion of residents", "higher_worse"),
    "imd_local_concentration": (
        "IMD local concentration",
        "Population-weighted average national IMD rank (counted from the least "
        "deprived, as in File 10) of the area's most deprived LSOAs that together hold "
        "10% of its population; higher means more intense pockets of deprivation.",
        "rank", "higher_worse"),
}
"""IMD summaries of districts and MSOAs (the measures of IoD File 10)."""
