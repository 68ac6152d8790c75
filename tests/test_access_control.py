"""Access control end to end: what a public visitor, a member and a locked-out account can
reach, through the app (AppTest on app.py), the command line and every export.

One alliance is set up once for the module: the real `refresh` and `build` against the
loopback mirror, a SQLite report store with two member organisations, and reports that
are approved, pending and rejected, each carrying a unique marker in its free text. A
public visitor must never meet a marker, an email or an organisation, nor a count of 1 to
4; a member must never meet another organisation's markers.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from data_sources.cache import Cache
from data_sources.cli import main as data_sources_cli
from reports.areas import AreaDirectory
from reports.audit import Actor
from reports.auth import CLIENT_MAX_FAILURES, SIGN_IN_REFUSED
from reports.cli import main as reports_cli
from reports.moderation import approve, get_report, reject
from reports.store import open_store
from reports.submissions import submit_report
from settings import PROJECT_ROOT, get_settings
from tests.conftest import HOSTS
from tests.fixtures.reports.helpers import (
    DATABASES,
    PASSWORD,
    bootstrap,
    database_url,
    report,
)
from ui.downloads import build_export_zip
from ui.navigation import PAGES, build_navigation

pytestmark = pytest.mark.timeout(600)

APP = str(PROJECT_ROOT / "dashboard.py")
MEMBER_PAGES = [spec for spec in PAGES if spec.role]
ORGANISATIONS = ("Alliance Office", "Thamesbury Together", "Riverbank Voices")
EMAILS = ("admin@alliance.example", "mod@alliance.example", "ana@thamesbury.example",
          "raj@riverbank.example")
THAMES_LSOA, RIVER_LSOA, OTHER_LSOA = "E01000001", "E01000027", "E01000002"


@dataclass(frozen=True)
class Alliance:
    """The module's alliance: where its cache and store are, and what is in them."""

    cache_dir: Path
    url: str
    actors: dict[str, Actor]
    markers: dict[str, list[str]]
    """The free-text markers of each organisation's reports (``thames``, ``river``)."""
    report_ids: dict[str, list[int]]

    def env(self) -> dict[str, str]:
        """The settings that point the app and the command line at this alliance."""
        return {"GRA_CACHE_DIR": str(self.cache_dir), "GRA_DATABASE_URL": self.url,
                "GRA_OFFLINE": "1"}

    @property
    def forbidden(self) -> list[str]:
        """What no public view or export may contain."""
        return [*self.markers["thames"], *self.markers["river"], *EMAILS, *ORGANISATIONS]


def run(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def alliance(mirror, tmp_path_factory) -> Alliance:
    mirror.reset()
    root = tmp_path_factory.mktemp("alliance")
    cache_dir, url = root / "cache", f"sqlite:///{root / 'reports.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update({variable: mirror.url(host) for variable, host in HOSTS.items()})
    env.update(GRA_CACHE_DIR=str(cache_dir), GRA_STRICT_ROW_COUNTS="0", GRA_HTTP_RETRIES="0",
               GRA_DATABASE_URL=url)
    refreshed = run("data_sources", "refresh", "--no-build", env=env)
    assert "lookup_lsoa21_msoa21_lad22" in refreshed.stdout, refreshed.stdout

    store = open_store(url=url)
    actors = bootstrap(store)
    directory = AreaDirectory.from_cache(Cache(cache_dir))
    markers: dict[str, list[str]] = {"thames": [], "river": []}
    ids: dict[str, list[int]] = {"thames": [], "river": []}

    def submit(who: str, area: str, status: str, category: str = "rumour") -> int:
        marker = f"PRIVATE-{who.upper()}-{len(markers[who])}"
        markers[who].append(marker)
        report_id = submit_report(store, actors[who], report(
            area=area, category=category, description=f"{marker} <b>said</b> [here](x)",
            source=f"{marker}-SOURCE"), directory=directory)
        ids[who].append(report_id)
        if status == "approved":
            approve(store, actors["moderator"], report_id)
        elif status == "rejected":
            reject(store, actors["moderator"], report_id, f"{marker}-NOTE")
        return report_id

    for _ in range(3):  # three approved in one LSOA: "<5" wherever they are counted
        submit("thames", THAMES_LSOA, "approved")
    for n in range(7):
        submit("river", RIVER_LSOA, "approved", "protest" if n % 2 else "rumour")
    submit("thames", OTHER_LSOA, "pending")
    submit("thames", OTHER_LSOA, "rejected")
    submit("river", RIVER_LSOA, "pending")
    store.dispose()
    built = run("data_sources", "build", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    return Alliance(cache_dir, url, actors, markers, ids)


@pytest.fixture
def app_env(alliance, monkeypatch) -> Alliance:
    for key, value in alliance.env().items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return alliance


# ---------------------------------------------------------------- looking at what is shown


def elements(at: AppTest) -> Iterator[object]:
    """Every node of the rendered page, sidebar included."""
    stack = [at._tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(getattr(node, "children", {}).values())


def page_text(at: AppTest) -> str:
    """Everything the page sent to the browser (text, tables' Arrow bytes, chart specs)."""
    return "\n".join(str(node.proto) for node in elements(at) if getattr(node, "proto", None))


def leaked(text: str, forbidden: list[str]) -> list[str]:
    return [word for word in forbidden if word in text]


SMALL = re.compile(r"^\s*[1-4](\.0+)?\s*$")


def small_counts(frame: pd.DataFrame) -> list[str]:
    """Cells of report-count columns holding 1 to 4 (which must be shown suppressed)."""
    found = []
    for column in frame.columns:
        name = str(column).lower()
        if "report" in name or name in ("count", "shown"):
            found += [f"{column}={v}" for v in frame[column].dropna() if SMALL.match(str(v))]
    return found


def check_public(at: AppTest, alliance: Alliance) -> None:
    assert not at.exception, at.exception
    assert leaked(page_text(at), alliance.forbidden) == []
    for frame in at.dataframe:
        assert small_counts(frame.value) == [], frame.value
    registered = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert not registered & {spec.url_path for spec in MEMBER_PAGES}


def open_app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def sign_in(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    """Sign in through the sidebar form, as a visitor would."""
    at.sidebar.text_input(key="signin_sidebar_email").input(email)
    at.sidebar.text_input(key="signin_sidebar_password").input(password)
    next(b for b in at.sidebar.button if b.label == "Sign in").click().run()
    assert not at.exception, at.exception
    return at


def title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


# ---------------------------------------------------------------- public visitor


def test_navigation_of_a_visitor_lacks_every_member_page():
    private = {"submit", "moderation", "our-work", "what-changed"}
    assert {spec.url_path for spec in MEMBER_PAGES} == private
    for role, allowed in ((None, set()), ("member", {"submit", "our-work", "what-changed"}),
                          ("moderator", private)):
        _, specs = build_navigation(role=role)
        shown = {spec.url_path for spec in specs.values()}
        assert {"map", "stories", "who-works-where"} <= shown, role
        assert shown & private == allowed, role


@pytest.mark.parametrize("spec", MEMBER_PAGES, ids=lambda spec: spec.url_path)
def test_a_deep_link_to_a_member_page_falls_back_to_the_map(app_env, spec):
    at = open_app()
    map_title = title(at)
    # What a browser opening /<url_path> asks for: the page whose hash is that of its
    # url_path. AppTest.switch_page only accepts registered pages, so set it directly.
    at._page_hash = calc_hash(spec.url_path)
    at.run()
    assert title(at) == map_title and spec.title not in title(at)
    check_public(at, app_env)


PROBES = [{"page": "moderation"}, {"page": "submit"}, {"report": "1"}, {"report_id": "2"},
          {"id": "3"}, {"report": "1", "page": "moderation", "mod_other": "1"},
          {"area": "E01000001", "report": "1"}, {"embed": "true", "page": "moderation"}]


@pytest.mark.parametrize("params", PROBES, ids=lambda p: "&".join(f"{k}={v}" for k, v in
                                                                    p.items()))
def test_query_parameters_open_nothing_private(app_env, params):
    check_public(open_app(**params), app_env)


@pytest.mark.parametrize("spec", MEMBER_PAGES, ids=lambda spec: spec.url_path)
def test_a_member_page_run_on_its_own_asks_for_a_sign_in_and_shows_nothing(app_env, spec):
    at = AppTest.from_file(str(PROJECT_ROOT / spec.path), default_timeout=60)
    at.query_params["report"] = str(app_env.report_ids["river"][0])
    at.run()
    assert "Sign in" in at.warning[0].value
    assert not at.dataframe and not at.text_area
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert leaked(page_text(at), app_env.forbidden) == []


PUBLIC_VIEWS = [
    ("views/map.py", {}, None),
    ("views/map.py", {}, "reports"),
    ("views/map.py", {"level": "lsoa", "area": "E09000002"}, "reports"),
    ("views/profile.py", {"area": RIVER_LSOA, "level": "lsoa"}, None),
    ("views/profile.py", {"area": THAMES_LSOA, "level": "lsoa"}, None),
    ("views/trends.py", {"area": RIVER_LSOA, "level": "lsoa"}, None),
    ("views/trends.py", {"area": "E09000001", "level": "lad"}, None),
    ("views/compare.py", {}, None),
    ("views/downloads.py", {}, None),
    ("views/about.py", {}, None),
    ("views/sources.py", {}, None),
    ("views/stories.py", {}, None),
    ("views/directory.py", {}, None),
    ("views/service_area.py", {"service_area": "1"}, None),
]


@pytest.mark.parametrize(("page", "params", "mode"), PUBLIC_VIEWS,
                         ids=lambda v: v if isinstance(v, str) else None)
def test_public_pages_show_only_suppressed_counts(app_env, page, params, mode):
    at = open_app(**params)
    if page != "views/map.py":
        at.switch_page(page).run()
    if mode:
        at.radio(key="map_mode").set_value(mode).run()
    check_public(at, app_env)
    if mode == "reports":
        shown = {str(v) for frame in at.dataframe for column in frame.value.columns
                 if column == "Reports" for v in frame.value[column]}
        assert shown & {"<5", "[c]"}, shown  # the reports are there, suppressed
        for node in elements(at):
            if type(node).__name__ == "PlotlyChart":
                values = [z for trace in json.loads(node.proto.spec)["data"]
                          for z in trace.get("z", [])]
                assert not [z for z in values if z is not None and 1 <= z <= 4], values


# ---------------------------------------------------------------- exports


def check_export_frame(frame: pd.DataFrame, alliance: Alliance, where: str) -> None:
    text = frame.to_csv(index=False)
    assert leaked(text, alliance.forbidden) == [], where
    forbidden_columns = [c for c in frame.columns if re.search(
        r"description|free_text|email|organisation|submitt|moderat", str(c), re.I)]
    assert forbidden_columns == [], where
    counts = [c for c in frame.columns if re.fullmatch(r"reports_(?!per_10k|suppressed).*|count",
                                                        str(c))]
    for column in counts:
        values = pd.to_numeric(frame[column], errors="coerce").dropna()
        assert not values.between(1, 4).any(), (where, column, values.tolist())


def test_report_exports_from_the_command_line_are_suppressed(app_env, tmp_path):
    outputs = 0
    for level in ("lsoa", "msoa", "lad", "region", "country"):
        for by in ("category", "tension_level", "all"):
            for period in ("month", "year"):
                out = tmp_path / f"{level}-{by}-{period}.csv"
                assert reports_cli(["export", "--level", level, "--by", by, "--period",
                                    period, "-o", str(out)]) == 0
                frame = pd.read_csv(out, dtype=str, keep_default_na=False)
                assert list(frame.columns) == ["area_code", "area_name", "level", "period",
                                               "group", "count", "residents", "rate_per_10k"]
                check_export_frame(frame, app_env, out.name)
                small = frame[frame["count"].isin(["<5", "[c]"])]
                assert (small["rate_per_10k"] == "").all()
                outputs += len(small)
    assert outputs > 0  # the small counts were there, and shown suppressed


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_dataset_exports_and_the_downloads_zip_hold_only_suppressed_counts(app_env, tmp_path,
                                                                           fmt):
    alliance = app_env
    frames: dict[str, pd.DataFrame] = {}
    for level in ("lsoa", "msoa", "lad"):
        out = tmp_path / f"joined-{level}.{fmt}"
        assert data_sources_cli(["export", "--level", level, "--format", fmt, "--out",
                                 str(out)]) == 0
        for path in tmp_path.glob(f"joined-{level}*"):
            frames.update(read_export(path.name, path.read_bytes()))
        archive = zipfile.ZipFile(io.BytesIO(build_export_zip(str(alliance.cache_dir), level,
                                                              fmt, None)))
        for name in archive.namelist():
            frames.update(read_export(f"zip:{name}", archive.read(name)))
    months = {name: frame for name, frame in frames.items() if "reports_total" in frame}
    assert months, sorted(frames)
    assert any(frame["reports_suppressed"].astype(str).isin(["True", "true", "1"]).any()
               for frame in months.values())
    for name, frame in frames.items():
        check_export_frame(frame, alliance, name)


def read_export(name: str, content: bytes) -> dict[str, pd.DataFrame]:
    """The tables of one exported file (every sheet of a workbook), by name."""
    if name.endswith(".csv"):
        return {name: pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig")}
    if name.endswith(".xlsx"):
        sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=str)
        return {f"{name}[{sheet}]": frame for sheet, frame in sheets.items()}
    if name.endswith(".parquet"):
        return {name: pd.read_parquet(io.BytesIO(content))}
    return {name: pd.DataFrame({"text": [content.decode("utf-8", "replace")]})}


def test_the_area_profile_export_holds_no_free_text(app_env):
    from ui.profile_view import _build, load_profile

    profile = load_profile(RIVER_LSOA)
    html = _build("html", profile, 5).decode("utf-8")
    assert leaked(html, app_env.forbidden) == []


# ---------------------------------------------------------------- members


def test_a_member_sees_only_their_organisation_in_the_app(app_env):
    at = sign_in(open_app(), "ana@thamesbury.example")
    registered = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert "submit" in registered and "moderation" not in registered
    at.switch_page("views/submit.py").run()
    assert not at.exception, at.exception
    own = at.dataframe[-1].value
    assert sorted(own["Report"].tolist()) == sorted(app_env.report_ids["thames"])
    text = page_text(at)
    assert leaked(text, app_env.markers["river"] + ["Riverbank Voices"]) == []
    assert app_env.markers["thames"][0] in text
    # Free text is only ever plain text or table cells, never Markdown or HTML.
    for node in elements(at):
        if type(node).__name__ in ("Markdown", "Caption", "Html", "Alert", "Warning",
                                   "Success", "Info", "Error"):
            assert leaked(str(node.proto), app_env.markers["thames"]) == []
    # A deep link to the moderation page, and query parameters naming another
    # organisation's report, give nothing more.
    at._page_hash = calc_hash("moderation")
    at.query_params["report"] = str(app_env.report_ids["river"][0])
    at.run()
    assert title(at) != "Moderation"
    assert leaked(page_text(at), app_env.markers["river"]) == []


def test_a_member_sees_only_their_organisation_from_the_command_line(app_env, capsys):
    alliance = app_env
    assert reports_cli(["list", "--as", "ana@thamesbury.example"]) == 0
    own = capsys.readouterr().out
    listed = [int(line.split()[0]) for line in own.splitlines()[:-1]]
    assert sorted(listed) == sorted(alliance.report_ids["thames"])
    assert leaked(own, alliance.markers["river"] + ["Riverbank Voices"]) == []
    other = alliance.report_ids["river"][0]
    for args in (["queue"], ["approve", str(other)], ["withdraw", str(other)],
                 ["reject", str(other), "--note", "not mine"]):
        assert reports_cli([*args, "--as", "ana@thamesbury.example"]) == 1, args
        said = capsys.readouterr()
        assert leaked(said.out + said.err, alliance.markers["river"]) == []
    store = open_store(url=alliance.url)
    try:
        with pytest.raises(LookupError) as theirs:
            get_report(store, alliance.actors["thames"], other)
        with pytest.raises(LookupError) as absent:
            get_report(store, alliance.actors["thames"], 999_999)
    finally:
        store.dispose()
    # The same answer whether the report is another organisation's or does not exist.
    assert str(theirs.value).replace(str(other), "N") == str(absent.value).replace("999999",
                                                                                   "N")


# ---------------------------------------------------------------- sign-in throttling


def try_sign_in(url: str, client: str, email: str, *passwords: str) -> None:
    """Run in a fresh process (another replica): one sign-in per password, one line each."""
    from reports.auth import SignInError
    from reports.auth import sign_in as check
    from reports.store import Store, make_engine

    store = Store(make_engine(url))
    for password in passwords:
        try:
            check(store, email, password, client=client)
            print("signed in", flush=True)
        except SignInError as exc:
            print(exc, flush=True)
    store.dispose()


def replica(url: str, client: str, email: str, *passwords: str) -> list[str]:
    code = ("import sys; from tests.test_access_control import try_sign_in; "
            "try_sign_in(*sys.argv[1:])")
    done = subprocess.run([sys.executable, "-c", code, url, client, email, *passwords],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("kind", DATABASES)
def test_sign_in_throttling_holds_on_every_replica_and_locks_no_one_out(kind, tmp_path,
                                                                        monkeypatch):
    with database_url(kind, tmp_path) as url:
        store = open_store(url=url)
        bootstrap(store)
        store.dispose()
        monkeypatch.setenv("GRA_DATABASE_URL", url)
        monkeypatch.setenv("GRA_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("GRA_OFFLINE", "1")
        get_settings.cache_clear()
        email, stranger = "ana@thamesbury.example", "203.0.113.9"
        # Replica C (this process, the app): the owner signed in before the attack.
        at = sign_in(open_app(), email)
        assert "submit" in {i.get("url_pathname") for i in at._registered_pages.values()}

        # Replica A: a stranger guesses until throttled, hearing one answer throughout.
        guesses = replica(url, stranger, email, *["wrong password!"] * CLIENT_MAX_FAILURES)
        assert guesses == [SIGN_IN_REFUSED] * CLIENT_MAX_FAILURES
        # Replica B: that client is refused on any account, even with the right password,
        # and a new address is held back on the slowed account.
        assert replica(url, stranger, "raj@riverbank.example", PASSWORD) == [SIGN_IN_REFUSED]
        assert replica(url, "198.51.100.7", email, PASSWORD) == [SIGN_IN_REFUSED]

        at.run()  # the owner's open session on replica C goes on ...
        assert "submit" in {i.get("url_pathname") for i in at._registered_pages.values()}
        fresh = sign_in(open_app(), email)  # ... and their browser signs in again at once
        assert not fresh.error
        assert "submit" in {i.get("url_pathname") for i in fresh._registered_pages.values()}


# ---------------------------------------------------------------- no HTML from variables


def unsafe_html(source: str, filename: str = "<source>") -> list[str]:
    """Calls that render HTML from anything but constant strings.

    ``unsafe_allow_html`` must be a literal, and when it is True every positional argument
    (and ``body``) must be a string literal or a module-level name bound once to one.
    ``st.html`` and ``components.html`` are held to the same rule.
    """
    tree = ast.parse(source, filename=filename)
    constants = {target.id for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    rebound = [target.id for node in ast.walk(tree) if isinstance(node, ast.Assign | ast.AugAssign)
               for target in getattr(node, "targets", [getattr(node, "target", None)])
               if isinstance(target, ast.Name)]
    constants = {name for name in constants if rebound.count(name) == 1}

    def constant(node: ast.expr) -> bool:
        return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
            isinstance(node, ast.Name) and node.id in constants)

    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        flag = next((k.value for k in node.keywords if k.arg == "unsafe_allow_html"), None)
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", "")
        bodies = [*node.args, *(k.value for k in node.keywords if k.arg == "body")]
        where = f"{filename}:{node.lineno}"
        if flag is not None and not isinstance(flag, ast.Constant):
            problems.append(f"{where}: unsafe_allow_html is not a literal")
        elif flag is not None and flag.value is True and not all(map(constant, bodies)):
            problems.append(f"{where}: unsafe_allow_html=True with a non-constant argument")
        elif name == "html" and not all(map(constant, bodies)):
            problems.append(f"{where}: {name}() with a non-constant argument")
    return problems


def test_the_html_check_catches_what_it_should():
    bad = ('import streamlit as st\nst.markdown(f"<b>{x}</b>", unsafe_allow_html=True)\n'
           "st.write(text, unsafe_allow_html=flag)\nst.html(user)\n")
    assert len(unsafe_html(bad)) == 3
    good = ('import streamlit as st\nCSS = "<style>p {}</style>"\n'
            'st.markdown(CSS, unsafe_allow_html=True)\n'
            'st.markdown("<br>", unsafe_allow_html=True)\n'
            'st.markdown(x, unsafe_allow_html=False)\nst.markdown(x)\n')
    assert unsafe_html(good) == []


def test_no_page_renders_html_from_anything_but_constant_strings():
    files = [PROJECT_ROOT / "app.py", PROJECT_ROOT / "dashboard.py",
             *sorted((PROJECT_ROOT / "views").glob("*.py")),
             *sorted((PROJECT_ROOT / "ui").glob("*.py"))]
    assert len(files) > 10
    problems = [p for path in files
                for p in unsafe_html(path.read_text(encoding="utf-8"),
                                     str(path.relative_to(PROJECT_ROOT)))]
    assert problems == []
