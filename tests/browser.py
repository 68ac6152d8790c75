"""Driving the real app in headless Chromium (Debian's chromium and chromium-driver).

The app itself is served by :func:`bench.server.app_server` (``streamlit run app.py`` on
a free loopback port), as for the benchmarks; :func:`chrome` opens a headless browser
that saves downloads to a folder; the ``wait_*`` and ``pick_*`` helpers know the few
pieces of Streamlit's page the tests touch. Screenshots go under ``test-artifacts/``
(ignored by git) so a person can look at them after a run.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,1000")


def browser_missing() -> str | None:
    """Why a real-browser test cannot run here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            return f"{path} is missing (Debian package {package}; .ci/run installs it)"
    return None


@contextmanager
def chrome(downloads: Path) -> Iterator[WebDriver]:
    """A headless Chromium that saves downloads into ``downloads``."""
    downloads.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: WebDriver, name: str) -> Path:
    """Save a screenshot as ``test-artifacts/browser/<name>.png``."""
    path = ARTIFACTS / "browser" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


def wait_idle(driver: WebDriver, timeout: float = 60) -> None:
    """Wait until Streamlit has finished running the script (as Streamlit's own e2e tests)."""
    time.sleep(0.3)
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, '[data-testid="stApp"][data-test-script-state="notRunning"]'))
    time.sleep(0.2)


def wait_map(driver: WebDriver, timeout: float = 60, changed_from: str | None = None) -> str:
    """Wait until the map has drawn its values (MapLibre idle, every tile loaded) and
    return the version of the values drawn; ``changed_from`` waits for other values."""
    def drawn(d: WebDriver) -> str | bool:
        state = d.execute_script(
            "const b = document.querySelector('.atlas-map');"
            "return b ? [b.dataset.state, b.dataset.values || '', b.dataset.tileErrors,"
            " b.dataset.error || ''] : null;")
        if state and int(state[2]):
            raise AssertionError(f"the map reported {state[2]} error(s): {state[3]}")
        if state and state[0] == "idle" and state[1] and state[1] != changed_from:
            return state[1]
        return False
    return WebDriverWait(driver, timeout).until(drawn)


def drawn_areas(driver: WebDriver) -> int:
    """How many areas the map shows with a value (distinct features rendered)."""
    return int(driver.execute_script("return window.atlasMap.renderedAreas();"))


def click_area(driver: WebDriver, code: str) -> None:
    """Click inside area ``code`` on the map, as a person would."""
    driver.execute_script("document.querySelector('.atlas-map')"
                          ".scrollIntoView({block: 'center'});")
    where = driver.execute_script("return window.atlasMap.pointOf(arguments[0]);", code)
    if where is None:
        raise AssertionError(f"{code} is not drawn on the map")
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(round(where["x"]), round(where["y"])).click()
    actions.perform()


def click_table_row(driver: WebDriver, code: str) -> None:
    """Tick the row of area ``code`` in the page's table (Streamlit's data grid is drawn
    on a canvas; its hidden accessible table says which row holds the code)."""
    grid = driver.find_element(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
    rows = driver.execute_script(
        "return Array.from(arguments[0].querySelectorAll('[role=row]'))"
        ".map(r => r.textContent);", grid)
    position = next((i for i, text in enumerate(rows) if code in text), None)
    if position is None:
        raise AssertionError(f"{code} is not among the table's visible rows")
    canvas = grid.find_element(By.TAG_NAME, "canvas")
    box = driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                "return arguments[0].getBoundingClientRect();", canvas)
    row_height = 35  # Streamlit's default; the header row is as tall
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(
        round(box["left"] + 18),
        round(box["top"] + row_height * position + row_height / 2)).click()
    actions.perform()


def wait_text(driver: WebDriver, text: str, timeout: float = 60) -> None:
    """Wait until ``text`` is visible somewhere on the page."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(
            By.TAG_NAME, "body").text)
    except TimeoutException as error:
        raise AssertionError(f"{text!r} never appeared on the page") from error


def widget(driver: WebDriver, testid: str, label: str) -> WebElement:
    """The Streamlit widget of kind ``testid`` (e.g. stSelectbox) whose label is ``label``."""
    for element in driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'):
        if element.text.splitlines()[:1] == [label]:
            return element
    raise AssertionError(f"no {testid} labelled {label!r}")


def pick_option(driver: WebDriver, label: str, option: str) -> None:
    """Choose ``option`` (its visible text) in the selectbox labelled ``label``, by keyboard."""
    box = widget(driver, "stSelectbox", label).find_element(By.CSS_SELECTOR, "input")
    # in the middle of the window, so that its list opens on screen (a sidebar with every
    # page listed puts the lower widgets at the window's foot)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    box.send_keys(option)
    WebDriverWait(driver, 10).until(lambda d: any(
        option in o.text for o in d.find_elements(By.CSS_SELECTOR, '[role="option"]')))
    box.send_keys(Keys.ENTER)
    wait_idle(driver)


def click_button(driver: WebDriver, text: str) -> None:
    """Click the first button whose visible text is ``text``."""
    for button in driver.find_elements(By.TAG_NAME, "button"):
        if button.text.strip().endswith(text):
            button.click()
            return
    raise AssertionError(f"no button {text!r}")


def wait_download(folder: Path, suffix: str, timeout: float = 60) -> Path:
    """The first complete file ending in ``suffix`` that appears in ``folder``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}")


def clean_artifacts() -> None:
    """Remove the screenshots of an earlier run."""
    shutil.rmtree(ARTIFACTS / "browser", ignore_errors=True)
