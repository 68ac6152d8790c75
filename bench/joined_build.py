"""Benchmark: rebuild the joined dataset and the map tiles from a cache of all England.

``python -m bench --only joined`` runs it on the national cache the runner keeps (see
:mod:`bench.national`). The row's figure is the end-to-end ``python -m data_sources build``
(a new process: imports, reading the cached tables, building, writing), with its steps
beside it (joined dataset timed in-process, median of three; map tiles as the build
reports them).

The older form still works on any national cache::

    GRA_CACHE_DIR=/tmp/natcache python -m bench.joined_build
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time

from bench.common import Context, Row, median, repeat, seconds
from bench.national import app_environment
from data_sources.cache import Cache, open_cache
from geo.tiles import TILE_LAYERS, build_tiles
from indicators.joined import build_joined
from settings import PROJECT_ROOT

COMMAND = "python -m bench --only joined"


def run(ctx: Context) -> list[Row]:
    cache = Cache(ctx.cache_dir)
    started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    build = subprocess.run([sys.executable, "-m", "data_sources", "build"], cwd=PROJECT_ROOT,
                           env=app_environment(ctx.cache_dir), capture_output=True, text=True,
                           timeout=600)
    end_to_end = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    if build.returncode != 0:
        raise RuntimeError(f"python -m data_sources build failed:\n{build.stdout}{build.stderr}")
    steps = dict(re.findall(r"^(joined dataset|map tiles): built in "
                            r"([\d.]+) s", build.stdout, flags=re.MULTILINE))
    joined = median(repeat(lambda: build_joined(cache), 1 if ctx.quick else 3))
    tiles = float(steps.get("map tiles", "nan"))
    rows = cache.provenance("joined_area_indicator").rows
    return [Row(
        what=f"Joined dataset rebuild from the cached tables, all levels ({rows:,} area rows), "
             "with the map tiles",
        figure=f"{seconds(end_to_end)} ({seconds(cpu)} CPU; joined {seconds(joined)}, map "
               f"tiles {seconds(tiles)})",
        target="< 30 s", passed=end_to_end < 30, command=COMMAND,
        notes=["figure: `python -m data_sources build` end to end in a new process (CPU "
               "includes tippecanoe's); map tiles as that build reports them; "
               "joined dataset timed in-process (median of 3; "
               f"{steps.get('joined dataset', '?')} s within the build)", _tile_sizes(cache)],
        values={"build_s": end_to_end, "build_cpu_s": cpu, "joined_s": joined,
                "tiles_s": tiles})]


def _tile_sizes(cache: Cache) -> str:
    """The archives' sizes and their largest tile at the national zooms, from provenance."""
    parts = []
    for spec in TILE_LAYERS:
        notes = dict(n.split("=", 1) for n in cache.provenance(spec.dataset).notes if "=" in n)
        largest = dict(pair.split(":") for pair in notes["max_tile_bytes_by_zoom"].split(","))
        parts.append(f"{spec.dataset} {int(notes['bytes']) / 1e6:.2f} MB (largest tile z5 "
                     f"{int(largest['5']) / 1024:.0f} KB)")
    return "map tiles: " + ", ".join(parts)


def main() -> int:
    cache = open_cache()
    if cache.provenance("boundaries_lsoa21") is None:
        print(f"No national cache at {cache.root}: refresh from the mirror first.")
        return 1
    print(f"cache: {cache.root}")
    print(f"joined dataset, all levels: {min(repeat(lambda: build_joined(cache), 3)):.2f} s "
          "(best of 3)")
    print(f"map tiles: {min(repeat(lambda: build_tiles(cache), 1)):.2f} s")
    print(f"  {_tile_sizes(cache)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
