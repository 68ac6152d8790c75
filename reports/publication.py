"""The published report tables, stored so that no visitor pays for building them.

Whenever a report changes state (approved, rejected, withdrawn, edited, imported), the
cube of suppressed counts is rebuilt (:func:`publish`) and stored in the ``publications``
table, keyed by a fingerprint of the report store and of the area directory. Pages and
exports read it back (:func:`current_cube`); if the stored publication is older than the
store (a change made where no area directory was at hand), the reader rebuilds it once
and stores it for everyone else.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, select

from reports.aggregate import Cube, build_cube, load_approved, reports_version
from reports.area_set_cube import load_area_sets
from reports.areas import AreaDirectory
from reports.models import Publication
from reports.store import Store
from reports.suppression import PUBLISHED

log = logging.getLogger(__name__)
DirectoryProvider = Callable[[], AreaDirectory]


def fingerprint(store: Store, directory: AreaDirectory) -> str:
    """What a publication depends on: the store's state and the areas it is counted over."""
    last_report, last_audit = reports_version(store)
    return f"{last_report}:{last_audit}:{directory.digest}"


def publish(store: Store, directory: AreaDirectory) -> Cube:
    """Build the suppressed tables from the approved reports and store them."""
    stamp = fingerprint(store, directory)
    cube = build_cube(load_approved(store), directory, load_area_sets(store))
    cells = cube.cells.copy()
    # the stored copy never holds a suppressed count
    cells["count"] = cells["count"].where(cells["status"] == PUBLISHED, -1)
    buffer = io.BytesIO()
    cells.to_parquet(buffer, index=False)
    row = Publication(fingerprint=stamp, built_at=datetime.now(UTC), cells=buffer.getvalue(),
                      unpublished=json.dumps(sorted(cube.unpublished)))
    with store.write() as session:
        session.execute(delete(Publication))
        session.add(row)
    return Cube(cells, cube.unpublished)


def stored_cube(store: Store, directory: AreaDirectory) -> Cube | None:
    """The stored publication if it is up to date with the store and the areas, else None."""
    stamp = fingerprint(store, directory)
    with store.read() as session:
        row = session.execute(select(Publication.cells, Publication.unpublished)
                              .where(Publication.fingerprint == stamp)
                              .order_by(Publication.id.desc()).limit(1)).first()
    if row is None:
        return None
    cells = pd.read_parquet(io.BytesIO(row.cells))
    return Cube(cells, frozenset(tuple(t) for t in json.loads(row.unpublished)))


def current_cube(store: Store, directory: AreaDirectory) -> Cube:
    """The publication of the store as it is now: the stored one, or built and stored."""
    return stored_cube(store, directory) or publish(store, directory)


def set_directory_provider(store: Store, provider: DirectoryProvider | None) -> None:
    """Tell :func:`after_change` where the areas of ``store``'s reports come from."""
    store.area_directory = provider


def after_change(store: Store) -> None:
    """Rebuild the publication after a report changed state, when the areas are known.

    A failure here never undoes the change: it is logged, and the next reader rebuilds.
    """
    provider = store.area_directory
    if provider is None:
        return
    try:
        publish(store, provider())
    except Exception as exc:  # noqa: BLE001 - the change is committed; readers rebuild
        log.warning("the published report tables were not rebuilt (%s: %s); the next "
                    "reader rebuilds them", type(exc).__name__, exc)
