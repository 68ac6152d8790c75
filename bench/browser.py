"""Page timings in headless Chromium: from navigation until the page is drawn.

A script injected into every new document (CDP ``Page.addScriptToEvaluateOnNewDocument``)
checks on every animation frame whether the page is done and records
``performance.now()`` then, i.e. milliseconds since navigation start:

* map pages: the atlas map (ui/web/atlas-map.js) has drawn every area in its colour,
  with the region and district names (MapLibre idle with the values set: every tile
  loaded and drawn); afterwards the areas actually drawn are counted and tile errors
  read, so a blank map fails instead of timing fast. For a
  baseline commit of the old Plotly map (``--baseline``): its MapLibre instance has the
  choropleth's GeoJSON source, has loaded it and its tiles (``map.loaded()``), and the
  trace has its areas;
* other pages: Streamlit's script has run (``data-test-script-state`` went from running
  to notRunning), a given text (the page's last heading) is shown and every image has
  loaded.

Bytes sent to the browser are counted by :mod:`bench.proxy` between the browser and the
server. Every visit is a new page load, so a new Streamlit session; the browser keeps its
HTTP cache, as a returning visitor's does. WebGL runs in software (SwiftShader): there is
no GPU on the benchmark machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from bench.proxy import Counts

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_TIMEOUT = 120.0

INSTRUMENT = """
(() => {
  const bench = window.__bench = {done: null, plot: null, areas: null, sawRunning: false};
  const isMap = window.location.search.includes('bench=map');
  const readyText = new URLSearchParams(window.location.search).get('bench_text');
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => { bench.wsOpen ??= performance.now(); });
      this.addEventListener('message', () => {
        bench.wsFirst ??= performance.now();
        bench.wsLast = performance.now();
      });
    }
  };
  function atlasDrawn() {
    const box = document.querySelector('.atlas-map');
    if (!box) return false;
    if (bench.plot === null) bench.plot = performance.now();
    if (box.dataset.areas !== 'drawn' || !box.dataset.values) return false;
    const script = performance.getEntriesByType('resource').find(
      r => /maplibre-gl[.]mjs/.test(r.name));
    bench.mapScript = script ? script.responseEnd : null;
    return true;
  }
  function plotlyDrawn() {
    const gd = document.querySelector('.js-plotly-plot');
    if (!gd) return false;
    if (bench.plot === null) bench.plot = performance.now();
    const layout = gd._fullLayout, sub = layout && layout.map && layout.map._subplot;
    const map = sub && sub.map;
    if (!map || !gd.data || !gd.data[0] || !gd.data[0].locations) return false;
    const sources = Object.keys(map.getStyle().sources || {});
    if (!sources.some(s => s.startsWith('source-')) || !map.loaded()) return false;
    bench.areas = gd.data[0].locations.length;
    const plotly = performance.getEntriesByType('resource').find(
      r => /plotly/i.test(r.name) && r.name.endsWith('.js'));
    bench.mapScript = plotly ? plotly.responseEnd : null;
    return true;
  }
  function pageDrawn() {
    const app = document.querySelector('[data-test-script-state]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running') bench.sawRunning = true;
    if (!bench.sawRunning || state !== 'notRunning') return false;
    if (readyText && !document.body.innerText.includes(readyText)) return false;
    return [...document.images].every(img => img.complete);
  }
  function check() {
    if (bench.done !== null) return;
    try {
      if (isMap ? atlasDrawn() || plotlyDrawn() : pageDrawn()) {
        bench.done = performance.now();
        return;
      }
    } catch (e) { bench.lastError = String(e); }  // e.g. the map's style still loading
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""


@dataclass(frozen=True)
class PageTiming:
    """One visit: ms from navigation start to drawn, to the plot element, and bytes.

    ``marks`` (ms after navigation start): websocket open, first and last message received,
    the map's script loaded (MapLibre's; Plotly's for an old baseline), map element
    created, areas drawn.
    """

    url: str
    drawn_ms: float
    plot_ms: float | None
    areas: int | None
    bytes_websocket: int
    bytes_http: int
    marks: dict[str, float | None]


@contextmanager
def chromium(download_dir: Path | None = None) -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven by chromedriver, instrumented as described above."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--disable-extensions",
                     "--enable-unsafe-swiftshader"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT})
        if download_dir is not None:
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
                "behavior": "allow", "downloadPath": str(download_dir), "eventsEnabled": True})
        yield driver
    finally:
        driver.quit()


def visit(driver: webdriver.Chrome, url: str, counts: Counts | None = None,
          map_page: bool = False, ready_text: str | None = None) -> PageTiming:
    """Load ``url`` in a fresh document and wait until it is drawn.

    ``map_page`` waits for the map even while the page has not yet created its chart
    element (otherwise the first Streamlit run that finishes would count as done).
    ``ready_text`` (other pages) must also be shown, e.g. the page's last heading.

    Raises
    ------
    TimeoutError
        When the page is not drawn within :data:`PAGE_TIMEOUT` seconds.
    """
    driver.get("about:blank")
    time.sleep(0.3)  # let the previous page's connections close before counting
    if counts is not None:
        counts.reset()
    if map_page:
        url += ("&" if "?" in url else "?") + "bench=map"
    elif ready_text:
        url += ("&" if "?" in url else "?") + urlencode({"bench_text": ready_text})
    driver.get(url)
    state = _until_done(driver, "window.__bench", f"{url} not drawn")
    time.sleep(0.5)  # trailing frames (e.g. the rest of the script's output)
    marks = {k: state.get(k) for k in ("wsOpen", "wsFirst", "mapScript", "plot", "done")}
    marks["wsLast"] = driver.execute_script("return window.__bench.wsLast;")
    areas = state.get("areas")
    if map_page and areas is None:
        areas = drawn_areas(driver)
    return PageTiming(url, state["done"], state.get("plot"), areas,
                      counts.websocket if counts else 0, counts.http if counts else 0, marks)


def _until_done(driver: webdriver.Chrome, record: str, failure: str) -> dict:
    """Poll the page's ``record`` (an object the injected scripts fill) until its ``done``
    is set; TimeoutError saying ``failure`` after :data:`PAGE_TIMEOUT` seconds."""
    deadline = time.monotonic() + PAGE_TIMEOUT
    state = None
    while time.monotonic() < deadline:
        state = driver.execute_script(f"return {record} || null;")
        if state and state.get("done") is not None:
            return state
        time.sleep(0.05)
    raise TimeoutError(f"{failure} within {PAGE_TIMEOUT:.0f} s: {state}")


def drawn_areas(driver: webdriver.Chrome) -> int:
    """How many areas the atlas map has drawn (distinct features rendered with a value).

    Raises
    ------
    RuntimeError
        When the map reported a tile or style error.
    """
    errors, message = driver.execute_script(
        "const b = document.querySelector('.atlas-map');"
        "return [Number(b.dataset.tileErrors), b.dataset.error || ''];")
    if errors:
        raise RuntimeError(f"the map reported {errors} error(s), the last: {message}")
    return int(driver.execute_script("return window.atlasMap.renderedAreas();"))


SWITCH = """
const box = document.querySelector('.atlas-map');
const watch = window.__switch = {before: box.dataset.values, started: null, done: null};
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && watch.started === null) watch.started = performance.now();
}, {capture: true});
function check() {
  const now = document.querySelector('.atlas-map');
  if (watch.started !== null && now && now.dataset.values !== watch.before
      && now.dataset.state === 'idle') {
    watch.done = performance.now();
    return;
  }
  requestAnimationFrame(check);
}
requestAnimationFrame(check);
"""


@dataclass(frozen=True)
class SwitchTiming:
    """One indicator switch on an open map: seconds from the keypress choosing the new
    indicator to its values drawn, bytes sent to the browser meanwhile, areas drawn."""

    seconds: float
    bytes_websocket: int
    bytes_http: int
    areas: int


def switch_indicator(driver: webdriver.Chrome, label: str,
                     counts: Counts | None = None) -> SwitchTiming:
    """Choose ``label`` in the sidebar's Indicator box by keyboard and wait for the map.

    Raises
    ------
    TimeoutError
        When the map does not show new values within :data:`PAGE_TIMEOUT` seconds.
    """
    box = driver.find_element(By.XPATH, "//*[@data-testid='stSidebar']//*[@data-testid="
                              "'stSelectbox'][.//label[.//*[text()='Indicator']]]//input")
    box.click()
    box.send_keys(label)
    time.sleep(0.3)
    driver.execute_script(SWITCH)
    if counts is not None:
        counts.reset()
    box.send_keys(Keys.ENTER)
    watch = _until_done(driver, "window.__switch", f"the map did not switch to {label!r}")
    time.sleep(0.3)
    return SwitchTiming((watch["done"] - watch["started"]) / 1000,
                        counts.websocket if counts else 0, counts.http if counts else 0,
                        drawn_areas(driver))


def click_download(driver: webdriver.Chrome, label: str, download_dir: Path,
                   suffix: str, timeout: float = PAGE_TIMEOUT) -> tuple[float, Path]:
    """Click the download button labelled ``label``; seconds until the file is complete."""
    for old in download_dir.glob("*"):
        old.unlink()
    button = WebDriverWait(driver, 30).until(lambda d: d.find_element(
        By.XPATH, f"//*[@data-testid='stDownloadButton']//button[.//*[text()='{label}']]"))
    started = time.perf_counter()
    button.click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in download_dir.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done and not list(download_dir.glob("*.crdownload")):
            return time.perf_counter() - started, done[0]
        time.sleep(0.05)
    raise TimeoutError(f"no {suffix} downloaded within {timeout:.0f} s of clicking {label!r}")
