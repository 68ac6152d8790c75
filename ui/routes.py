"""HTTP routes the app serves beside Streamlit's own: the map's vector tiles and scripts,
and the Atom feed of published stories.

``streamlit run app.py`` starts :data:`app.app`, an ``st.App`` that adds these routes, so
the app alone serves everything the browser map needs (no CDN, works offline):

* ``/tiles/<file>``: the PMTiles archives built by ``python -m data_sources build`` and
  the code lists beside them, from the cache's ``tiles/`` folder. The browser reads an
  archive with HTTP Range requests (Starlette's ``FileResponse`` answers them with 206 and
  sends an ETag). File names carry their content hash, so they are cached for a year.
* ``/map-assets/<version>/<file>``: MapLibre GL JS, the PMTiles reader and the atlas's own
  map script (``ui/web/``). ``<version>`` is a hash of those files: a new release gets new
  URLs, so browsers may keep the old ones for a year.
* ``/feeds/stories.atom``: the newest published stories of good relations work
  (:mod:`reports.feed`), read from the report store on each request, for a newsletter or
  a council site to pull. Cached by readers for five minutes.

Behind the nginx of ``python -m deploy``, nginx serves ``/tiles/`` straight from the
cache (deploy/nginx.conf.template); these routes answer when the app runs on its own.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from data_sources.errors import NotCachedError
from reports.areas import AreaDirectory
from reports.feed import FEED_PATH, stories_atom
from reports.store import Store, database_url, open_store
from reports.stories import published_stories
from reports.work_summary import districts_of
from settings import get_settings

WEB = Path(__file__).with_name("web")
TILE_FILE = re.compile(r"tiles_[a-z0-9_]+-[0-9a-f]{16}\.(pmtiles|codes\.json)")
YEAR = "public, max-age=31536000, immutable"
MEDIA_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css",
               ".pmtiles": "application/vnd.pmtiles", ".json": "application/json"}


def _asset_files() -> dict[str, Path]:
    return {p.relative_to(WEB).as_posix(): p for p in sorted(WEB.rglob("*"))
            if p.is_file() and p.suffix in MEDIA_TYPES}


ASSETS = _asset_files()
ASSET_VERSION = hashlib.sha256(b"".join(
    name.encode() + path.read_bytes() for name, path in ASSETS.items())).hexdigest()[:12]
"""Hash of every served script and style sheet: part of their URLs."""


def asset_url(name: str) -> str:
    """The URL path of one file of ``ui/web/``, e.g. ``/map-assets/<version>/atlas-map.js``."""
    return f"/map-assets/{ASSET_VERSION}/{name}"


def tile_url(file: str) -> str:
    """The URL path of a cached tile file given as in the manifest (``tiles/<name>``)."""
    return "/" + file


def _not_found(what: str) -> Response:
    return PlainTextResponse(f"{what} not found", status_code=404)


async def serve_tile(request: Request) -> Response:
    """One archive or code list of the cache's ``tiles/`` folder, Range requests included."""
    name = request.path_params["name"]
    if not TILE_FILE.fullmatch(name):
        return _not_found("tile file")
    path = get_settings().cache_dir / "tiles" / name
    if not path.is_file():
        return _not_found("tile file")
    return FileResponse(path, media_type=MEDIA_TYPES[Path(name).suffix],
                        headers={"Cache-Control": YEAR})


async def serve_asset(request: Request) -> Response:
    """A script or style sheet of the map, long-cached when asked for by this version."""
    path = ASSETS.get(request.path_params["name"])
    if path is None:
        return _not_found("map asset")
    current = request.path_params["version"] == ASSET_VERSION
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix],
                        headers={"Cache-Control": YEAR if current else "no-cache"})


FEED_CACHE = "public, max-age=300"


@lru_cache(maxsize=2)
def _feed_store(url: str) -> Store:
    return open_store(url=url)


@lru_cache(maxsize=2)
def _feed_directory(cache_dir: str, stamp: float) -> AreaDirectory | None:
    try:
        return AreaDirectory.from_cache()
    except NotCachedError:
        return None


def _feed_bytes(site_url: str) -> bytes:
    settings = get_settings()
    manifest = settings.cache_dir / "manifest.json"
    directory = _feed_directory(str(settings.cache_dir),
                                manifest.stat().st_mtime if manifest.is_file() else 0.0)
    stories = published_stories(_feed_store(database_url(settings)))

    def places(codes: tuple[str, ...]) -> list[str]:
        return [] if directory is None else districts_of(codes, directory)

    return stories_atom(stories, site_url, places)


async def serve_story_feed(request: Request) -> Response:
    """The Atom feed of published stories (the database is read in a worker thread)."""
    body = await run_in_threadpool(_feed_bytes, str(request.base_url))
    return Response(body, media_type="application/atom+xml; charset=utf-8",
                    headers={"Cache-Control": FEED_CACHE})


ROUTES = [
    Route("/tiles/{name}", serve_tile, methods=["GET", "HEAD"]),
    Route("/map-assets/{version}/{name:path}", serve_asset, methods=["GET", "HEAD"]),
    Route(FEED_PATH, serve_story_feed, methods=["GET", "HEAD"]),
]
