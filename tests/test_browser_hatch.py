"""Hatched areas in a real browser: districts whose D cannot be told from random placement.

The Map page's tiny cache (tests/test_map.py) with D of Black residents for its two
districts, one not clearly different from random; served by ``streamlit run app.py`` and
driven in headless Chromium. Screenshots under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser import browser_missing, chrome, shot, wait_idle, wait_map, wait_text
from tests.test_browser import serve
from tests.test_map_random_placement import with_random_placement
from ui.map_payload import HATCH_LABEL

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


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
        shot(driver, "11-hatched-not-clearly-different-from-random")
        driver.get(f"{url}/?level=lad&indicator=imd_avg_score")
        wait_map(driver)
        wait_idle(driver)
        assert driver.execute_script("return window.atlasMap.hatchedAreas();") == []
        assert HATCH_LABEL not in driver.find_element(By.CSS_SELECTOR, ".atlas-legend").text
