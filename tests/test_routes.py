"""The app's own HTTP routes, over real HTTP from ``streamlit run app.py``: the map's tiles
(Range requests, as the browser's PMTiles reader makes them) and the map's scripts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bench.national import app_environment
from bench.server import AppServer, app_server
from ui.routes import ASSET_VERSION, ASSETS, asset_url

ARCHIVE = "tiles_lsoa-0123456789abcdef.pmtiles"
CONTENT = bytes(range(256)) * 40


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AppServer]:
    cache = tmp_path_factory.mktemp("routes-cache")
    (cache / "tiles").mkdir()
    (cache / "tiles" / ARCHIVE).write_bytes(CONTENT)
    (cache / "tiles" / "notes.txt").write_text("not a tile")
    (cache / "manifest.json").write_text('{"datasets": {}}')
    env = app_environment(cache, GRA_DATABASE_URL=f"sqlite:///{cache / 'reports.db'}")
    with app_server(cache, cache / "server.log", env=env) as running:
        yield running


def test_a_tile_archive_is_read_in_ranges_and_cached_for_a_year(server):
    url = f"{server.url}/tiles/{ARCHIVE}"
    part = requests.get(url, headers={"Range": "bytes=1000-1999", "Accept-Encoding": "gzip"},
                        timeout=10)
    assert part.status_code == 206
    assert part.content == CONTENT[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(CONTENT)}"
    assert "Content-Encoding" not in part.headers
    assert part.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert part.headers["ETag"]
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and len(whole.content) == len(CONTENT)


@pytest.mark.parametrize("name", ["notes.txt", "tiles_lsoa-0123.pmtiles",
                                  "tiles_lsoa-fedcba9876543210.pmtiles",
                                  "..%2Fmanifest.json"])
def test_nothing_but_a_tile_file_of_the_cache_is_served(server, name):
    answer = requests.get(f"{server.url}/tiles/{name}", timeout=10)
    assert answer.status_code in (400, 404)
    assert answer.content != b'{"datasets": {}}'


def test_the_map_scripts_are_served_by_the_app(server):
    script = requests.get(server.url + asset_url("atlas-map.js"), timeout=10)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"export async function render" in script.content
    for name in ("vendor/maplibre-gl.mjs", "vendor/maplibre-gl-worker.mjs",
                 "vendor/maplibre-gl.css", "vendor/pmtiles.js"):
        assert name in ASSETS
        assert requests.get(server.url + asset_url(name), timeout=10).status_code == 200
    stale = requests.get(f"{server.url}/map-assets/0000/atlas-map.js", timeout=10)
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert len(ASSET_VERSION) == 12
    for name in ("vendor/LICENSE-maplibre-gl.txt", "missing.js", "..%2F..%2Fsettings.py"):
        assert requests.get(f"{server.url}/map-assets/{ASSET_VERSION}/{name}",
                            timeout=10).status_code in (400, 404)
    escape = requests.get(f"{server.url}/map-assets/{ASSET_VERSION}/../../settings.py",
                          timeout=10)
    assert b"BaseSettings" not in escape.content  # the browser's path, not the project's
