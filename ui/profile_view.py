"""Streamlit-side helpers of the Area profile page: load the profile, cite its sources,
count tension reports (suppressed) and build the PDF / HTML only when a button is clicked."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from data_sources.cache import open_cache
from data_sources.errors import NotCachedError
from geo.hierarchy import local_labels
from geo.locator import load_locator_shapes
from indicators.catalogue import CATALOGUE, LEVELS
from indicators.formatting import format_number, format_value
from indicators.joined import AREA_TABLE
from indicators.profile import SIMILAR_K, Profile, build_profile, unavailable_indicators
from indicators.profile_export import (
    ExportContext,
    Source,
    generated_now,
    render_charts,
    render_html,
    render_pdf,
)
from indicators.profile_locator import render_locator
from indicators.profile_terms import GLOSSARY
from settings import get_settings
from ui.cached import (
    data_ready,
    load_benchmarks,
    load_hierarchy,
    load_joined,
    load_na_reasons,
    load_provenance,
    manifest_stamp,
)
from ui.map_view import missing_reasons
from ui.report_counts import load_public_counts, report_store_status

PROFILE_LEVELS = ("lad", "msoa", "lsoa")
_URL = re.compile(r" ?\(URL: [^)]*\)?")
_INPUT = re.compile(r"input (\S+): sha256")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown character escaped, so data shows as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def area_level(code: str) -> str | None:
    """The level (lad, msoa, lsoa) of ``code`` in the joined dataset, or None."""
    for level in PROFILE_LEVELS:
        if (load_joined(level)["area_code"] == code).any():
            return level
    return None


def region_names() -> dict[str, str]:
    areas = load_hierarchy()
    regions = areas[areas["level"] == "region"]
    return dict(zip(regions["area_code"].astype(str), regions["area_name"].astype(str),
                    strict=True))


@st.cache_data(ttl=3600, show_spinner=False)
def _profile(cache_dir: str, stamp: float, code: str, level: str, k: int) -> Profile:
    rows = load_joined(level)
    profile = build_profile(rows, code, region_names(), k, load_benchmarks())
    reasons = load_na_reasons()
    notes = [(CATALOGUE[i].label, _URL.sub("", missing_reasons(
                  reasons, i, level, pd.Series([code])).iloc[0]))
             for i in unavailable_indicators(profile)]
    return replace(profile, unavailable=notes)


def load_profile(code: str, k: int = SIMILAR_K) -> Profile | None:
    """The profile of ``code`` with ``k`` similar areas (None when the code is not in the
    joined dataset)."""
    level = area_level(code)
    if level is None:
        return None
    return _profile(str(get_settings().cache_dir), manifest_stamp(), code, level, k)


def district_choices() -> dict[str, str]:
    """Every district of the joined dataset: code -> 'Name (code)', by name."""
    rows = load_joined("lad").sort_values("area_name")
    return {str(c): f"{n} ({c})" for c, n in zip(rows["area_code"], rows["area_name"],
                                                   strict=True)}


def similar_display(profile: Profile) -> pd.DataFrame:
    """The similar areas as shown: labelled columns, the distance rounded."""
    table = profile.similar.drop(columns=["region_code"]).copy()
    table["distance"] = table["distance"].map(lambda d: format_number(d, 2))
    for column in table.columns:
        if column in CATALOGUE:
            table[column] = table[column].map(partial(format_value, indicator=CATALOGUE[column]))
    return table.rename(columns={"area_code": "Code", "area_name": "Area",
                                 "region_name": "Region", "distance": "Distance",
                                 **{c: CATALOGUE[c].label for c in table.columns
                                    if c in CATALOGUE}})


def used_inputs() -> set[str] | None:
    """The datasets the joined dataset was built from (its provenance's "input <id>:"
    notes; not those recorded missing); None when the build does not list them."""
    entry = load_provenance(AREA_TABLE)
    if entry is None:
        return None
    found = {m.group(1) for note in entry.notes if (m := _INPUT.match(note))}
    return found or None


def _own_level(datasets: list[str], level: str) -> list[str]:
    """``datasets`` without the other levels' tables of a family that has one of ``level``
    (an LSOA's figures come from ``census2021_ethnicity_lsoa``, not ``..._lad``)."""
    stems = {d.rsplit("_", 1)[0] for d in datasets if d.endswith(f"_{level}")}
    return [d for d in datasets
            if not (d.rsplit("_", 1)[0] in stems and d.rsplit("_", 1)[-1] in LEVELS
                    and not d.endswith(f"_{level}"))]


def load_sources(profile: Profile, extra: tuple[str, ...] = ()) -> list[Source]:
    """The provenance of every dataset the profile's numbers (and ``extra``: the locator
    map's boundaries) come from: only datasets stored in the cache and used by the build,
    never a download that failed, each with its fetch date."""
    inputs = used_inputs()
    found = []
    for dataset in [*_own_level(profile.sources, profile.level), *extra]:
        entry = load_provenance(dataset)
        used = inputs is None or dataset in inputs or dataset in extra
        if entry is not None and entry.file and entry.fetched_at and used:
            found.append(Source(dataset, entry.title, entry.vintage, entry.licence,
                                entry.attribution, entry.fetched_at))
    return found


@st.cache_data(ttl=3600, show_spinner=False)
def _charts(cache_dir: str, stamp: float, code: str, level: str, k: int):
    return render_charts(_profile(cache_dir, stamp, code, level, k))


def load_charts(profile: Profile, k: int = SIMILAR_K):
    """The charts of the profile of :func:`load_profile` with ``k`` similar areas (PNG plus
    the table of what each draws)."""
    return _charts(str(get_settings().cache_dir), manifest_stamp(), profile.area_code,
                   profile.level, k)


def load_report_rows(code: str, level: str) -> pd.DataFrame | None:
    """Approved tension reports of the area by year, suppressed (empty when there is no
    report database yet); None if the database or the area lookups cannot be read."""
    if report_store_status():
        return pd.DataFrame(columns=["Year", "Approved reports"])
    try:
        table = load_public_counts(level, "all", "year", [code])
    except Exception:  # noqa: BLE001 - the page says the counts are unavailable
        return None
    return table[["period", "shown"]].rename(columns={"period": "Year",
                                                      "shown": "Approved reports"})


@st.cache_data(ttl=3600, show_spinner=False)
def _locator(cache_dir: str, stamp: float, code: str, level: str,
             region_code: str | None, region_name: str | None,
             area_name: str) -> tuple[bytes | None, tuple[str, ...], str]:
    try:
        shapes = load_locator_shapes(open_cache(), code, level, region_code)
    except (ValueError, NotCachedError) as problem:
        return None, (), f"No locator map: {problem}."
    return render_locator(shapes, area_name, region_name), shapes.datasets, ""


def load_locator(profile: Profile) -> tuple[bytes | None, tuple[str, ...], str]:
    """The locator map (PNG), the boundary datasets it was drawn from, and why there is
    none ("" when there is one)."""
    return _locator(str(get_settings().cache_dir), manifest_stamp(), profile.area_code,
                    profile.level, profile.region_code, profile.region_name, profile.area_name)


def view_link(params: dict[str, str]) -> str:
    """The address of this profile with ``params``: on ``GRA_PUBLIC_URL`` when set, else
    on the address the browser used ("" when neither is known)."""
    base = get_settings().public_url
    if base:
        page = f"{base.rstrip('/')}/profile"
    else:
        page = (st.context.url or "").split("?")[0]
    return f"{page}?{urlencode(params)}" if page else ""


def export_context(profile: Profile, link: str) -> ExportContext:
    """What an export says beyond the profile: when, the link back, the tension reports
    and the locator map."""
    locator, _, note = load_locator(profile)
    local = local_labels(load_hierarchy(), pd.Series([profile.area_code])).iloc[0]
    return ExportContext(generated_now(), link, load_report_rows(profile.area_code, profile.level),
                         locator, note, str(local or ""))


def render_terms(profile: Profile) -> None:
    """What the figures mean: one line per indicator shown, the glossary, the editions."""
    st.subheader("What the figures mean")
    st.dataframe(profile.definitions, hide_index=True)
    with st.expander("Glossary"):
        st.markdown("\n".join(f"- **{term}**: {escape_markdown(words)}"
                              for term, words in GLOSSARY))
    st.markdown("**Editions of the figures**")
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in profile.editions))


def _build(kind: str, profile: Profile, k: int, link: str = "") -> bytes:
    _, boundaries, _ = load_locator(profile)
    sources, charts = load_sources(profile, boundaries), load_charts(profile, k)
    context = export_context(profile, link)
    if kind == "pdf":
        return render_pdf(profile, sources, charts, context)
    return render_html(profile, sources, charts, context).encode("utf-8")


def render_export_buttons(profile: Profile, k: int = SIMILAR_K) -> None:
    """PDF and HTML download buttons; each file is built only when its button is clicked."""
    stem = f"area-profile_{profile.area_code}"
    link = view_link(st.query_params.to_dict())
    left, right = st.columns(2)
    left.download_button("Download PDF", data=partial(_build, "pdf", profile, k, link),
                         file_name=f"{stem}.pdf", mime="application/pdf", on_click="ignore",
                         type="primary", icon=":material/picture_as_pdf:")
    right.download_button("Download HTML", data=partial(_build, "html", profile, k, link),
                          file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                          icon=":material/download:")


__all__ = ["area_level", "data_ready", "district_choices", "escape_markdown", "load_charts",
           "load_profile", "load_report_rows", "load_sources",
           "render_export_buttons", "render_terms", "similar_display"]
