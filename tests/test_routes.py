"""The app's own HTTP routes, over real HTTP from ``streamlit run app.py``: the map's tiles
(Range requests, as the browser's PMTiles reader makes them), the map's scripts and the
Atom feed of stories (invented records)."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import requests

from bench.national import app_environment
from bench.server import AppServer, app_server
from reports.store import open_store
from reports.stories import submit_story
from tests.fixtures.reports.good_relations import seed_work, story
from tests.fixtures.reports.helpers import bootstrap
from ui.routes import ASSET_VERSION, ASSETS, asset_url

ARCHIVE = "tiles_lsoa-0123456789abcdef.pmtiles"
CONTENT = bytes(range(256)) * 40


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("routes-cache")


@pytest.fixture(scope="module")
def server(cache) -> Iterator[AppServer]:
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


def test_the_story_feed_is_atom_with_only_published_consented_words(server, cache):
    store = open_store(url=f"sqlite:///{cache / 'reports.db'}")
    try:
        people = bootstrap(store)
        seeded = seed_work(store, people, name_organisation=False)
        submit_story(store, people["thames"], story(  # pending: not in the feed
            seeded["activity"], title="Invented: <b>not yet</b>"))
    finally:
        store.dispose()
    answer = requests.get(f"{server.url}/feeds/stories.atom", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(answer.content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert [e.findtext(f"{atom}title") for e in entries] == ["Invented: a league of their own"]
    content = entries[0].findtext(f"{atom}content")
    assert "Invented story text" in content and "Invented quote" in content
    assert "Thamesbury Together" not in answer.text and "@" not in content
    assert entries[0].findtext(f"{atom}author/{atom}name") == "A member organisation"
