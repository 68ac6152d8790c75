"""The Activities tab of the Our work page: record an activity, list, withdraw, import."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from reports.activities import (
    ActivityInput,
    ActivityView,
    InvalidActivity,
    list_activities,
    record_activity,
    withdraw_activity,
)
from reports.activity_import import plan_activity_import, run_activity_import
from reports.audit import Actor
from reports.auth import PermissionDenied
from reports.importer import ImportRefused
from reports.service_areas import own_service_areas
from reports.store import Store
from reports.taxonomy import APPROACHES, KINDS
from ui.reports_view import problems_table
from ui.table_download import render_table_download
from ui.work_view import APPROACH_LABELS, KIND_LABELS

FIELDS = ("title", "kind", "approaches", "service_area", "start_date", "end_date",
          "people_reached")


def _inputs() -> ActivityInput:
    state = st.session_state
    return ActivityInput(**{field: state.get(f"act_{field}") for field in FIELDS})


def _record(store: Store, actor: Actor) -> None:
    state = st.session_state
    state.pop("act_errors", None)
    try:
        activity_id = record_activity(store, actor, _inputs(), submission_key=state["act_key"])
    except InvalidActivity as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(error.field, []).append(error.message)
        state["act_errors"] = errors
        return
    for field in FIELDS:
        state.pop(f"act_{field}", None)
    state["act_key"] = uuid.uuid4().hex
    state["act_flash"] = (True, f"Activity {activity_id} is recorded. You can tell its story "
                                "on the Stories tab.")


def _errors(field: str) -> None:
    for message in st.session_state.get("act_errors", {}).get(field, []):
        st.error(message, icon=":material/error:")


def activities_table(activities: list[ActivityView]) -> pd.DataFrame:
    """The organisation's activities as plain text, latest start first."""
    return pd.DataFrame([{
        "Number": a.id, "Name": a.title, "Kind": KIND_LABELS.get(a.kind, a.kind),
        "Approaches": ", ".join(APPROACH_LABELS.get(x, x) for x in a.approaches),
        "Service area": a.service_area, "Start": a.start_date.isoformat(),
        "End": "" if a.end_date is None else a.end_date.isoformat(),
        "People reached": "" if a.people_reached is None else str(a.people_reached),
        "Status": a.status} for a in activities])


def render_activities(store: Store, actor: Actor) -> None:
    """The activity form, the organisation's activities and the CSV import."""
    st.session_state.setdefault("act_key", uuid.uuid4().hex)
    flash = st.session_state.pop("act_flash", None)
    if flash:
        (st.success if flash[0] else st.error)(flash[1])
    areas = own_service_areas(store, actor)
    if not areas:
        st.info("Define a service area first (Service areas tab): every activity takes "
                "place in one.")
    with st.container(border=True):
        st.subheader("Record an activity")
        st.text_input("Name of the activity", key="act_title", max_chars=200)
        _errors("title")
        st.selectbox("Kind of work", [t.id for t in KINDS], format_func=KIND_LABELS.get,
                     index=None, key="act_kind", placeholder="Choose a kind")
        _errors("kind")
        st.multiselect("Approaches", [t.id for t in APPROACHES],
                       format_func=APPROACH_LABELS.get, key="act_approaches")
        _errors("approaches")
        st.selectbox("Service area", [a.name for a in areas], index=None,
                     key="act_service_area", placeholder="Choose a service area")
        _errors("service_area")
        left, right = st.columns(2)
        left.date_input("Start date", value=None, key="act_start_date", format="DD/MM/YYYY")
        right.date_input("End date (empty while it goes on)", value=None, key="act_end_date",
                         format="DD/MM/YYYY")
        _errors("start_date")
        _errors("end_date")
        st.number_input("People reached (optional)", min_value=0, value=None, step=1,
                        key="act_people_reached")
        _errors("people_reached")
        st.button("Record activity", key="act_save", type="primary",
                  on_click=_record, args=(store, actor))
    mine = list_activities(store, actor) if actor.role == "member" else [
        a for a in list_activities(store, actor) if a.organisation_id == actor.organisation_id]
    st.subheader("Your organisation's activities")
    if not mine:
        st.info("No activity recorded yet.")
    else:
        table = activities_table(mine)
        st.dataframe(table, hide_index=True, width="stretch")
        render_table_download("Download your activities (CSV)", table, "our_activities.csv",
                              key="act_csv")
        _render_withdraw(store, actor, [a for a in mine if a.status == "recorded"])
    _render_import(store, actor)


def _render_withdraw(store: Store, actor: Actor, recorded: list[ActivityView]) -> None:
    if not recorded:
        return
    with st.expander("Withdraw an activity"):
        names = {a.id: f"{a.id}: {a.title}" for a in recorded}
        choice = st.selectbox("Activity", list(names), format_func=names.get, key="act_withdraw_id")
        note = st.text_input("Why (optional)", key="act_withdraw_note")
        if st.button("Withdraw this activity", key="act_withdraw"):
            withdraw_activity(store, actor, int(choice), note or None)
            st.session_state["act_flash"] = (True, f"Activity {choice} is withdrawn; it and "
                                                   "its stories no longer count or show.")
            st.rerun()


def _render_import(store: Store, actor: Actor) -> None:
    with st.expander("Import activities from a CSV file"):
        st.caption("Columns: title, kind, approaches (separated by semicolons), service_area "
                   "(the name of one of your service areas), start_date (required) and "
                   "end_date, people_reached (optional); UTF-8, header on line 1. Kinds and "
                   "approaches by their id or label. Importing the same rows again adds no "
                   "duplicates.")
        upload = st.file_uploader("CSV file", type=["csv"], key="act_upload")
        if upload is None:
            return
        plan = plan_activity_import(store, upload.getvalue(), upload.name, actor)
        st.text(f"{upload.name}: {len(plan.rows)} activities, {len(plan.valid)} valid, "
                f"{len(plan.invalid)} with problems.")
        problems = problems_table(plan)
        if not problems.empty:
            st.dataframe(problems, hide_index=True, width="stretch")
        if plan.problems:
            st.error("The file cannot be imported; correct it and upload it again.")
            return
        only_valid = bool(plan.invalid) and st.checkbox(
            f"Import only the {len(plan.valid)} valid rows", key="act_only_valid")
        if st.button("Import", key="act_import", disabled=bool(plan.invalid) and not only_valid):
            try:
                result = run_activity_import(store, actor, plan, only_valid=only_valid)
            except (ImportRefused, PermissionDenied) as exc:
                st.session_state["act_flash"] = (False, str(exc))
            else:
                st.session_state["act_flash"] = (
                    True, f"Imported {result.imported} activities; {result.duplicates} were "
                          f"already imported and {result.invalid} rows were left out.")
            st.rerun()
