"""The Moderation page driven with AppTest: refusals, approve / reject, bulk import."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from reports.moderation import get_report, moderation_queue
from reports.submissions import submit_report
from settings import PROJECT_ROOT
from tests import test_submit_page
from tests.fixtures.reports.helpers import report, tiny_directory
from tests.test_submit_page import signed_in, texts

people = test_submit_page.people  # the same fixture: a tmp store and tiny cache

PAGE = str(PROJECT_ROOT / "views" / "moderation.py")
MIXED = (Path(__file__).parent / "fixtures" / "reports" / "mixed_rows.csv").read_bytes()


def test_not_signed_in_and_members_are_refused(people):
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert "Sign in" in at.warning[0].value and not at.dataframe
    at = signed_in(PAGE, "ana@thamesbury.example")
    assert "for moderators" in at.error[0].value
    assert not at.dataframe and not at.button


def test_moderator_approves_and_rejects(people):
    store, actors = people
    directory = tiny_directory()
    first = submit_report(store, actors["thames"], report(description="first <i>one</i>"),
                          directory=directory)
    second = submit_report(store, actors["river"], report(description="second"),
                           directory=directory)
    at = signed_in(PAGE, "mod@alliance.example")
    assert not at.exception
    assert at.dataframe[0].value["Report"].tolist() == [first, second]
    assert "first <i>one</i>" in " ".join(t.value for t in at.text)
    at.button(key="mod_approve").click().run()
    assert f"Report {first} is approved" in at.success[0].value
    assert at.dataframe[0].value["Report"].tolist() == [second]
    at.button(key="mod_reject").click().run()
    assert "write a note" in at.error[0].value
    at.text_input(key=f"mod_reject_note_{second}").input("Duplicate of another report")
    at.button(key="mod_reject").click().run()
    assert f"Report {second} is rejected" in at.success[0].value
    assert moderation_queue(store, actors["moderator"]) == []
    assert get_report(store, actors["moderator"], second).status == "rejected"
    at.number_input(key="mod_other").set_value(second).run()
    trail = at.dataframe[-1].value
    assert trail["Action"].tolist() == ["submit", "reject"]
    assert trail["Note"].tolist()[-1] == "Duplicate of another report"
    # Issue 14: the changes read as words, not as JSON ("status: null → \"pending\"").
    assert trail["Changes"].iloc[0] == "Status: none → waiting for a moderator"
    assert trail["Changes"].iloc[1].startswith("Status: waiting for a moderator → rejected")
    assert "null" not in " ".join(trail["Changes"])


def test_import_with_bad_rows(people, monkeypatch):
    store, actors = people
    at = signed_in(PAGE, "mod@alliance.example")
    # AppTest cannot upload files: stand in a file for the uploader.
    import streamlit as st

    class Upload:
        name = "mixed_rows.csv"

        def getvalue(self):
            return MIXED

    import ui.reports_view
    from tests.fixtures.reports.helpers import fake_postcodes

    monkeypatch.setattr(ui.reports_view, "bulk_postcode_resolver",
                        lambda: lambda postcodes: fake_postcodes)
    real = st.file_uploader
    monkeypatch.setattr(st, "file_uploader",
                        lambda *a, **k: Upload() if k.get("key") == "mod_upload" else real(*a, **k))
    at.run()
    problems = at.dataframe[-1].value
    assert problems["Line"].tolist() == ["3", "4", "4", "9", "11"]
    assert "9 reports, 5 valid, 4 with problems" in " ".join(t.value for t in at.text)
    assert at.button(key="mod_import").disabled
    at.checkbox(key="mod_only_valid").check().run()
    at.button(key="mod_import").click().run()
    assert "Imported 5 reports" in texts(at)
    assert len(moderation_queue(store, actors["moderator"])) == 5
