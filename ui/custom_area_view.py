"""Streamlit edge of the service-area profile and the "What changed" page.

Loads what a custom area's profile and an activity's effect need (cached tables, the
report cube's suppressed counts), builds them with the pure functions of
:mod:`indicators.custom_area` and :mod:`indicators.effect_report`, and renders them.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import NamedTuple

import pandas as pd
import streamlit as st

from data_sources.cache import open_cache
from data_sources.errors import NotCachedError
from indicators.custom_area import (
    CustomArea,
    build_custom_profile,
    check_lsoas,
    comparison_level,
    compute_custom_row,
    sum_lsoa_months,
)
from indicators.effect_export import SECTION, render_effect_charts, write_effect_section
from indicators.effect_report import (
    METHOD,
    REPORTS,
    EffectReport,
    build_effect,
    estimates_table,
    series_table,
)
from indicators.profile import BENCHMARK_NOTE, SIMILAR_K, Profile, comparison_table
from indicators.profile_export import Chart, Source, render_charts, render_html, render_pdf
from indicators.profile_segregation import (
    random_placement_display,
    random_placement_explanation,
)
from reports.activities import ActivityView, list_activities
from reports.area_set_cube import service_area_code
from reports.audit import Actor
from reports.service_areas import (
    ServiceAreaView,
    directory_service_areas,
    get_service_area,
    list_service_areas,
)
from reports.taxonomy import KINDS
from settings import get_settings
from ui.cached import load_benchmarks, load_joined, load_provenance, manifest_stamp
from ui.profile_view import escape_markdown, load_sources, region_names, similar_display
from ui.report_counts import (
    SERVICE_AREA_COUNTS,
    NotPublished,
    load_area_set_counts,
    load_public_counts,
    report_store_status,
)
from ui.reports_view import get_store

POLICE_DATASET = "police_lsoa_month"


class CustomProfile(NamedTuple):
    """A custom area's profile, its joined-style row and the LSOAs left out (unknown)."""

    area: CustomArea
    profile: Profile
    row: pd.Series
    unknown: list[str]


def custom_area_of(view: ServiceAreaView) -> CustomArea:
    """The custom area of a stored service area (code ``SA<id>``)."""
    return CustomArea(service_area_code(view.id), view.name, tuple(sorted(view.lsoa_codes)))


def _optional(dataset: str) -> pd.DataFrame | None:
    try:
        return open_cache().load_table(dataset)
    except NotCachedError:
        return None


@st.cache_resource(ttl=3600, show_spinner=False, max_entries=2)
def _inputs(cache_dir: str, stamp: float) -> dict[str, pd.DataFrame | pd.Series | None]:
    iod = _optional("iod2025_lsoa")
    weights = (iod.set_index("area_code")["pop_total"]
               if iod is not None and "pop_total" in iod.columns else None)
    months = _optional("joined_area_month")
    if months is not None:
        months = months[["area_code", "level", "month", "public_order", "asb"]]
    return {"counts": _optional("census2021_ethnicity_lsoa"), "weights": weights,
            "months": months}


def _custom_inputs() -> dict[str, pd.DataFrame | pd.Series | None]:
    return _inputs(str(get_settings().cache_dir), manifest_stamp())


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _profile(cache_dir: str, stamp: float, code: str, name: str, lsoas: tuple[str, ...],
             k: int) -> CustomProfile:
    lsoa_rows = load_joined("lsoa")
    area = CustomArea(code, name, lsoas)
    unknown = check_lsoas(area, lsoa_rows)
    area = CustomArea(code, name, tuple(c for c in lsoas if c not in set(unknown)))
    inputs = _custom_inputs()
    months = inputs["months"]
    population = pd.to_numeric(lsoa_rows.loc[lsoa_rows["area_code"].isin(area.lsoas),
                                             "population_2021"], errors="coerce").sum()
    level = comparison_level(float(population),
                             {lv: load_joined(lv) for lv in ("msoa", "lad")})
    row = compute_custom_row(area, level, lsoa_rows, inputs["counts"], inputs["weights"],
                             None if months is None else months[months["level"] == "lsoa"])
    profile = build_custom_profile(row, load_joined(level), region_names(), k,
                                   load_benchmarks())
    return CustomProfile(area, profile, row, unknown)


def load_custom_profile(view: ServiceAreaView, k: int = SIMILAR_K) -> CustomProfile:
    """The profile of a stored service area with ``k`` similar areas.

    Raises
    ------
    ValueError
        When none of its LSOAs is in the joined dataset.
    """
    area = custom_area_of(view)
    return _profile(str(get_settings().cache_dir), manifest_stamp(), area.code, area.name,
                    area.lsoas, k)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def _charts(cache_dir: str, stamp: float, code: str, name: str, lsoas: tuple[str, ...],
            k: int) -> list[Chart]:
    return render_charts(_profile(cache_dir, stamp, code, name, lsoas, k).profile)


def load_custom_charts(custom: CustomProfile, k: int = SIMILAR_K) -> list[Chart]:
    area = custom.area
    return _charts(str(get_settings().cache_dir), manifest_stamp(), area.code, area.name,
                   tuple(custom_area_lsoas(custom)), k)


def custom_area_lsoas(custom: CustomProfile) -> tuple[str, ...]:
    """The LSOAs the profile was asked for (those left out included), for cache keys."""
    return tuple(sorted((*custom.area.lsoas, *custom.unknown)))


# ---------------------------------------------------------------- service areas, activities
def visible_service_areas(actor: Actor | None) -> list[ServiceAreaView]:
    """The service areas ``actor`` may profile: those listed in the public directory, and
    a member's own organisation's (a moderator's: every one), by name."""
    store = get_store()
    found = {a.id: a for a in directory_service_areas(store)}
    if actor is not None:
        found.update({a.id: a for a in list_service_areas(store, actor)})
    return sorted(found.values(), key=lambda a: (a.name.lower(), a.id))


def visible_activities(actor: Actor) -> list[ActivityView]:
    """The recorded activities ``actor`` may see (a member: their organisation's)."""
    return list_activities(get_store(), actor, include_withdrawn=False)


def service_area_of(actor: Actor, activity: ActivityView) -> ServiceAreaView:
    """The service area an activity took place in."""
    return get_service_area(get_store(), activity.service_area_id, actor)


def kind_label(kind: str) -> str:
    """The label of a kind of good relations work."""
    return next((t.label for t in KINDS if t.id == kind), kind)


# ---------------------------------------------------------------- the effect of an activity
def _report_counts(custom: CustomProfile
                   ) -> tuple[pd.DataFrame | None, tuple[str, str] | None, str | None]:
    """Suppressed monthly report counts of the service area and its similar areas, the
    months the store covers, and why there are none when a table is not published;
    (None, None, None) without a report store or any report."""
    if report_store_status():
        return None, None, None
    england = load_public_counts("country", "all", "month")
    if england.empty:
        return None, None, None
    similar = custom.profile.similar["area_code"].astype(str).tolist()
    level = custom.profile.level
    try:
        theirs = load_public_counts(level, "all", "month", similar)  # type: ignore[arg-type]
        mine = load_area_set_counts(custom.area.code)
    except NotPublished as why:
        return None, None, str(why)
    columns = ["area_code", "period", "count", "shown"]
    counts = pd.concat([mine[columns], theirs[columns]], ignore_index=True)
    return counts, (str(england["period"].min()), str(england["period"].max())), None


def _police(custom: CustomProfile) -> pd.DataFrame | None:
    months = _custom_inputs()["months"]
    if months is None:
        return None
    mine = sum_lsoa_months(custom.area, months[months["level"] == "lsoa"])
    similar = set(custom.profile.similar["area_code"].astype(str))
    theirs = months[(months["level"] == custom.profile.level)
                    & months["area_code"].isin(similar)]
    return pd.concat([mine, theirs.drop(columns="level")], ignore_index=True)


def load_effect(custom: CustomProfile, activity: str, kind: str,
                start: date) -> EffectReport:
    """Before and after ``start`` in the service area against its similar areas."""
    reports, covered, withheld = _report_counts(custom)
    return build_effect(custom.area.code, custom.area.name,
                        float(custom.row["population_2021"]), activity, kind,
                        start.strftime("%Y-%m"), custom.profile.similar, _police(custom),
                        reports, covered, withheld)


# ---------------------------------------------------------------- rendering
def render_custom_profile(custom: CustomProfile, k: int = SIMILAR_K) -> None:
    """The profile's sections, as the Area profile page shows an official area's."""
    profile = custom.profile
    st.caption(f"Service area of {len(custom.area.lsoas):,} small areas (LSOAs), "
               f"{float(custom.row['population_2021']):,.0f} residents (Census 2021). "
               f"Ranked among, and matched with, {profile.plural} of England as if it "
               "were one of them.")
    if custom.unknown:
        st.warning(f"{len(custom.unknown)} of its codes are not LSOAs of the joined "
                   f"dataset and are left out: {', '.join(custom.unknown[:10])}")
    st.subheader("In brief")
    st.markdown("\n".join(f"- {escape_markdown(s)}" for s in profile.sentences)
                or "No summary: the key figures of this area are missing in the cache.")
    st.subheader("Key indicators")
    st.caption(f"Rank 1 is the highest value among {profile.plural} in England. "
               f"{BENCHMARK_NOTE}")
    st.dataframe(comparison_table(profile), hide_index=True)
    if not profile.random_placement.empty:
        st.subheader("Segregation against random placement")
        st.caption(random_placement_explanation("lsoa").replace("district", "service area"))
        st.dataframe(random_placement_display(profile.random_placement), hide_index=True)
    st.subheader(f"Similar {profile.plural}")
    st.caption(profile.similar_method)
    if profile.similar.empty:
        st.info("No similar areas: this area lacks one of the three measures they are "
                "matched on.")
    else:
        st.dataframe(similar_display(profile), hide_index=True)
    st.subheader("Tension reports")
    render_report_years(custom.area)


def render_report_years(area: CustomArea) -> None:
    """Approved tension reports in the service area by year, suppressed."""
    if report_store_status():
        st.caption("No approved tension reports: there is no report database yet.")
        return
    try:
        years = load_area_set_counts(area.code, "year")
    except NotPublished as why:
        st.caption(str(why))
        return
    except Exception:  # noqa: BLE001 - the page says the counts are unavailable
        st.caption("Report counts are unavailable (the reports database could not be read).")
        return
    if years.empty:
        st.caption("No approved tension reports in this service area.")
        return
    st.caption(f"Approved reports by year of the incident. {SERVICE_AREA_COUNTS}")
    st.dataframe(years[["period", "shown"]].rename(
        columns={"period": "Year", "shown": "Approved reports"}), hide_index=True)


def render_effect(report: EffectReport) -> None:
    """Each measure's estimate in words, its chart and its months, the method and caution."""
    st.info(report.caution, icon=":material/info:")
    st.dataframe(estimates_table(report), hide_index=True)
    charts = {c.title: c for c in render_effect_charts(report)}
    for measure in report.measures:
        st.subheader(measure.label.capitalize())
        st.markdown(escape_markdown(measure.estimate.message))
        chart = next((c for t, c in charts.items() if t.lower().startswith(measure.label)),
                     None)
        if chart is not None:
            st.image(chart.png)
        if not measure.series.empty:
            with st.expander(f"Months of {measure.label}"):
                st.dataframe(series_table(measure, report.area_name, report.similar),
                             hide_index=True)
        st.caption(f"Source: {measure.source}." + (
            " " + SERVICE_AREA_COUNTS if measure.id == REPORTS else ""))
    st.subheader("How this is worked out")
    st.caption(METHOD)


def _pdf(custom: CustomProfile, effect: EffectReport | None, k: int) -> bytes:
    sources = load_sources(custom.profile)
    sections = []
    if effect is not None:
        sections.append(partial(write_effect_section, report=effect,
                                charts=render_effect_charts(effect)))
        police = load_provenance(POLICE_DATASET)
        if police is not None and POLICE_DATASET not in custom.profile.sources:
            sources.append(Source(POLICE_DATASET, police.title, police.vintage, police.licence,
                                  police.attribution, police.fetched_at))
    return render_pdf(custom.profile, sources, load_custom_charts(custom, k),
                      sections=sections)


def _html(custom: CustomProfile, k: int) -> bytes:
    return render_html(custom.profile, load_sources(custom.profile),
                       load_custom_charts(custom, k)).encode("utf-8")


def render_downloads(custom: CustomProfile, effect: EffectReport | None = None,
                     k: int = SIMILAR_K) -> None:
    """The bid PDF (with the section "What we do here and what changed" when ``effect`` is
    given) and the profile's HTML; each built only when its button is clicked."""
    stem = f"service-area-profile_{custom.area.code}"
    left, right = st.columns(2)
    label = "Download bid PDF" if effect is not None else "Download PDF"
    left.download_button(label, data=partial(_pdf, custom, effect, k),
                         file_name=f"{stem}.pdf", mime="application/pdf", on_click="ignore",
                         type="primary", icon=":material/picture_as_pdf:",
                         help=f"With the section '{SECTION}'." if effect else None)
    right.download_button("Download HTML", data=partial(_html, custom, k),
                          file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                          icon=":material/download:")
