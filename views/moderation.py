"""Moderation: the queue of pending reports, approve / reject / edit with notes, the audit
trail, bulk import of a CSV file with row-level errors, and members' stories to publish or
return (moderators only)."""

from __future__ import annotations

import streamlit as st

from reports.auth import PermissionDenied
from reports.importer import ImportRefused, plan_import, run_import
from reports.moderation import (
    ModerationError,
    approve,
    audit_trail,
    edit,
    get_report,
    moderation_queue,
    reject,
)
from reports.submissions import InvalidReport
from reports.taxonomy import CATEGORIES, TENSION_LEVELS
from reports.validation import MAX_DESCRIPTION, MAX_SOURCE
from ui.reports_view import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    audit_table,
    bulk_postcode_resolver,
    get_store,
    postcode_resolver,
    problems_table,
    report_text,
    reports_table,
    require_directory,
)
from ui.session import describe, require_actor
from ui.story_moderation import render_story_moderation
from ui.table_download import render_table_download

st.title("Moderation")
actor = require_actor("moderator", "moderate reports")
directory = require_directory()
store = get_store()
st.text(f"Signed in as {describe(actor)}.")
st.caption("Free text is shown exactly as typed, as plain text.")

flash = st.session_state.pop("mod_result", None)
if flash:
    (st.success if flash[0] else st.error)(flash[1])


def _done(ok: bool, message: str) -> None:
    st.session_state["mod_result"] = (ok, message)
    st.rerun()


queue_tab, import_tab, stories_tab = st.tabs(["Queue", "Bulk import", "Stories"])

with queue_tab:
    queue = moderation_queue(store, actor)
    st.subheader(f"Waiting for a moderator: {len(queue)}")
    if queue:
        queue_table = reports_table(queue, directory, organisation=True)
        st.dataframe(queue_table, hide_index=True, width="stretch")
        render_table_download("Download the queue (CSV)", queue_table, "moderation_queue.csv",
                              key="mod_queue_csv")
    else:
        st.info("No reports are waiting. To review an earlier report, type its number below.")
    ids = [report.id for report in queue]
    choice = st.selectbox("Report to review (oldest first)", ids, key="mod_choice",
                          index=0 if ids else None, placeholder="No reports waiting")
    other = st.number_input("…or any report by number", min_value=0, step=1, value=0,
                            key="mod_other", help="0: use the report chosen above")
    report_id = int(other) if other else choice
    if report_id is not None:
        try:
            report = get_report(store, actor, int(report_id))
        except LookupError as exc:
            st.warning(str(exc))
            report = None
        if report is not None:
            with st.container(border=True):
                st.text(report_text(report, directory))
            approve_col, reject_col = st.columns(2)
            with approve_col:
                approve_note = st.text_input("Note (optional)", key=f"mod_approve_note_{report.id}")
                if st.button("Approve", key="mod_approve", type="primary",
                             icon=":material/check:"):
                    try:
                        approve(store, actor, report.id, approve_note or None)
                    except (ModerationError, LookupError, PermissionDenied) as exc:
                        _done(False, str(exc))
                    _done(True, f"Report {report.id} is approved; it now counts in the "
                                "aggregates.")
            with reject_col:
                reject_note = st.text_input("Why it is rejected (required)",
                                            key=f"mod_reject_note_{report.id}")
                if st.button("Reject", key="mod_reject", icon=":material/close:"):
                    try:
                        reject(store, actor, report.id, reject_note)
                    except (ModerationError, LookupError, PermissionDenied) as exc:
                        _done(False, str(exc))
                    _done(True, f"Report {report.id} is rejected; it does not count.")

            with st.expander("Edit this report"):
                with st.form(f"mod_edit_{report.id}"):
                    date = st.date_input("Date", value=report.incident_date,
                                         format="DD/MM/YYYY")
                    time = st.time_input("Time (optional)", value=report.incident_time)
                    area = st.text_input("Area code or postcode", value=report.area_code)
                    category_ids = [t.id for t in CATEGORIES]
                    category = st.selectbox("Category", category_ids,
                                            index=category_ids.index(report.category),
                                            format_func=CATEGORY_LABELS.get)
                    level_ids = [t.id for t in TENSION_LEVELS]
                    level = st.selectbox("Tension level", level_ids,
                                         index=level_ids.index(report.tension_level),
                                         format_func=LEVEL_LABELS.get)
                    description = st.text_area("Description", value=report.description,
                                               max_chars=MAX_DESCRIPTION)
                    source = st.text_input("Source", value=report.source or "",
                                           max_chars=MAX_SOURCE)
                    edit_note = st.text_input("What you changed and why (required)")
                    if st.form_submit_button("Save changes"):
                        new = {"incident_date": date, "incident_time": time, "area": area,
                               "category": category, "tension_level": level,
                               "description": description, "source": source or None}
                        try:
                            edit(store, actor, report.id, new, edit_note,
                                 directory=directory, resolve_postcode=postcode_resolver())
                        except InvalidReport as exc:
                            _done(False, "Not saved: " + "; ".join(
                                f"{e.field}: {e.message}" for e in exc.errors))
                        except (ModerationError, LookupError, PermissionDenied) as exc:
                            _done(False, f"Not saved: {exc}")
                        _done(True, f"Report {report.id} is changed; the note is kept in "
                                    "its audit trail.")

            st.markdown("**Audit trail**")
            st.dataframe(audit_table(audit_trail(store, actor, report.id)), hide_index=True,
                         width="stretch")

with import_tab:
    st.subheader("Import reports from a CSV file")
    st.caption("Columns: incident_date, area, category, tension_level, description "
               "(required) and incident_time, source (optional); UTF-8, header on line 1. "
               "The reports join the queue under your organisation. The whole file is "
               "checked first; importing the same rows again adds no duplicates.")
    upload = st.file_uploader("CSV file", type=["csv"], key="mod_upload")
    if upload is not None:
        plan = plan_import(upload.getvalue(), upload.name, actor, directory=directory,
                           resolve_postcodes=bulk_postcode_resolver())
        problems = problems_table(plan)
        st.text(f"{upload.name}: {len(plan.rows)} reports, {len(plan.valid)} valid, "
                f"{len(plan.invalid)} with problems.")
        if not problems.empty:
            st.warning("These lines have problems (line numbers as a spreadsheet shows "
                       "them, the header being line 1):")
            st.dataframe(problems, hide_index=True, width="stretch")
        if plan.problems:
            st.error("The file cannot be imported; correct it and upload it again.")
        else:
            only_valid = False
            if plan.invalid:
                only_valid = st.checkbox(f"Import only the {len(plan.valid)} valid rows",
                                         key="mod_only_valid")
            if st.button("Import", key="mod_import", type="primary",
                         disabled=bool(plan.invalid) and not only_valid):
                try:
                    result = run_import(store, actor, plan, only_valid=only_valid)
                except (ImportRefused, PermissionDenied) as exc:
                    _done(False, str(exc))
                _done(True, f"Imported {result.imported} reports (batch {result.batch_id}); "
                            f"{result.duplicates} were already imported and "
                            f"{result.invalid} rows with problems were left out.")

with stories_tab:
    render_story_moderation(store, actor)
