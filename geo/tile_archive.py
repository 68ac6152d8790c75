"""What a built PMTiles archive holds, zoom by zoom: tiles, bytes and which features.

The build checks with :func:`zoom_stats` that every area is in the tiles of every zoom
and records the sizes in the provenance notes. Reading the feature ids needs only the
outer fields of the vector-tile protocol buffer (tile → layer → feature id), so
:func:`feature_ids` walks those few fields and skips the geometry bytes unread; the
tests check its answers against a full decoder (``mapbox-vector-tile``).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression

# Field numbers of the Mapbox Vector Tile 2.1 protocol buffer (vector_tile.proto).
TILE_LAYERS, LAYER_NAME, LAYER_FEATURES, FEATURE_ID = 3, 1, 2, 1
VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5


@dataclass
class ZoomStats:
    """The tiles of one zoom: how many, their bytes as stored (compressed, as sent to the
    browser), the largest, and the ids of the features of one layer found in them."""

    zoom: int
    tiles: int = 0
    bytes: int = 0
    max_tile_bytes: int = 0
    ids: set[int] = field(default_factory=set)


def archive_header(path: Path) -> dict:
    """The PMTiles header (``tile_type``, ``min_zoom``, ``max_zoom``, ``min_lon_e7`` …)."""
    with open(path, "rb") as f:
        return Reader(MmapSource(f)).header()


def zoom_stats(path: Path, layer: str) -> dict[int, ZoomStats]:
    """Every tile of the archive, summed by zoom, with the feature ids of ``layer``."""
    stats: dict[int, ZoomStats] = {}
    with open(path, "rb") as f:
        source = MmapSource(f)
        compression = Reader(source).header()["tile_compression"]
        for (zoom, _x, _y), data in all_tiles(source):
            entry = stats.setdefault(zoom, ZoomStats(zoom))
            entry.tiles += 1
            entry.bytes += len(data)
            entry.max_tile_bytes = max(entry.max_tile_bytes, len(data))
            entry.ids.update(feature_ids(_decompressed(data, compression), layer))
    return dict(sorted(stats.items()))


def _decompressed(data: bytes, compression: Compression) -> bytes:
    if compression == Compression.GZIP:
        return gzip.decompress(data)
    if compression == Compression.NONE:
        return data
    raise ValueError(f"tiles compressed with {compression.name} cannot be read here")


def feature_ids(tile: bytes, layer: str) -> Iterator[int]:
    """The ids of the features of ``layer`` in one uncompressed vector tile (features
    without an id are skipped)."""
    wanted = layer.encode()
    for number, value in _fields(memoryview(tile)):
        if number != TILE_LAYERS:
            continue
        name, features = b"", []
        for inner, content in _fields(value):
            if inner == LAYER_NAME:
                name = bytes(content)
            elif inner == LAYER_FEATURES:
                features.append(content)
        if name != wanted:
            continue
        for feature in features:
            for inner, content in _fields(feature):
                if inner == FEATURE_ID:
                    yield content
                    break


def _fields(buffer: memoryview) -> Iterator[tuple[int, int | memoryview]]:
    """(field number, value) of one protocol-buffer message: varints as int, the rest as
    the raw bytes."""
    position, end = 0, len(buffer)
    while position < end:
        key, position = _varint(buffer, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, position = _varint(buffer, position)
            yield number, value
            continue
        if wire_type == LENGTH_DELIMITED:
            size, position = _varint(buffer, position)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
        else:
            raise ValueError(f"not a vector tile: wire type {wire_type} at byte {position}")
        yield number, buffer[position:position + size]
        position += size


def _varint(buffer: memoryview, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7
