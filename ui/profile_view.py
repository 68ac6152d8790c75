"""Streamlit-side helpers of the Area profile page: load the profile, cite its sources,
count tension reports (suppressed) and build the PDF / HTML only when a button is clicked."""

from __future__ import annotations

import re
from functools import partial

import pandas as pd
import streamlit as st

from indicators.catalogue import CATALOGUE
from indicators.formatting import format_number, format_value
from indicators.profile import SIMILAR_K, Profile, build_profile
from indicators.profile_export import Source, render_charts, render_html, render_pdf
from settings import get_settings
from ui.cached import (
    data_ready,
    load_benchmarks,
    load_hierarchy,
    load_joined,
    load_provenance,
    manifest_stamp,
)
from ui.report_counts import load_public_counts, report_store_status

PROFILE_LEVELS = ("lad", "msoa", "lsoa")
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
    return build_profile(load_joined(level), code, region_names(), k, load_benchmarks())


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


def load_sources(profile: Profile) -> list[Source]:
    """The provenance of every dataset the profile's numbers come from."""
    found = []
    for dataset in profile.sources:
        entry = load_provenance(dataset)
        if entry is not None:
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


def _build(kind: str, profile: Profile, k: int) -> bytes:
    sources, charts = load_sources(profile), load_charts(profile, k)
    if kind == "pdf":
        return render_pdf(profile, sources, charts)
    return render_html(profile, sources, charts).encode("utf-8")


def render_export_buttons(profile: Profile, k: int = SIMILAR_K) -> None:
    """PDF and HTML download buttons; each file is built only when its button is clicked."""
    stem = f"area-profile_{profile.area_code}"
    left, right = st.columns(2)
    left.download_button("Download PDF", data=partial(_build, "pdf", profile, k),
                         file_name=f"{stem}.pdf", mime="application/pdf", on_click="ignore",
                         type="primary", icon=":material/picture_as_pdf:")
    right.download_button("Download HTML", data=partial(_build, "html", profile, k),
                          file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                          icon=":material/download:")


__all__ = ["area_level", "data_ready", "district_choices", "escape_markdown", "load_charts",
           "load_profile", "load_report_rows", "load_sources", "render_export_buttons",
           "similar_display"]
