"""The real app in headless Chromium: map, area, indicator, profile, PDF download, dark theme.

Starts ``streamlit run app.py`` on a cache that ``python -m data_sources refresh`` fetched
from the loopback publisher mirror, and drives it as a person would. Screenshots are
saved under ``test-artifacts/browser/``. Skips, saying why, without Chromium.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bench.national import app_environment
from bench.server import app_server
from data_sources.cache import Cache
from settings import PROJECT_ROOT
from tests.browser import (
    ARTIFACTS,
    browser_missing,
    chrome,
    clean_artifacts,
    click_area,
    click_button,
    click_table_row,
    drawn_areas,
    pick_option,
    shot,
    wait_download,
    wait_idle,
    wait_map,
    wait_text,
    widget,
)
from tests.conftest import HOSTS

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@contextmanager
def serve(cache_dir: Path, tmp_path: Path, **extra: str) -> Iterator[str]:
    """The app on ``cache_dir`` (offline, an empty report store in ``tmp_path``); its URL."""
    env = app_environment(cache_dir, GRA_DATABASE_URL=f"sqlite:///{tmp_path / 'reports.db'}",
                          **extra)
    with app_server(cache_dir, ARTIFACTS / f"streamlit-{tmp_path.name}.log", env=env) as server:
        yield server.url


@pytest.fixture(scope="module")
def cache_dir(mirror, tmp_path_factory):
    """A cache fetched for real from the loopback mirror by the refresh command."""
    mirror.reset()
    clean_artifacts()
    root = tmp_path_factory.mktemp("browser-cache")
    env = app_environment(root, GRA_DATABASE_URL=f"sqlite:///{root / 'reports.db'}")
    env.pop("GRA_OFFLINE")
    env.update({variable: mirror.url(host) for variable, host in HOSTS.items()})
    env.update(GRA_STRICT_ROW_COUNTS="0", GRA_HTTP_RETRIES="1", GRA_HTTP_BACKOFF="0.01")
    subprocess.run([sys.executable, "-m", "data_sources", "refresh"], cwd=PROJECT_ROOT,
                   env=env, capture_output=True, timeout=300)
    assert (root / "manifest.json").is_file()
    return root


def joined_codes(cache_dir: Path, level: str, district: str | None = None) -> set[str]:
    rows = Cache(cache_dir).load_table("joined_area_indicator")
    rows = rows[rows["level"] == level]
    if district:
        rows = rows[rows["lad_code"] == district]
    return set(rows["area_code"])


@pytest.mark.timeout(300)
def test_map_area_indicator_profile_and_pdf_download(cache_dir, tmp_path):
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(url)
        version = wait_map(driver)
        wait_idle(driver)
        wait_text(driver, "Districts of England")
        assert drawn_areas(driver) == len(joined_codes(cache_dir, "lad"))
        shot(driver, "01-map-districts-of-england")

        click_area(driver, "E09000001")
        wait_idle(driver)
        wait_text(driver, "Small areas (LSOAs) of City of London")
        version = wait_map(driver, changed_from=version)
        assert "area=E09000001" in driver.current_url and "level=lsoa" in driver.current_url
        lsoas = joined_codes(cache_dir, "lsoa", "E09000001")
        assert drawn_areas(driver) == len(lsoas)
        shot(driver, "02-district-clicked-drills-down")

        lsoa = sorted(lsoas)[0]
        click_area(driver, lsoa)
        wait_idle(driver)
        wait_text(driver, f"(small area (LSOA), {lsoa})")  # the sidebar names it
        assert f"area={lsoa}" in driver.current_url
        wait_text(driver, "Small areas (LSOAs) of City of London")
        shot(driver, "03-small-area-clicked-and-outlined")

        pick_option(driver, "Indicator", "Income deprivation (IoD 2025): score")
        wait_text(driver, "Showing Income deprivation (IoD 2025): score")
        version = wait_map(driver, changed_from=version)
        assert "indicator=income_score" in driver.current_url
        assert drawn_areas(driver) == len(lsoas)
        shot(driver, "04-indicator-switched")

        other = sorted(lsoas)[-1]
        click_table_row(driver, other)
        wait_idle(driver)
        wait_text(driver, f"(small area (LSOA), {other})")
        assert f"area={other}" in driver.current_url
        assert "indicator=income_score" in driver.current_url
        shot(driver, "05-table-row-selects-the-area")

        # Everything the map needed came from the app itself: it works offline.
        origins = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => new URL(r.name).origin)"
            ".filter(o => o.startsWith('http'));")
        assert set(origins) <= {url}, set(origins) - {url}

        driver.find_element(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a[href$="profile"]'
                            ).click()
        wait_idle(driver)
        wait_text(driver, "Download PDF")
        heading = driver.find_element(By.CSS_SELECTOR, "[data-testid=stMain] h2")
        assert "City of London" in heading.text
        shot(driver, "06-area-profile")

        click_button(driver, "Download PDF")
        pdf = wait_download(tmp_path / "downloads", ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        shot(driver, "07-profile-pdf-downloaded")


@pytest.mark.timeout(300)
def test_keyboard_only_search_and_pick(cache_dir, tmp_path):
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(url)
        wait_map(driver)
        wait_idle(driver)
        body = driver.find_element(By.TAG_NAME, "body")
        for _ in range(80):
            focused = driver.switch_to.active_element
            if focused.get_attribute("aria-label") == "Find an area":
                break
            body.send_keys(Keys.TAB) if focused.tag_name == "body" else focused.send_keys(
                Keys.TAB)
        else:
            raise AssertionError("Tab never reached the area search")
        focused.send_keys("City of London", Keys.ENTER)
        wait_idle(driver)
        driver.switch_to.active_element.send_keys(Keys.TAB)
        picker = driver.switch_to.active_element
        assert picker.get_attribute("role") == "combobox"
        picker.send_keys(Keys.ARROW_DOWN)
        picker.send_keys(Keys.ENTER)
        wait_idle(driver)
        wait_text(driver, "Small areas (LSOAs) of City of London")
        shot(driver, "10-keyboard-only-search")


@pytest.mark.timeout(300)
def test_dark_theme_map_and_profile(cache_dir, tmp_path, monkeypatch):
    with serve(cache_dir, tmp_path, STREAMLIT_THEME_BASE="dark") as url, \
            chrome(tmp_path / "downloads") as driver:
        driver.get(f"{url}/?area=E09000001&level=lsoa&indicator=imd_score")
        wait_map(driver)
        wait_idle(driver)
        background = driver.execute_script(
            "return getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
            ".backgroundColor")
        red, green, blue = (int(v) for v in background[4:-1].split(","))
        assert max(red, green, blue) < 60, background  # a dark page
        shot(driver, "08-dark-map")
        driver.get(f"{url}/profile?area=E09000001")
        wait_idle(driver)
        wait_text(driver, "Download PDF")
        shot(driver, "09-dark-profile")


def toolbar_labels(driver, table) -> list[str]:
    """The labels of the toolbar a table shows when the pointer rests on it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", table)
    ActionChains(driver).move_to_element(table).perform()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, '[data-testid="stElementToolbarButton"] button'))
    return [button.get_attribute("aria-label") for button in driver.find_elements(
        By.CSS_SELECTOR, '[data-testid="stElementToolbarButton"] button')]


@pytest.mark.timeout(300)
def test_tables_download_only_through_the_formula_safe_button(cache_dir, tmp_path):
    downloads = tmp_path / "downloads"
    with serve(cache_dir, tmp_path) as url, chrome(downloads) as driver:
        driver.get(url)
        wait_map(driver)
        wait_idle(driver)
        labels = toolbar_labels(driver, driver.find_element(
            By.CSS_SELECTOR, '[data-testid="stDataFrame"]'))
        shot(driver, "11-table-toolbar-without-download")
        assert any(label.startswith("Search") for label in labels), labels
        assert not any("Download" in label for label in labels), labels
        click_button(driver, "Download this table (CSV)")
        table = wait_download(downloads, ".csv")
        header = table.read_bytes().split(b"\n")[0]
        assert header.startswith(b"\xef\xbb\xbfArea,") and b",Code," in header, header


@pytest.mark.timeout(420)
def test_first_fetch_asks_for_police_areas_and_sums_up(mirror, tmp_path):
    """An empty cache: the first fetch, for the area of the link, then a short summary."""
    mirror.reset()
    empty = tmp_path / "empty-cache"
    online = {variable: mirror.url(host) for variable, host in HOSTS.items()}
    online.update(GRA_OFFLINE="0", GRA_STRICT_ROW_COUNTS="0", GRA_HTTP_RETRIES="1",
                  GRA_HTTP_BACKOFF="0.01")
    with serve(empty, tmp_path, **online) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(f"{url}/?area=E09000001")
        wait_idle(driver)
        wait_text(driver, "Police-recorded offences")
        typed = widget(driver, "stTextInput", "District, or any area code or postcode inside it")
        assert typed.find_element(By.TAG_NAME, "input").get_attribute("value") == "E09000001"
        shot(driver, "20-first-fetch-asks-for-police-areas")
        click_button(driver, "Fetch the public data now")
        wait_text(driver, "datasets were fetched and stored", timeout=300)
        wait_idle(driver)
        said = driver.find_element(By.CSS_SELECTOR, '[data-testid="stAlert"]').text
        assert "required:" in said and "http" not in said and "Most of" not in said
        shot(driver, "21-first-fetch-summary")
        police = Cache(empty).load_table("police_lsoa_month")
        assert set(police["lad_code"]) == {"E09000001"}

        driver.find_element(By.CSS_SELECTOR, '[data-testid="stPageLink"] a').click()
        wait_idle(driver)
        wait_text(driver, "python -m data_sources refresh --dataset")
        shot(driver, "22-data-and-sources-failures-with-commands")


@pytest.mark.timeout(420)
def test_region_and_back_place_names_and_drill_down(cache_dir, tmp_path):
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(url)
        version = wait_map(driver)
        wait_idle(driver)
        pick_option(driver, "Region", "London")
        wait_text(driver, "Districts of London")
        version = wait_map(driver, changed_from=version)
        assert "region=E12000007" in driver.current_url
        shot(driver, "23-region-chosen")
        click_button(driver, "Show all of England")
        wait_idle(driver)
        wait_text(driver, "Districts of England")
        version = wait_map(driver, changed_from=version)
        assert "region=" not in driver.current_url
        shot(driver, "24-back-to-all-of-england")

        # The names people use: a ward, and the Commons Library's name of an MSOA.
        search = widget(driver, "stTextInput", "Find an area").find_element(By.TAG_NAME,
                                                                              "input")
        search.send_keys("Marks Gate", Keys.ENTER)
        wait_idle(driver)
        wait_text(driver, "Matching areas")
        matches = widget(driver, "stSelectbox", "Matching areas").find_element(
            By.CSS_SELECTOR, "input")
        matches.click()
        wait_text(driver, "Barking and Dagenham 001 — Marks Gate")
        shot(driver, "25-place-name-search")
        matches.send_keys("Barking and Dagenham 001 — Marks Gate", Keys.ENTER)
        wait_idle(driver)
        wait_text(driver, "Neighbourhoods (MSOAs) of Barking and Dagenham")
        assert "area=E02000002" in driver.current_url
        version = wait_map(driver, changed_from=version)
        search = widget(driver, "stTextInput", "Find an area").find_element(By.TAG_NAME,
                                                                              "input")
        search.send_keys("Aldersgate", Keys.ENTER)
        wait_idle(driver)
        widget(driver, "stSelectbox", "Matching areas").find_element(By.CSS_SELECTOR,
                                                                     "input").click()
        wait_text(driver, "Aldersgate ward")
        shot(driver, "26-ward-name-search")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

        # Drilling down from a district measure keeps what it measures, and says why.
        driver.get(f"{url}/?level=lad&indicator=d_asian")
        version = wait_map(driver)
        wait_idle(driver)
        click_area(driver, "E09000001")
        wait_idle(driver)
        wait_text(driver, "Small areas (LSOAs) of City of London")
        wait_map(driver, changed_from=version)
        assert "indicator=lq_asian" in driver.current_url
        wait_text(driver, "Dissimilarity, Asian has no values for small areas (LSOAs)")
        shot(driver, "27-drill-down-keeps-the-measure")

        driver.get(f"{url}/?area=E01999999&indicator=nothing")
        wait_idle(driver)
        wait_text(driver, "could not find")
        wait_text(driver, "E01999999")
        shot(driver, "28-bad-link-says-what-it-could-not-find")
