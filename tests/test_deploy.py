"""The multi-replica deployment end to end: two replicas + nginx + PostgreSQL + Chromium.

A throwaway PostgreSQL database and a tiny cache are made for the module; ``deploy``
starts two ``streamlit run`` replicas and nginx on free loopback ports. Headless
Chromium then plays the alliance's day: a member submits through replica A (nginx's
sticky route), a moderator approves on replica B, the public aggregate shows on both,
guessed sign-ins are refused alike on both, and replica A is killed (SIGKILL) under the
member, whose next click is served by B with the member still signed in and nothing
lost. Screenshots go to ``test-artifacts/deploy/`` (git-ignored).

Skips, saying why, when nginx, Chromium / chromedriver or PostgreSQL is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from data_sources.cache import Cache, Provenance
from deploy.cluster import NGINX, Plan, Started, load_started, start, stop
from reports.auth import ACCOUNT_FREE_FAILURES, SIGN_IN_REFUSED
from reports.models import Report
from reports.moderation import approve
from reports.store import Store, open_store
from reports.submissions import submit_report
from settings import PROJECT_ROOT
from tests.fixtures.reports.helpers import (
    PASSWORD,
    bootstrap,
    lookup_frames,
    postgres_available,
    report,
    tiny_directory,
)
from tests.mirror import free_port
from tests.test_map import _layer, store_boundaries
from tests.test_reports_import import write_tiny_cache

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
SHOTS = PROJECT_ROOT / "test-artifacts" / "deploy"
WAIT = 60  # seconds for a page to show what a step expects (a cold replica is slow)


def _missing() -> str | None:
    if not NGINX.is_file():
        return f"nginx is not installed at {NGINX} (Debian package nginx)"
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        return f"Chromium and chromedriver are needed at {CHROMIUM} and {CHROMEDRIVER}"
    if not postgres_available():
        return "PostgreSQL is not reachable on 127.0.0.1:5432 (user postgres, database test)"
    return None


pytestmark = [pytest.mark.skipif(_missing() is not None, reason=str(_missing())),
              pytest.mark.timeout(600)]


# ---------------------------------------------------------------- the deployment


def build_app_cache(root: Path) -> None:
    """The tiny England of the report tests: lookups, residents, a joined table."""
    write_tiny_cache(root)
    lsoa, region, (totals,) = lookup_frames()
    rows = [(r.lsoa21_code, r.lsoa21_name, "lsoa", r.lad22_code) for r in lsoa.itertuples()]
    rows += [(r.msoa21_code, r.msoa21_name, "msoa", r.lad22_code)
             for r in lsoa.drop_duplicates("msoa21_code").itertuples()]
    rows += [(r.lad22_code, r.lad22_name, "lad", r.lad22_code) for r in region.itertuples()]
    joined = pd.DataFrame(rows, columns=["area_code", "area_name", "level", "lad_code"])
    joined["region_code"] = joined["lad_code"].map(dict(zip(region["lad22_code"],
                                                            region["region_code"],
                                                            strict=True)))
    joined["population_2021"] = joined["area_code"].map(
        dict(zip(totals["area_code"], totals["total"], strict=True))).astype("Int64")
    joined["imd_score"] = pd.array([10.0 + i for i in range(len(joined))], dtype="Float64")
    Cache(root).store_table(joined, Provenance(
        "joined_area_indicator", "derived", "Joined (test)", "", "test", "LSOA 2021",
        "Open Government Licence v3.0", "test fixture"))
    lsoa_names = dict(zip(lsoa["lsoa21_code"], lsoa["lsoa21_name"], strict=True))
    lad_names = dict(zip(region["lad22_code"], region["lad22_name"], strict=True))
    store_boundaries(Cache(root), {"boundaries_lsoa21": _layer(list(lsoa_names), lsoa_names),
                                   "boundaries_lad21": _layer(list(lad_names), lad_names)})


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards."""
    import psycopg

    name = f"gra_deploy_{uuid.uuid4().hex[:10]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Deployment:
    """The running deployment and what the tests need to reach it."""

    plan: Plan
    store: Store
    seeded: int

    def url(self, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.plan.port}"

    def replica(self, port: int) -> Started:
        return next(p for p in load_started(self.plan.run_dir) if p.port == port)

    def access_log(self) -> list[str]:
        return (self.plan.run_dir / "logs" / "nginx-access.log").read_text().splitlines()

    def served(self, route: str, since: int = 0) -> list[tuple[str, int]]:
        """(path, replica port) of each request of a browser's route, from log line ``since``.

        After a failed try nginx lists every upstream it tried; the last one answered.
        A websocket is logged when it closes, so the lines come in order of ending.
        """
        pattern = re.compile(rf'"GET (\S+) [^"]*" .*:(\d+) route={route}$')
        return [(found[1], int(found[2])) for line in self.access_log()[since:]
                if (found := pattern.search(line))]

    def report_count(self) -> int:
        with self.store.read() as session:
            return session.scalar(select(func.count()).select_from(Report))


SEEDED_APPROVED = 4  # one more approved report makes England's count 5, no longer "<5"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("deploy")
    build_app_cache(root / "cache")
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with throwaway_database() as url, pytest.MonkeyPatch.context() as env:
        env.setenv("GRA_OFFLINE", "1")  # the replicas inherit it: no postcode look-ups
        store = open_store(url=url)
        actors = bootstrap(store)
        directory = tiny_directory()
        for number in range(SEEDED_APPROVED):
            seeded = submit_report(store, actors["river"], report(
                incident_date=date.today().isoformat(), description=f"seeded {number}"),
                directory=directory)
            approve(store, actors["moderator"], seeded)
        plan = Plan(run_dir=root / "run", port=free_port(),
                    app_ports=(free_port(), free_port()), database_url=url,
                    cache_dir=root / "cache")
        start(plan)
        try:
            yield Deployment(plan, store, SEEDED_APPROVED)
        finally:
            stop(plan.run_dir)
            store.dispose()


# ---------------------------------------------------------------- the browser


class Browser:
    """One headless Chromium with its own cookies, and the few moves the tests make."""

    def __init__(self, name: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--window-size=1400,2400"):  # tall: no scrolling
            options.add_argument(flag)
        self.name = name
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.shots = 0

    def quit(self) -> None:
        self.driver.quit()

    def open(self, url: str) -> None:
        self.driver.get(url)

    def shot(self, what: str, element: str | None = None) -> Path:
        """A screenshot of the window, or of the first ``element`` (CSS) only."""
        self.shots += 1
        path = SHOTS / f"{self.name}-{self.shots:02d}-{what}.png"
        if element:
            self.css(element).screenshot(str(path))
        else:
            self.driver.save_screenshot(str(path))
        return path

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def text(self, where: str = "body") -> str:
        return self.css(where).text

    def wait_for(self, text: str, where: str = "body", seconds: float = WAIT) -> None:
        """Wait until ``text`` shows in ``where``; a screenshot and the page text if not."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if text in self.text(where):
                    return
            except Exception:  # noqa: BLE001 - the page is being redrawn
                pass
            time.sleep(0.3)
        path = self.shot("timeout")
        raise AssertionError(f"{self.name}: {text!r} did not show in {seconds} s "
                             f"(screenshot {path}); the page says:\n{self.text()[:2000]}")

    def wait_until(self, check, what: str, seconds: float = WAIT) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {what} after {seconds} s "
                                     f"(screenshot {self.shot('timeout')})")
            time.sleep(0.2)

    def retry(self, action, what: str, seconds: float = 20) -> None:
        """Do ``action`` once the element takes it: a rerun may be redrawing it."""
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + seconds
        while True:
            try:
                action()
                return
            except WebDriverException:
                if time.monotonic() > deadline:
                    self.shot("timeout")
                    raise
                time.sleep(0.3)

    def type_into(self, key: str, text: str, element: str = "input") -> None:
        from selenium.webdriver.common.keys import Keys

        def typing() -> None:
            field = self.css(f".st-key-{key} {element}")
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
            field.clear()
            # Streamlit takes the value when the field loses focus.
            field.send_keys(text, Keys.TAB)

        self.retry(typing, key)

    def choose(self, key: str, label: str) -> None:
        from selenium.webdriver.common.keys import Keys

        def choosing() -> None:
            field = self.css(f".st-key-{key} input")
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
            field.click()
            field.send_keys(label, Keys.ENTER)

        self.retry(choosing, key)

    def click(self, key: str) -> None:
        self.retry(lambda: self.css(f".st-key-{key} button").click(), key)

    def click_until(self, key: str, text: str, seconds: float = WAIT) -> None:
        """Click the button ``key`` every few seconds until ``text`` shows."""
        deadline = time.monotonic() + seconds
        while True:
            self.click(key)
            try:
                self.wait_for(text, seconds=5)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def sign_in(self, email: str, password: str = PASSWORD, *, expect: str = "Signed in as"
                ) -> None:
        """Sign in with the sidebar's form; wait for ``expect`` in the sidebar."""
        self.wait_for("Sign in (member organisations)", "[data-testid='stSidebar']")
        self.wait_until(self._open_sign_in_form, "the sign-in form")
        self.type_into("signin_sidebar_email", email)
        self.type_into("signin_sidebar_password", password)
        self.css("[data-testid='stSidebar'] [data-testid='stFormSubmitButton'] button").click()
        self.wait_for(expect, "[data-testid='stSidebar']")

    def _open_sign_in_form(self) -> bool:
        """Whether the sidebar's sign-in form shows; if not, open its expander (again)."""
        fields = self.driver.find_elements("css selector", ".st-key-signin_sidebar_email input")
        if any(field.is_displayed() for field in fields):
            return True
        expander = self.driver.find_elements(
            "xpath", "//details[summary[contains(., 'Sign in (member organisations)')]]")
        if expander and expander[0].get_attribute("open") is None:
            expander[0].find_element("tag name", "summary").click()
        time.sleep(0.5)
        return False

    def table_cells(self, within: str = "//body", seconds: float = 20) -> list[str]:
        """The text of the visible cells of the tables (``st.dataframe``) ``within`` an XPath.

        The grid draws on a canvas; its accessible copy holds the cells as ``td``.
        """
        deadline = time.monotonic() + seconds
        while True:
            cells = [cell.get_attribute("textContent") for cell in self.driver.find_elements(
                "xpath", f"{within}//*[@data-testid='stDataFrame']//td")]
            if cells or time.monotonic() > deadline:
                return cells
            time.sleep(0.3)

    def open_expander(self, label: str) -> None:
        def opening() -> None:
            summary = self.driver.find_element("xpath", f"//summary[contains(., '{label}')]")
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})",
                                       summary)
            summary.click()

        self.retry(opening, label)

    def cookie(self, name: str) -> str | None:
        found = self.driver.get_cookie(name)
        return found["value"] if found else None


@contextmanager
def chromium(name: str) -> Iterator[Browser]:
    browser = Browser(name)
    try:
        yield browser
    finally:
        browser.quit()


# ---------------------------------------------------------------- the tests


def test_status_command_reports_every_process_healthy(deployment):
    done = subprocess.run([sys.executable, "-m", "deploy", "--run-dir",
                           str(deployment.plan.run_dir), "status"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["replica-1", "replica-2", "nginx"]
    assert all(line.endswith("healthy") for line in lines), done.stdout


def test_the_map_draws_from_tiles_that_nginx_serves_itself(deployment):
    since = len(deployment.access_log())
    with chromium("map") as visitor:
        visitor.open(deployment.url() + "/?level=lsoa&indicator=imd_score")
        visitor.wait_until(lambda: visitor.driver.execute_script(
            "const b = document.querySelector('.atlas-map');"
            "return !!b && b.dataset.state === 'idle' && !!b.dataset.values;"), "the map")
        errors = visitor.driver.execute_script(
            "return document.querySelector('.atlas-map').dataset.tileErrors;")
        assert errors == "0"
        visitor.shot("map-through-nginx")
    tiles = [line for line in deployment.access_log()[since:] if '"GET /tiles/' in line]
    assert tiles, "the browser read no tiles through nginx"
    assert all(" 206 " in line or " 200 " in line for line in tiles), tiles
    assert all("upstream=-" in line for line in tiles), tiles  # never sent to a replica


def test_metrics_are_not_public_and_no_other_site_may_frame_the_app(deployment):
    import requests

    public = deployment.url()
    page = requests.get(public + "/", timeout=WAIT)
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    for path in ("/_stcore/metrics", "//_stcore/metrics", "/_stcore/%6Detrics",
                 "/_stcore/metrics?families=session_events"):
        hidden = requests.get(public + path, timeout=WAIT)
        assert hidden.status_code == 404, path
        assert "session" not in hidden.text and hidden.headers["X-Frame-Options"] == "SAMEORIGIN"
    # The operator still reads them from a replica on its loopback port.
    direct = requests.get(deployment.url(deployment.plan.app_ports[0]) + "/_stcore/metrics",
                          timeout=WAIT)
    assert direct.status_code == 200 and "session" in direct.text


def test_sign_in_refusals_say_one_thing_and_hold_on_every_replica(deployment):
    refused = SIGN_IN_REFUSED.split(".")[0]
    first, second = deployment.plan.app_ports
    with chromium("signin-a") as on_a, chromium("signin-b") as on_b:
        on_a.open(deployment.url(first) + "/")
        for attempt in range(ACCOUNT_FREE_FAILURES):
            on_a.sign_in("raj@riverbank.example", f"wrong password {attempt}", expect=refused)
            on_a.open(deployment.url(first) + "/")
        on_a.shot("guessed-on-replica-a")
        # The account is slowed for browsers it has not signed in from: replica B refuses
        # the right password in the same words as an account that does not exist.
        on_b.open(deployment.url(second) + "/")
        on_b.sign_in("raj@riverbank.example", PASSWORD, expect=refused)
        on_b.shot("right-password-held-back-on-replica-b")
        assert "Signed in as" not in on_b.text("[data-testid='stSidebar']")
        on_b.open(deployment.url(second) + "/")
        on_b.sign_in("nobody@riverbank.example", PASSWORD, expect=refused)
        assert on_b.text("[data-testid='stSidebar']").count(refused) == 1


def test_submit_on_a_approve_on_b_then_a_dies_and_b_carries_on(deployment):
    with chromium("member") as member, chromium("moderator") as moderator:
        # The member signs in through nginx, which pins the browser to one replica: A.
        member.open(deployment.url() + "/")
        member.sign_in("ana@thamesbury.example")
        route = member.cookie("gra_route")
        assert route and member.cookie("gra_session")
        member.open(deployment.url() + "/submit")  # a new Streamlit session: the cookie
        member.wait_for("Signed in as ana@thamesbury.example (member).")
        member.type_into("submit_area", "E01000001")
        member.choose("submit_category", "Rumour or misinformation")
        member.choose("submit_tension_level", "Moderate")
        member.type_into("submit_description", "Rumour about the new hostel.", "textarea")
        member.click("submit_send")
        member.wait_for("your report is stored as report number")
        number = int(re.search(r"report number (\d+)", member.text())[1])
        member.shot("submitted-on-a")
        replica_a = deployment.served(route)[-1][1]
        replica_b = next(p for p in deployment.plan.app_ports if p != replica_a)

        # The moderator works on replica B directly.
        moderator.open(deployment.url(replica_b) + "/")
        moderator.sign_in("mod@alliance.example")
        moderator.open(deployment.url(replica_b) + "/moderation")
        moderator.wait_for("Waiting for a moderator: 1")
        moderator.wait_for("Rumour about the new hostel.")
        moderator.click("mod_approve")
        moderator.wait_for(f"Report {number} is approved")
        moderator.shot("approved-on-b")

        # The public aggregate (England, this month) counts five on both replicas.
        for browser, url, name in ((moderator, deployment.url(replica_b), "b"),
                                   (member, deployment.url(), "a")):
            browser.open(url + "/trends")
            browser.wait_for("Tension reports submitted by Good Relations Atlas")
            assert "withheld" not in browser.text("[data-testid='stMain']")
            browser.open_expander("Table of this chart")
            cells = browser.table_cells("//details[summary[contains(., 'Table of this')]]")
            assert "5" in cells, cells  # England, this month, rumours: 5 (4 were "<5")
            browser.shot(f"trends-on-{name}")
        assert {port for _, port in deployment.served(route)} == {replica_a}  # sticky

        # Replica A dies under the member, who clicks on; B answers, still signed in.
        member.open(deployment.url() + "/submit")
        member.wait_for("Your organisation's reports")
        killed_at = len(deployment.access_log())
        os.kill(deployment.replica(replica_a).pid, signal.SIGKILL)
        member.type_into("submit_area", "E01000002")
        # A click made while the browser is still reconnecting is dropped, as a person
        # would see; they click again.
        member.click_until("submit_lookup", "Thamesbury 001B")
        member.wait_for("Signed in as ana@thamesbury.example (member).")
        member.shot("after-failover-on-b")
        member.wait_for("Withdraw a report")
        cells = member.table_cells()  # the organisation's reports, read from B
        assert str(number) in cells and "Approved" in cells, cells
        member.shot("own-reports-on-b")
        assert "Sign in with your organisation's account" not in member.text()

    # The browser reconnected through nginx, which skipped the dead replica for B.
    assert ("/_stcore/health", replica_b) in deployment.served(route, since=killed_at)
    assert deployment.report_count() == deployment.seeded + 1
    with deployment.store.read() as session:
        assert session.get(Report, number).status == "approved"
