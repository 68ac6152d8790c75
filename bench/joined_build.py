"""Benchmark: rebuild the joined dataset and the web layers from a cache of all England.

Usage (with a cache filled from the national mirror, README "Running against the national
mirror")::

    GRA_CACHE_DIR=/tmp/natcache python -m bench.joined_build

Prints the time of each step, best of three, and the size of each prepared web layer.
"""

from __future__ import annotations

import sys
import time

from data_sources.cache import open_cache
from geo.boundaries import WEB_LAYERS, geojson_bytes, prepare_web_layers
from indicators.joined import build_joined


def best_of(runs: int, step, *args) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    cache = open_cache()
    if cache.provenance("boundaries_lsoa21") is None:
        print(f"No national cache at {cache.root}: refresh from the mirror first.")
        return 1
    print(f"cache: {cache.root}")
    print(f"joined dataset, all levels: {best_of(3, build_joined, cache):.2f} s (best of 3)")
    print(f"web boundary layers: {best_of(1, prepare_web_layers, cache):.2f} s")
    for spec in WEB_LAYERS:
        layer = cache.load_table(spec.dataset)
        print(f"  {spec.dataset}: {len(layer):,} areas, "
              f"{geojson_bytes(layer) / 1e6:.2f} MB as GeoJSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
