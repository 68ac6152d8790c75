"""About & methodology: what every indicator means, how it is computed, and where it comes from.

Indicator definitions come from the catalogue and fetch times from the cache manifest;
the methodology text below explains the formulas implemented in indicators/ and the
suppression rules of reports/.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources.police_placement import DATASET as AGREEMENT
from indicators.catalogue import CATALOGUE, LEVELS, THEMES
from indicators.effect import CAUTION
from indicators.effect_report import METHOD
from indicators.provenance_files import OS_STATEMENT
from indicators.segregation_null import SMALL_GROUP
from indicators.topics import TOPICS
from ui.cached import load_provenance, load_status
from ui.profile_view import escape_markdown

THEME_TITLES = {
    "identifier": "Identifiers (the key columns of every row)",
    "population": "Population",
    "diversity": "Diversity and location quotients",
    "segregation": "Segregation of districts",
    "deprivation": "Deprivation (English Indices of Deprivation)",
    "police": "Police-recorded public order and anti-social behaviour",
    "reports": "Tension reports from member organisations",
    "uncertainty": "Segregation against random placement (expected value, range, flag)",
}
TOPIC_DATASETS = {t.title: t.datasets() for t in TOPICS}
POLARITY = {"higher_worse": "Higher is worse", "higher_better": "Higher is better",
            "neutral": "Neither better nor worse"}
LEVEL_NAMES = {"lsoa": "LSOA", "msoa": "MSOA", "lad": "district"}


def catalogue_table() -> pd.DataFrame:
    """One row per catalogue entry, in catalogue order, with words for the codes."""
    return pd.DataFrame([{
        "Indicator": e.label, "Id": e.id, "Definition": e.definition, "Unit": e.unit,
        "Polarity": POLARITY[e.polarity],
        "Levels": ", ".join(LEVEL_NAMES[level] for level in e.levels),
        "Vintage": e.vintage, "Source": ", ".join(e.source), "Licence": e.licence,
        "Table": "per area" if e.table == "area" else "per area and month",
        "theme": e.theme,
    } for e in CATALOGUE.values()])


def render_indicators() -> None:
    st.write("Every column of the maps, profiles and downloads, in plain English. "
             "Search by words of the name or definition, or narrow by theme and level.")
    left, middle, right = st.columns([2, 2, 1])
    text = left.text_input("Search indicators", placeholder="e.g. dissimilarity, income",
                         key="about_search")
    themes = middle.multiselect("Themes", THEMES, format_func=THEME_TITLES.get,
                                placeholder="All themes", key="about_themes")
    level = right.selectbox("Level", ["any", *LEVELS],
                            format_func=lambda v: "Any level" if v == "any" else LEVEL_NAMES[v],
                            key="about_level")
    table = catalogue_table()
    if text.strip():
        haystack = table["Indicator"] + " " + table["Id"] + " " + table["Definition"]
        table = table[haystack.str.contains(text.strip(), case=False, regex=False)]
    if themes:
        table = table[table["theme"].isin(themes)]
    if level != "any":
        table = table[table["Levels"].str.contains(LEVEL_NAMES[level], regex=False)]
    if table.empty:
        st.info("No indicator matches. Try fewer or shorter words.")
        return
    st.caption(f"{len(table)} of {len(CATALOGUE)} indicators.")
    for theme, rows in table.groupby("theme", sort=False):
        st.subheader(f"{THEME_TITLES[theme]} ({len(rows)})")
        st.dataframe(rows.drop(columns="theme"), hide_index=True, width="stretch",
                     row_height=96, height=min(96 * len(rows) + 40, 780),
                     alt=f"Indicators of the theme {THEME_TITLES[theme]}",
                     column_config={
                         "Indicator": st.column_config.TextColumn(width="medium"),
                         "Id": st.column_config.TextColumn(width=160),
                         "Definition": st.column_config.TextColumn(width=420),
                         "Source": st.column_config.TextColumn(width="medium"),
                         "Licence": st.column_config.TextColumn(width="medium"),
                     })


def render_segregation() -> None:
    st.markdown("""
**In plain English.** Segregation measures say how unevenly ethnic groups are spread across
the small areas of a district; diversity says how mixed the residents are. A district can be
very diverse and still segregated (many groups, each in its own neighbourhoods), or have
little diversity and no segregation. All measures use Census counts of usual residents by
ethnic group (Census 2021 table TS021, 19 detailed groups; Census 2011 table KS201EW, 18).

**Which small areas (`seg_unit`).** A district's measures are computed across its LSOAs
(about 1,500 residents each) when Census counts by LSOA are cached, otherwise across its
MSOAs (about 7,500). The `seg_unit` column says which, and the map's legend, its table,
the Area profile and Compare say it beside every value. Values computed across MSOAs are
usually lower than across LSOAs for the same district (by 0.04 to 0.08 for D), because
bigger areas average out local clustering. So one build of the dataset uses **one kind of
small area for every district**, and for 2011 as for 2021: a district whose counts are
missing for some of its small areas gets no value (the reason is given), rather than a
value across part of it or across MSOAs beside LSOA-based districts. When a new build
uses a different kind of small area from the previous one (say LSOA counts were fetched
since), its provenance says so: its values are not comparable with earlier downloads.

**Notation.** For one district with small areas $i$: $g_i$ residents of the group, $t_i$
residents in all; $G = \\sum_i g_i$ and $T = \\sum_i t_i$ for the whole district.
Small areas with nobody in them are left out, and a district needs at least two small
areas for a segregation value (otherwise it is left empty).
""")
    st.markdown("**Index of dissimilarity** (`d_<group>`, 0 to 1, higher is more segregated): "
                "the share of the group who would have to move to another small area for "
                "the group to be spread exactly like everyone else in the district.")
    st.latex(r"D = \tfrac{1}{2}\sum_i \left|\frac{g_i}{G} - \frac{t_i - g_i}{T - G}\right|")
    st.markdown("**Isolation** (`isolation_<group>`, 0 to 1): the share of the group in the "
                "small area where the average member of the group lives. It rises with the "
                "group's size as well as with its clustering, so read it beside the "
                "group's share of the district.")
    st.latex(r"{}_xP^*_x = \sum_i \frac{g_i}{G}\cdot\frac{g_i}{t_i}")
    st.markdown("**Theil's H, multigroup segregation** (`entropy_h`, 0 to 1): how much less "
                "mixed the small areas are, on average, than the district as a whole, over "
                "all detailed groups at once. With $p_{ic}$ the share of group $c$ in small "
                "area $i$ and $P_c$ its share in the district (natural logarithms, "
                "$0 \\ln 0 = 0$):")
    st.latex(r"E_i = -\sum_c p_{ic}\ln p_{ic},\quad E = -\sum_c P_c \ln P_c,\quad "
             r"H = \sum_i \frac{t_i\,(E - E_i)}{T\,E}")
    st.markdown("**Simpson diversity** (`simpson_diversity`, 0 to 1): the chance that two "
                "residents picked at random belong to different detailed groups; given for "
                "every LSOA, MSOA and district.")
    st.latex(r"S = 1 - \sum_c P_c^2")
    st.markdown("**Location quotient** (`lq_<group>` against the district, "
                "`lq_<group>_england` against England): the group's share of an area's "
                "residents divided by its share of the reference area; 1 is the same share, "
                "2 twice as high, 0.5 half.")
    st.latex(r"LQ_i = \frac{g_i / t_i}{G / T}")
    render_random_placement()
    render_topics()
    st.markdown("""
**Change 2011 → 2021** (`<id>_2011`, `<id>_change`): the 2011 value is computed the same
way from Census 2011, across 2011 small areas placed in their 2022 district with the ONS
LSOA 2011 to 2021 lookup; the change is the 2021 value minus the 2011 value. The 2011
census had 18 detailed groups (no Roma category), so a small part of a change in Theil's H
or Simpson diversity comes from the extra category.

Census 2021 counts are slightly perturbed by ONS to protect confidentiality, so totals
differ a little between tables; this matters only for very small groups. D, isolation and
H agree with the PySAL `segregation` package.
""")


def render_topics() -> None:
    st.markdown("""
**Beyond ethnic group: religion, country of birth, English.** The same measures, by the
same code and the same rules (one kind of small area per build, at least two small areas,
random placement beside every D and isolation, the small-group note), are computed from
three further Census 2021 tables, each of its own counts:

- **Religion** (TS030, usual residents): D, isolation, share (`pct_<group>`) and location
  quotients of Christian, Muslim, Hindu, Sikh, Jewish, Buddhist, other religion and no
  religion; diversity over those eight answers (`religion_simpson_diversity`,
  `religion_entropy` $= -\\sum_c p_c \\ln p_c$, and Theil's H across small areas,
  `religion_entropy_h`). Residents who did not answer (about 6%) count in the total
  behind D, isolation and shares, and are left out of the diversity indices.
- **Country of birth** (TS004, usual residents): residents born outside the UK, and each
  group the table gives: the EU (and its EU14, EU8 and EU2 parts), the rest of Europe,
  Africa, the Middle East and Asia, the Americas and the Caribbean, Antarctica and Oceania,
  the British Overseas Territories.
- **Proficiency in English** (TS029, usual residents aged 3 and over): residents whose main
  language is not English and who cannot speak English well or at all.

These tables are optional: where one is not cached (the reason is in the build's notes),
its columns are empty, the map and Compare do not offer them, and the Area profile leaves
them out.
""")
    for title, datasets in TOPIC_DATASETS.items():
        cached = [d.rsplit("_", 1)[1].upper() for d in datasets
                  if (e := load_provenance(d)) is not None and e.file]
        st.caption(f"{title}: " + (f"cached by {', '.join(cached)}." if cached
                                   else "not available in this cache."))


def render_random_placement() -> None:
    st.markdown(f"""
**Against random placement** (`<id>_expected`, `_low`, `_high`, `_random` beside every
`d_<group>` and `isolation_<group>`, for 2021 and 2011). Even if people of a group chose
where to live with no regard to anyone's ethnicity, they would not be spread exactly
evenly: by chance, some small areas would get a few more of them and some a few fewer. So
D and isolation are above zero with no segregation at all, and far above it for a small
group: 76 people spread over a district's 42 LSOAs cannot be spread evenly. To tell
segregation from chance, each value is set beside **random placement**: the same number
of people of the group placed at random among the district's residents, every small area
keeping its number of residents.

- **Expected if random** (`_expected`): the value random placement gives on average.
- **95% range if random** (`_low` to `_high`): random placement gives a value in this
  range 95 times in 100. It is a range for chance, not a margin of error of the value: the
  Census counted everyone.
- **Not clearly different from random** (`_random`, true or false): the value lies inside
  that range, so it cannot be told from a random spread (at the 5% level). The map hatches
  such districts, the profile marks them ‡ and says so in words, and no sentence calls
  that group "the most unevenly spread". A value *below* the range means the group is
  spread more evenly than chance would leave it.

**Small groups.** Values are never withheld for the size of a group: each has its
expected value, range and flag. Values resting on fewer than {SMALL_GROUP} residents of the
group in the district (`residents_<group>`) carry a note everywhere they are shown,
saying how small the group is and what chance alone gives. The threshold comes from
Census 2021 across MSOAs: of the 121 district values of the five broad groups resting on
fewer than 500 people, 10 cannot be told from random and in 27 more than half the value
is what chance alone gives; of the 1,414 resting on 500 or more, 3 and 18.

**How** (details in `indicators/segregation_null.py`): the expected values are exact
(closed forms for the hypergeometric distribution that random placement gives); the range
of isolation comes from its exact mean and variance, that of D from a normal
approximation with a skewness correction, both checked against PySAL `segregation`'s own
random-placement tests and against exact simulation (within 0.003 for D). For districts
with fewer than 8 small areas, or groups (or everyone else) of fewer than 30 people, where
those approximations are poor, the range comes from 10,000 exact random placements, drawn
with a fixed seed so that the same counts always give the same range.
""")


def render_deprivation() -> None:
    st.markdown("""
**In plain English.** The English Indices of Deprivation (IoD) rank every small area (LSOA)
of England from the most deprived (rank 1) to the least, overall (the Index of Multiple
Deprivation, IMD) and on seven domains and two supplementary indices. Decile 1 is the most
deprived 10% of LSOAs in England. The IoD compares areas: it does not say that any person
is deprived, and a rank cannot be compared between editions as if it were a measurement.

**IoD 2025** is published on the 2021 LSOAs and used as published.

**IoD 2019 on 2021 LSOAs** (`…_2019`). IoD 2019 was published on the 2011 LSOAs. To show
2019 and 2025 side by side it is carried onto the 2021 LSOAs with the ONS lookup
(`iod2019_fit` says how for each LSOA):

- **exact**: the LSOA is unchanged, or was split from one 2011 LSOA, and takes its values;
- **merged**: several 2011 LSOAs became one; its score is their population-weighted mean
  score, and its rank and decile are worked out again against all 2019 LSOAs;
- **complex**: boundaries were redrawn; it takes the values of its most populous 2011 LSOA.

The IoD 2019 district and MSOA summaries are computed from the 2011 LSOAs themselves, each
counted whole in the 2022 district, then the 2021 MSOA, where most of its residents live
(the residents of its 2021 LSOAs, shared among the 2011 LSOAs they came from). This
reproduces the published File 10 of 2019 for every district whose code has not changed, to
within 0.001: a 2011 LSOA split between two districts (East Hertfordshire 002D, partly in
Stevenage since 2021) counts in the district holding most of its people.

**District and MSOA summaries** are computed here from the LSOA values with the official
method of IoD File 10, so that every district and MSOA of the 2021 geography has them
(the published File 10 figures are kept beside them as `…_published` where the district
code is unchanged). For an area with LSOAs $i$, population $p_i$ (the IoD population
denominators; each indicator's definition says which), $P = \\sum_i p_i$, score $s_i$,
national rank $r_i$ among $N$ LSOAs and reversed rank
$R_i = N + 1 - r_i$ (so that higher means more deprived):

- **average score** $\\sum_i p_i s_i / P$;
- **average rank** $\\sum_i p_i R_i / P$;
- **share of LSOAs in England's most deprived 10%**: the proportion of its LSOAs with
  $10\\,r_i \\le N$ (not weighted by population);
- **extent**: the share of its population living in the most deprived LSOAs of England:
  all of those in the most deprived 10%, then a weight falling in equal steps from 0.95
  to 0.05 between the 11th and 30th percentiles, and none beyond;
- **local concentration**: the population-weighted average reversed rank of its most
  deprived LSOAs that together hold 10% of its population.

A summary is left empty when an input it needs is missing for any of the area's LSOAs.
""")


def render_rates() -> None:
    st.markdown("""
**In plain English.** A rate of 96 public-order offences per 10,000 residents is a count of
events divided by the number of people who live there. Counts go up and down by chance from
year to year, and small areas have small counts, so every rate comes with a range and says
which months it covers.

**Which months.** Police counts (`public_order_count`, `asb_count`) cover the 12 calendar
months that end with the area's latest month of published data (`police_period`);
`police_months` says how many of those 12 have data. A rate **per 10,000 residents a year**
(`public_order_per_10k`, `asb_per_10k`) is given only when all 12 months have data. It is
never scaled up from fewer months: with 4 months of data you get the count for those 4
months and no annual rate. Monthly rates (`*_month_per_10k`, `reports_per_10k`) are per
month and say which month.

**95% confidence intervals** (`*_lower`, `*_upper`). A count of events is treated as a
Poisson count, as Public Health England's Fingertips profiles do, and its exact 95% limits
are worked out from the chi-squared distribution (for a count of 0: 0 to 3.7 events). The
limits are divided by the residents like the rate. Read "96.4 (95% CI 93.5 to 99.4)" as:
a rate this far from 96.4 would be unusual if nothing but chance were at work.

**Compared with the region and England** (`*_vs_region`, `*_vs_england`), in Fingertips'
words: **significantly higher** when the region's or England's rate is below the area's
interval, **significantly lower** when it is above, **similar** when it lies inside. "Similar"
does not mean the same; it means the difference could be chance.

**Region and England figures** are computed once for each indicator when the data is
built (`joined_benchmarks`) and used everywhere, from all the areas with data and the way the
indicator itself is computed: England's share of LSOAs in its most deprived 10% is 10.0%
on every profile. Police rates of a region or England come only from the districts with 12
complete months of police data, and say how many
("the 1 of 309 districts with police data"); they are not shown as England's when only
some districts have data, and Trends does not draw a region or England line that would only
repeat the area's own district.

**Tension reports.** A report count of 1 to 4, or one withheld so that such a count cannot
be worked out, has no rate and no interval: an interval is worked out from the count, so it
would give the count away.

**Residents note** (`denominator_flag`). Where many more people are there on a working day
than live there, a rate per resident is not comparable with other areas. The City of London
had about 360,000 people on a working day against 7,375 residents in the 2011 Census (ONS
workday population, table WP102EW), nearly 50 times as many; its 8,584 residents of 2021 are
the denominator of its rates, so they carry a note. A district is flagged when its workday
population is at least 10 times its residents: only the City is. Busy small areas elsewhere
(city centres, airports, shopping centres) can draw many more people by day too; without
workplace counts for small areas we cannot flag them, so read their rates with care.
""")
    st.markdown(placement_text())


def placement_text() -> str:
    """Where crimes are placed, and the agreement with police.uk measured on this cache."""
    entry = load_provenance(AGREEMENT)
    measured = ("\n".join(f"- {note}" for note in entry.notes) if entry and entry.file else
                "- Not yet measured on this cache: police figures are published for districts "
                "only until `python -m data_sources police-agreement` is run with police.uk "
                "street-level CSV files.")
    return f"""
**Where crimes are placed.** data.police.uk gives each crime a location snapped to a nearby
point, usually on a street, but no area code. The atlas places each crime in the LSOA
whose boundary holds that point, using the most detailed LSOA boundaries the ONS serves of
those it fetches (generalised, 20 m, where offered; the super-generalised 200 m layer
otherwise). Streets are often LSOA boundaries, so coarse boundaries put many crimes in a
neighbouring LSOA. police.uk's monthly CSV files carry its own LSOA code for each crime;
`python -m data_sources police-agreement` places their crimes the same way and counts how
many land in police.uk's own LSOA, MSOA and district. Police figures are published only at
the levels where at least 99% agree. On the national test data (the super-generalised, BSC
LSOA layer, the only one its mirror serves, and the 47 police.uk monthly files of
Leicestershire, 2019-12 to 2022-10, and the City of London, 2022-07 to 2023-06: 68,330
located public-order and anti-social behaviour crimes) 86.8% of crimes agreed at LSOA
level, 95.4% at MSOA and 99.6% at district level, and 7,787 of 17,127 LSOA-month counts
differed, so there police figures are published for districts only. The generalised (BGC)
layer could not be measured there. Measured on this cache:

{measured}
"""


def render_reports() -> None:
    st.markdown("""
**In plain English.** Member organisations report tensions and incidents they see. Reports
can touch on vulnerable people, so only counts are ever public, and small counts are hidden.

- Only reports **approved by a moderator** are counted.
- A count from **1 to 4** is shown as **"<5"** in every public view; a zero is shown as 0.
  In the downloadable dataset a hidden count is left empty, with `reports_suppressed`
  saying it was withheld.
- **Secondary suppression**: further counts are hidden too, shown as **"[c]"**, until no
  hidden count can be worked out from everything published taken together: every area
  level, category, tension level, month and year at once, knowing that counts are whole
  numbers, never negative, that "<5" means 1 to 4 and "[c]" 5 or more. This is checked
  exactly, with an integer-programming solver, every time the tables are rebuilt: every
  hidden count keeps at least two possible values. Rates are not given for hidden counts.
- **Publishing less**: where hiding more cannot protect a count, a small total is
  withheld as "[c]" instead of "<5"; and where most counts of a table would be small
  (neighbourhood tables once reports are many and spread thin), the table is not
  published at all, and the page says so.
- **Free text, and who submitted a report (person or organisation), are never public**:
  only moderators see them.
- Report counts are not official statistics. They show what member organisations chose to
  report, not everything that happened.
""")


def render_what_changed() -> None:
    st.markdown(f"""
**Service areas.** A member organisation's service area is a set of small areas (LSOAs).
Its profile is computed from them by the rules of the official summaries (the IoD
population-weighted average score and extent, the share of its LSOAs among England's most
deprived 10%, segregation across its LSOAs against random placement, police rates over 12
complete months), and it is ranked among and matched with the neighbourhoods (MSOAs) or
districts nearest it in size.

**What changed.** {escape_markdown(METHOD)}

{escape_markdown(CAUTION)} Report counts of a service area are suppressed like every public
count and checked together with every published table, other service areas' too: a count
is withheld ("[c]") where subtracting published counts (two overlapping service areas,
say) would give a small count away. Reports placed only at a neighbourhood (MSOA) or
district lie in no small area, so no service area counts them.
""")


def render_sources() -> None:
    st.write("Every number comes from one of these public datasets, fetched from its "
             "publisher and kept with its provenance. Derived tables (the joined dataset) "
             "show when they were built.")
    rows = sorted(load_status(), key=lambda r: r.state not in ("ok", "stale"))
    if not any(r.state in ("ok", "stale") for r in rows):
        st.warning("No public data is cached yet. On a machine with internet, run "
                   "`python -m data_sources refresh` in the project folder.")
    st.dataframe(pd.DataFrame({
        "Dataset": [r.title for r in rows],
        "Publisher": [r.source for r in rows],
        "Vintage": [r.vintage for r in rows],
        "Fetched or built (UTC)": [r.fetched_at.replace("T", " ").rstrip("Z")
                                   if r.state in ("ok", "stale") else "not fetched"
                                   for r in rows],
        "Licence": [r.licence for r in rows],
        "Attribution": [r.attribution for r in rows],
        "Id": [r.dataset for r in rows],
    }), hide_index=True, width="stretch", height=min(35 * (len(rows) + 1) + 3, 600),
        column_config={"Dataset": st.column_config.TextColumn(width="large")})
    st.subheader("Licences and attribution")
    credits = list(dict.fromkeys(r.attribution for r in rows
                                 if r.attribution and r.source != "derived"))
    for attribution in credits:
        st.markdown(f"- {attribution}")
    if not any(OS_STATEMENT in c for c in credits):
        st.markdown(f"- Boundaries: {OS_STATEMENT}.")

st.title("About & methodology")
st.caption("What every number means, how it is worked out, and where it comes from.")
tabs = st.tabs(["Indicators", "Segregation & diversity", "Deprivation",
                "Rates, intervals & periods", "Tension reports", "What changed", "Sources"])
for tab, render in zip(tabs, [render_indicators, render_segregation, render_deprivation,
                              render_rates, render_reports, render_what_changed,
                              render_sources], strict=True):
    with tab:
        render()
