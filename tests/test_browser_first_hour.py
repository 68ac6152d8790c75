"""Issue 14 in headless Chromium: the profile's PDF with the sections a funder asks for,
a 400-pixel phone window, a dark theme chosen by the reader, the basemap notice offline,
and no developer menu for the public. Screenshots under ``test-artifacts/browser/``."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser import (
    browser_missing,
    chrome,
    click_button,
    shot,
    wait_download,
    wait_idle,
    wait_map,
    wait_text,
)
from tests.test_browser import cache_dir, joined_codes, serve  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
PUBLIC = "https://atlas.example.org"


def menu_items(driver) -> dict[str, object]:
    """The items of Streamlit's ⋮ menu, opened, by their test id."""
    driver.find_element(By.CSS_SELECTOR, '[data-testid="stMainMenu"] button').click()
    wait_text(driver, "Print")
    return {item.get_attribute("data-testid"): item for item in driver.find_elements(
        By.CSS_SELECTOR, '[data-testid^="stMainMenuItem-"]')}


def background(driver) -> tuple[int, ...]:
    colour = driver.execute_script(
        "return getComputedStyle(document.querySelector('[data-testid=\"stApp\"]'))"
        ".backgroundColor")
    return tuple(int(v) for v in colour[colour.index("(") + 1:-1].split(",")[:3])


@pytest.mark.timeout(300)
def test_lsoa_profile_to_pdf_with_every_section(cache_dir, tmp_path):  # noqa: F811
    lsoa = sorted(joined_codes(cache_dir, "lsoa", "E09000001"))[0]
    with serve(cache_dir, tmp_path, GRA_PUBLIC_URL=PUBLIC) as url, \
            chrome(tmp_path / "downloads") as driver:
        driver.get(f"{url}/profile?area={lsoa}")
        wait_idle(driver)
        wait_text(driver, "Download PDF")
        wait_text(driver, "What the figures mean")
        wait_text(driver, "Editions of the figures")
        cells = driver.execute_script(
            "return Array.from(document.querySelectorAll('[data-testid=stDataFrame] "
            "[role=row]')).map(r => r.textContent).join(' ');")
        assert "Income deprivation (IoD 2025): score" in cells  # the IoD domains
        shot(driver, "20-lsoa-profile")
        click_button(driver, "Download PDF")
        pdf = wait_download(tmp_path / "downloads", ".pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = text.replace("\n", "")
    assert f"{PUBLIC}/profile?area={lsoa}" in flat  # the link back to the same view
    assert "Made by Good Relations Atlas on" in text
    assert reader.pages[0].images  # the locator map
    for section in ("Where it is", "Key indicators", "What the figures mean", "Glossary",
                    "Editions of the figures", "Tension reports", "Sources"):
        assert section in text, section
    assert "Small area (LSOA)" in text and "(lsoa)" not in text
    sources = text[text.rindex("Sources"):]
    assert "fetched 20" in sources
    assert "LSOA 2011 to LSOA 2021" not in sources  # its download failed: not cited


@pytest.mark.timeout(300)
def test_phone_window_shows_the_whole_map_and_the_values(cache_dir, tmp_path):  # noqa: F811
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.set_window_size(400, 800)
        driver.get(f"{url}/?area=E09000001&level=lsoa")
        wait_map(driver)
        wait_idle(driver)
        width = driver.execute_script("return document.documentElement.clientWidth")
        box = driver.execute_script("return document.querySelector('.atlas-map')"
                                    ".getBoundingClientRect().toJSON()")
        assert box["left"] >= 0 and box["right"] <= width, (box, width)
        driver.execute_script("document.querySelector('.atlas-map')"
                              ".scrollIntoView({block: 'center'})")
        shot(driver, "21-phone-map")
        grid = driver.find_element(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", grid)
        headers = driver.execute_script(
            "return Array.from(arguments[0].querySelectorAll('[role=columnheader]'))"
            ".map(h => [h.textContent, h.getBoundingClientRect().right]);", grid)
        shot(driver, "22-phone-table")
        names = [name for name, _ in headers]
        value = next(i for i, name in enumerate(names) if name.startswith("Index of"))
        assert names.index("Area") < value, names  # name and value first
        assert headers[value][1] <= width, headers  # the value column is on screen


@pytest.mark.timeout(300)
def test_reader_chooses_the_dark_theme(cache_dir, tmp_path):  # noqa: F811
    lsoa = sorted(joined_codes(cache_dir, "lsoa", "E09000001"))[0]
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(f"{url}/profile?area={lsoa}")
        wait_idle(driver)
        wait_text(driver, "Download PDF")
        assert max(background(driver)) > 200  # light by default here
        items = menu_items(driver)
        assert not {"stMainMenuItem-clearCache", "stMainMenuItem-rerun"} & set(items)
        assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAppDeployButton"]')
        items["stMainMenuItem-theme-Dark"].click()
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        wait_idle(driver)
        assert max(background(driver)) < 60  # the reader's choice, not the server's
        chart = driver.find_element(By.CSS_SELECTOR, ".js-plotly-plot")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
        wait_idle(driver)
        paper = driver.execute_script(
            "const r = arguments[0].querySelector('.main-svg rect.bg') "
            "|| arguments[0].querySelector('.main-svg');"
            "return getComputedStyle(r).fill || getComputedStyle(r).backgroundColor;", chart)
        shot(driver, "23-dark-profile-chart")
        assert "255, 255, 255" not in paper, paper  # no white box in the dark page


@pytest.mark.timeout(300)
def test_basemap_without_internet_says_so(cache_dir, tmp_path):  # noqa: F811
    """Online mode, but the browser cannot reach the basemap's tiles (the test's Chromium
    has no route to them): the map says so and still draws the areas."""
    with serve(cache_dir, tmp_path, GRA_OFFLINE="0") as url, \
            chrome(tmp_path / "downloads") as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*basemaps.cartocdn.com*"]})
        driver.get(url)
        wait_map(driver)
        wait_idle(driver)
        toggle = next(t for t in driver.find_elements(By.CSS_SELECTOR, "label")
                      if t.text.strip().startswith("Basemap"))
        toggle.click()
        wait_idle(driver)
        wait_text(driver, "The basemap could not be loaded")
        shot(driver, "24-basemap-offline-notice")
