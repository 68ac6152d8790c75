"""Hatched areas in a real browser: districts whose D cannot be told from random placement.

The Map page's tiny cache (tests/test_map.py) with D of Black residents for its two
districts, one not clearly different from random; served by ``streamlit run app.py`` and
driven in headless Chromium. Screenshots under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser import browser_missing, chrome, shot, wait_idle, wait_map, wait_text
from tests.test_browser import serve
from tests.test_map_random_placement import with_random_placement
from ui.map_payload import HATCH_LABEL

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


# The screen box of an area's drawn parts (every tile's piece), in CSS pixels of the page.
AREA_BOX = """
const atlas = window.atlasMap, map = atlas.map, rect = map.getCanvas().getBoundingClientRect();
const points = [];
for (const f of map.queryRenderedFeatures({layers: ["areas-fill"]})) {
  if (f.properties.code !== arguments[0]) continue;
  const rings = f.geometry.type === "Polygon" ? [f.geometry.coordinates]
    : f.geometry.coordinates;
  for (const polygon of rings) for (const [x, y] of polygon[0]) points.push(map.project([x, y]));
}
const xs = points.map(p => p.x), ys = points.map(p => p.y);
return [rect.left + Math.min(...xs), rect.top + Math.min(...ys),
        rect.left + Math.max(...xs), rect.top + Math.max(...ys)];
"""


def hatched_everywhere(driver: WebDriver, code: str) -> list[tuple[int, int]]:
    """Windows of a 4 × 4 grid over area ``code`` that show no stripes (a tile laid out
    before the pattern existed draws its part of the area plain)."""
    left, top, right, bottom = driver.execute_script(AREA_BOX, code)
    ratio = driver.execute_script("return window.devicePixelRatio;")
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    plain = []
    for i in range(4):
        for j in range(4):
            x = left + (right - left) * (0.1 + 0.8 * (i + 0.5) / 4)
            y = top + (bottom - top) * (0.1 + 0.8 * (j + 0.5) / 4)
            box = [round(v * ratio) for v in (x - 8, y - 8, x + 8, y + 8)]
            pixels = np.asarray(image.crop(box)).reshape(-1, 3)
            light = bool((pixels.min(axis=1) > 200).any())
            dark = bool((pixels.max(axis=1) < 90).any())
            if not (light and dark):
                plain.append((i, j))
    return plain


@pytest.mark.timeout(300)
def test_districts_not_clearly_different_from_random_are_hatched(tmp_path):
    cache_dir = tmp_path / "cache"
    with_random_placement(cache_dir)
    with serve(cache_dir, tmp_path) as url, chrome(tmp_path / "downloads") as driver:
        driver.get(f"{url}/?level=lad&indicator=d_black")
        wait_map(driver)
        wait_idle(driver)
        wait_text(driver, HATCH_LABEL)
        hatched = driver.execute_script("return window.atlasMap.hatchedAreas();")
        assert hatched == ["E06000001"]
        legend = driver.find_element(By.CSS_SELECTOR, ".atlas-legend").text
        assert "across each district's MSOAs" in legend and HATCH_LABEL in legend
        driver.execute_script("document.querySelector('.atlas-legend')"
                              ".scrollIntoView({block: 'end'});")
        shot(driver, "12-hatched-not-clearly-different-from-random")
        assert hatched_everywhere(driver, "E06000001") == []
        assert len(hatched_everywhere(driver, "E06000002")) == 16  # not hatched at all
        driver.get(f"{url}/?level=lad&indicator=imd_avg_score")
        wait_map(driver)
        wait_idle(driver)
        assert driver.execute_script("return window.atlasMap.hatchedAreas();") == []
        assert HATCH_LABEL not in driver.find_element(By.CSS_SELECTOR, ".atlas-legend").text
