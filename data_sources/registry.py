"""Every dataset the cache can hold, in the order a refresh builds them.

Boundaries come before police.uk, whose crimes are placed in LSOAs by point-in-polygon.
"""

from __future__ import annotations

from data_sources import geoportal, hocl, iod, nomis, police
from data_sources.refresh import LEVELS, DatasetSpec

DATASETS: tuple[DatasetSpec, ...] = (
    *nomis.DATASETS,
    *iod.DATASETS,
    *geoportal.DATASETS,
    *hocl.DATASETS,
    *police.DATASETS,
)

SOURCES: tuple[str, ...] = tuple(dict.fromkeys(spec.source for spec in DATASETS))


def select(sources: list[str] | None = None, levels: list[str] | None = None,
           datasets: list[str] | None = None) -> list[DatasetSpec]:
    """The datasets of the named sources (all if none) at the named levels (all if none),
    or the named datasets only.

    Datasets that serve every level (lookups, police months) are always included, unless
    datasets are named.
    """
    if datasets:
        unknown_ids = sorted(set(datasets) - {spec.id for spec in DATASETS})
        if unknown_ids:
            raise ValueError(f"unknown dataset(s) {unknown_ids}; `python -m data_sources "
                             "status` lists them")
        return [spec for spec in DATASETS if spec.id in datasets]
    unknown = sorted(set(sources or ()) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {list(SOURCES)}")
    bad_levels = sorted(set(levels or ()) - set(LEVELS))
    if bad_levels:
        raise ValueError(f"unknown level(s) {bad_levels}; choose from {list(LEVELS)}")
    return [
        spec
        for spec in DATASETS
        if (not sources or spec.source in sources)
        and (not levels or spec.level is None or spec.level in levels)
    ]


def spec_for(dataset: str) -> DatasetSpec:
    for spec in DATASETS:
        if spec.id == dataset:
            return spec
    raise KeyError(dataset)
