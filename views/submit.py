"""Submit a report: the tension-report form for members, and their organisation's reports."""

from __future__ import annotations

import uuid

import streamlit as st

from data_sources.postcodes import normalise_postcode
from geo.hierarchy import search_areas
from reports.areas import looks_like_area_code
from reports.auth import PermissionDenied
from reports.moderation import ModerationError, withdraw
from reports.ratelimit import RateLimited
from reports.submissions import InvalidReport, submit_report
from reports.taxonomy import CATEGORIES, TENSION_LEVELS
from reports.validation import MAX_DESCRIPTION, MAX_SOURCE, ReportInput
from ui.cached import load_hierarchy
from ui.reports_view import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    get_store,
    look_up_area,
    own_reports,
    postcode_resolver,
    reports_table,
    require_directory,
    term_description,
)
from ui.session import describe, require_actor
from ui.sidebar import area_label
from ui.table_download import render_table_download

SUBMIT_NOTE = (
    "Reports are checked by a moderator before they count in any map or chart. In public "
    "they are only ever counted, per area and month or year: a count of 1 to 4 is shown as "
    "“<5” and a count that would reveal one as “[c]”, never as the number. Your description "
    "and your name stay with the moderators.")
"""What happens to a report, in the words the public views use ("<5")."""
FIELDS = ("incident_date", "incident_time", "area", "category", "tension_level",
          "description", "source")

st.title("Submit a tension report")
actor = require_actor("member", "submit tension reports")

directory = require_directory()
store = get_store()
st.text(f"Signed in as {describe(actor)}.")
st.caption(SUBMIT_NOTE)


def _pick_match() -> None:
    picked = st.session_state.pop("submit_area_pick", None)
    if picked:
        st.session_state["submit_area"] = picked


def render_name_matches() -> None:
    """A typed name (not a code or postcode): the areas it names, to choose one by code."""
    typed = (st.session_state.get("submit_area") or "").strip()
    if not typed or looks_like_area_code(typed.upper()) or normalise_postcode(typed):
        return
    areas = load_hierarchy()
    found = search_areas(areas, typed, levels=("lad", "msoa", "lsoa"), limit=25)
    if found.empty:
        st.caption(f"No district, neighbourhood or ward is called “{typed}”; give a postcode "
                   "or an area code instead.")
        return
    labels = {c: area_label(areas, c) for c in found["area_code"]}
    st.selectbox("Areas with that name", list(labels), index=None, key="submit_area_pick",
                 format_func=labels.get, on_change=_pick_match,
                 placeholder=f"{len(labels)} match(es): choose the area of the incident")


def _inputs() -> ReportInput:
    state = st.session_state
    return ReportInput(
        incident_date=state.get("submit_incident_date"),
        incident_time=state.get("submit_incident_time"),
        area=state.get("submit_area"),
        category=state.get("submit_category"),
        tension_level=state.get("submit_tension_level"),
        description=state.get("submit_description"),
        source=state.get("submit_source"),
    )


def _submit() -> None:
    """Runs before the page is drawn: store once per filling-in, keep errors per field."""
    state = st.session_state
    raw = _inputs()
    if state.get("submit_last") and state["submit_last"][0] != raw:
        state["submit_key"] = uuid.uuid4().hex  # changed since the last success: new report
    state.pop("submit_errors", None)
    state.pop("submit_failure", None)
    try:
        report_id = submit_report(store, actor, raw, directory=directory,
                                  resolve_postcode=postcode_resolver(),
                                  submission_key=state["submit_key"])
    except InvalidReport as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(error.field, []).append(error.message)
        state["submit_errors"] = errors
        return
    except (RateLimited, PermissionDenied) as exc:
        state["submit_failure"] = str(exc)
        return
    state["submit_last"] = (raw, report_id)


def _new_report() -> None:
    for key in list(st.session_state):
        if str(key).startswith("submit_"):
            del st.session_state[key]


def _term_select(label: str, terms, labels: dict, field: str, placeholder: str) -> None:
    """A choice of category or tension level, its plain-English meaning, and its errors."""
    key = f"submit_{field}"
    st.selectbox(label, [term.id for term in terms], index=None, format_func=labels.get,
                 key=key, placeholder=placeholder)
    chosen = term_description(terms, st.session_state.get(key))
    if chosen:
        st.caption(chosen)
    _field_errors(field)


def _field_errors(field: str) -> None:
    for message in st.session_state.get("submit_errors", {}).get(field, []):
        st.error(message, icon=":material/error:")


st.session_state.setdefault("submit_key", uuid.uuid4().hex)

last = st.session_state.get("submit_last")
if last is not None:
    st.success(f"Thank you: your report is stored as report number {last[1]}. It is waiting "
               "for a moderator.", icon=":material/check_circle:")
    st.button("Start a new report", on_click=_new_report, key="submit_new")

with st.container(border=True):
    st.subheader("What happened")
    left, right = st.columns(2)
    with left:
        st.date_input("Date of the incident", key="submit_incident_date", value="today",
                      format="DD/MM/YYYY")
        _field_errors("incident_date")
    with right:
        st.time_input("Time (optional)", key="submit_incident_time", value=None, step=300)
        _field_errors("incident_time")

    area_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    with area_col:
        st.text_input("Area: a place or ward name, a postcode, or an LSOA, MSOA or district "
                      "code", key="submit_area",
                      placeholder="e.g. Highfields, LE1 5WW or E01025615")
    render_name_matches()
    with button_col:
        look_up = st.button("Look up area", key="submit_lookup", icon=":material/search:")
    if look_up:
        found = look_up_area(st.session_state.get("submit_area", ""), directory)
        if found.error:
            st.warning(found.error)
        else:
            # The area is now known: an error about it from an earlier attempt is stale.
            st.session_state.get("submit_errors", {}).pop("area", None)
            st.text("\n".join(found.lines))
    _field_errors("area")

    _term_select("Category", CATEGORIES, CATEGORY_LABELS, "category", "Choose a category")
    _term_select("Tension level", TENSION_LEVELS, LEVEL_LABELS, "tension_level",
                 "Choose a level")
    with st.expander("What the categories and levels mean"):
        st.dataframe(
            [{"Category": t.label, "Meaning": t.description} for t in CATEGORIES]
            + [{"Category": f"Level: {t.label}", "Meaning": t.description}
               for t in TENSION_LEVELS],
            hide_index=True, width="stretch")

    st.text_area("Description", key="submit_description", max_chars=MAX_DESCRIPTION,
                 help="What happened, in a few sentences. Do not name private individuals.")
    typed = len(st.session_state.get("submit_description") or "")
    st.caption(f"{typed} of {MAX_DESCRIPTION} characters used.")
    _field_errors("description")

    st.text_input("Source (optional): how you heard of it", key="submit_source",
                  max_chars=MAX_SOURCE)
    _field_errors("source")

    st.button("Submit report", key="submit_send", type="primary", on_click=_submit,
              icon=":material/send:")
    if st.session_state.get("submit_errors"):
        st.error("The report was not stored: please correct the fields marked above.")
    if st.session_state.get("submit_failure"):
        st.error(st.session_state["submit_failure"])

# ---------------------------------------------------------------- own reports
st.subheader("Your organisation's reports")
flash = st.session_state.pop("submit_withdraw_result", None)
if flash:
    (st.success if flash[0] else st.error)(flash[1])
own = own_reports(store, actor)
if not own:
    st.info("Your organisation has not submitted any reports yet.")
else:
    own_table = reports_table(own, directory)
    st.dataframe(own_table, hide_index=True, width="stretch")
    render_table_download("Download your organisation's reports (CSV)", own_table,
                          "our_reports.csv", key="submit_own_csv")
    can_withdraw = [report.id for report in own if report.status in ("pending", "approved")]
    if can_withdraw:
        with st.expander("Withdraw a report"):
            choice = st.selectbox("Report number", can_withdraw, key="submit_withdraw_id")
            note = st.text_input("Why (optional)", key="submit_withdraw_note")
            if st.button("Withdraw this report", key="submit_withdraw"):
                try:
                    withdraw(store, actor, int(choice), note or None)
                except (ModerationError, PermissionDenied) as exc:
                    st.session_state["submit_withdraw_result"] = (False, str(exc))
                else:
                    st.session_state["submit_withdraw_result"] = (
                        True, f"Report {choice} is withdrawn; it no longer counts.")
                st.rerun()
