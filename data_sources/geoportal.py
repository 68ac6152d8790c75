"""ONS Open Geography Portal: boundaries and lookups of England, from ArcGIS REST services.

Each boundary or lookup layer is read whole, England only, by :mod:`data_sources.arcgis`
(service names tried newest first or pinned by ``geoportal_services``, paged reads checked
against the layer's count); this module turns its features into tables.

The OA21 → LSOA21 → MSOA21 → LAD22 lookup is a CSV download from the ONS hub
(``ons_hub_base_url``), reduced here to one row per LSOA.

Boundaries come back as GeoDataFrames in EPSG:4326 (WGS84 longitude/latitude) with columns
``area_code``, ``area_name`` and ``geometry``; lookups as plain DataFrames.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from data_sources.arcgis import SOURCE, Layer, fetch_layer
from data_sources.errors import SourceFormatError
from data_sources.refresh import OGL, Built, DatasetSpec, RefreshContext
from data_sources.validate import (
    ENGLAND_ROWS,
    LAD_CODE,
    LSOA_CODE,
    MSOA_CODE,
    REGION_CODE,
    WARD_CODE,
    TableSpec,
)

OA_LOOKUP_PATH = "/api/v3/datasets/b9ca90c10aaa4b8d9791e9859a38ca67_0/downloads/data"
OA_LOOKUP_PARAMS = {"format": "csv", "spatialRefId": "4326"}
OA_LOOKUP_COLUMNS = {"LSOA21CD": "lsoa21_code", "LSOA21NM": "lsoa21_name",
                     "MSOA21CD": "msoa21_code", "MSOA21NM": "msoa21_name",
                     "LAD22CD": "lad22_code", "LAD22NM": "lad22_name"}

ATTRIBUTION_NO_OS = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0."
)
ATTRIBUTION = f"{ATTRIBUTION_NO_OS} Contains OS data © Crown copyright and database right 2025."

RESOLUTIONS = {
    "BFC": "full resolution, clipped to the coastline",
    "BFE": "full resolution, extent of the realm",
    "BGC": "generalised (20 m), clipped",
    "BSC": "super-generalised (200 m), clipped",
    "BUC": "ultra-generalised (500 m), clipped",
}


# ---------------------------------------------------------------- parsing


def parse_boundaries(features: list[dict[str, Any]], layer: Layer, url: str) -> gpd.GeoDataFrame:
    """Boundary features as a GeoDataFrame: ``area_code``, ``area_name``, ``geometry``.

    Parameters
    ----------
    features
        GeoJSON features whose properties hold ``layer.fields`` (code field first).
    layer
        The layer read; its two fields become ``area_code`` and ``area_name``.
    url
        The query URL, for error messages.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326. Invalid geometries are made valid with ``shapely.make_valid``
        (keeping their polygonal structure).

    Raises
    ------
    SourceFormatError
        When a field is missing or a feature has no geometry.
    """
    code, name = layer.fields
    if not features:
        raise SourceFormatError(SOURCE, url, "the layer returned no features for England")
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    _require(frame, [code, name], url)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        sample = frame.loc[empty, code].head(3).tolist()
        raise SourceFormatError(SOURCE, url, f"{int(empty.sum())} feature(s) without a "
                                f"boundary, e.g. {sample}")
    geometry = frame.geometry.values
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = shapely.make_valid(
            geometry[invalid], method="structure", keep_collapsed=False
        )
    return gpd.GeoDataFrame(
        {"area_code": frame[code].astype("string"), "area_name": frame[name].astype("string")},
        geometry=gpd.GeoSeries(geometry, index=frame.index, crs="EPSG:4326"),
    ).reset_index(drop=True)


def parse_attributes(features: list[dict[str, Any]], layer: Layer, url: str) -> pd.DataFrame:
    """The attributes of ``features`` as a DataFrame with the layer's column names."""
    frame = pd.DataFrame([f.get("properties") or {} for f in features])
    _require(frame, list(layer.fields), url)
    return frame[list(layer.fields)].rename(columns=layer.fields).astype("string")


def drop_exact_duplicates(frame: pd.DataFrame, key: list[str], url: str) -> pd.DataFrame:
    """``frame`` without repeated identical rows; rows sharing a key but differing fail.

    Raises
    ------
    SourceFormatError
        When two rows have the same ``key`` but different values elsewhere.
    """
    distinct = frame.drop_duplicates()
    clash = distinct.duplicated(key, keep=False)
    if clash.any():
        sample = distinct.loc[clash].head(4).to_dict("records")
        raise SourceFormatError(
            SOURCE, url, f"{int(clash.sum())} rows give conflicting values for the same "
            f"{key}, e.g. {sample}",
        )
    return distinct.reset_index(drop=True)


def reduce_oa_lookup(csv_bytes: bytes, url: str) -> pd.DataFrame:
    """The OA21 lookup CSV reduced to one row per England LSOA with its MSOA and LAD 2022.

    Parameters
    ----------
    csv_bytes
        The hub download: UTF-8 with a BOM, one row per output area, columns OA21CD,
        LSOA21CD, LSOA21NM, MSOA21CD, MSOA21NM, LAD22CD, LAD22NM (Welsh names and
        ObjectId may follow).
    url
        The download URL, for error messages.

    Returns
    -------
    DataFrame
        lsoa21_code, lsoa21_name, msoa21_code, msoa21_name, lad22_code, lad22_name.

    Raises
    ------
    SourceFormatError
        When columns are missing, or an LSOA lies in two MSOAs or two districts.
    """
    columns = OA_LOOKUP_COLUMNS
    try:
        oas = pd.read_csv(io.BytesIO(csv_bytes), dtype="string", encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(SOURCE, url, f"not a readable CSV ({exc})") from None
    oas.columns = oas.columns.str.strip()
    _require(oas, ["OA21CD", *columns], url)
    england = oas.loc[oas["LSOA21CD"].str.startswith("E", na=False), list(columns)]
    lsoas = england.rename(columns=columns).drop_duplicates()
    for parent in ("msoa21_code", "lad22_code"):
        parents = lsoas.groupby("lsoa21_code")[parent].nunique()
        split = parents[parents > 1]
        if len(split):
            raise SourceFormatError(
                SOURCE, url, f"{len(split)} LSOA(s) lie in more than one {parent[:-5].upper()}, "
                f"e.g. {split.index[:3].tolist()}",
            )
    return drop_exact_duplicates(lsoas, ["lsoa21_code"], url)


def _require(frame: pd.DataFrame, fields: list[str], url: str) -> None:
    missing = [f for f in fields if f not in frame.columns]
    if missing:
        raise SourceFormatError(SOURCE, url, f"missing field(s) {missing}; the answer has "
                                f"{[str(c) for c in frame.columns][:20]}")


# ---------------------------------------------------------------- building datasets


def service_notes(service: str) -> list[str]:
    """Provenance notes naming the ArcGIS service used and its resolution."""
    notes = [f"ArcGIS service: {service}"]
    tokens = [t for t in service.split("_") if t in RESOLUTIONS]
    if tokens:
        notes.append(f"Resolution: {tokens[-1]}, {RESOLUTIONS[tokens[-1]]}")
    return notes


def boundaries_builder(layer: Layer) -> Callable[[RefreshContext], Built]:
    """A build function reading ``layer`` into an England boundary GeoDataFrame."""

    def build(ctx: RefreshContext) -> Built:
        got = fetch_layer(ctx, layer)
        frame = parse_boundaries(got.features, layer, got.download.url)
        return Built(frame, got.download, service_notes(got.service))

    return build


Filter = Callable[[pd.DataFrame], tuple[pd.DataFrame, list[str]]]
"""Selects rows of a lookup; returns them with notes on what was dropped."""


def lookup_builder(
    layer: Layer, key: list[str], keep: Filter | None = None
) -> Callable[[RefreshContext], Built]:
    """A build function reading the lookup ``layer`` without geometry.

    Exact duplicate rows are dropped; rows sharing ``key`` with different values fail.
    ``keep`` optionally selects rows, noting in the provenance what it dropped.
    """

    def build(ctx: RefreshContext) -> Built:
        got = fetch_layer(ctx, layer)
        url = got.download.url
        frame = drop_exact_duplicates(parse_attributes(got.features, layer, url), key, url)
        notes = service_notes(got.service)
        if keep is not None:
            frame, dropped = keep(frame)
            notes += dropped
        return Built(frame, got.download, notes)

    return build


def districts_only(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows whose ``lad22_code`` is a district (E06–E09), not a county (E10) or other."""
    district = frame["lad22_code"].str.fullmatch(LAD_CODE).fillna(False).astype(bool)
    if district.all():
        return frame, []
    others = frame.loc[~district, "lad22_code"]
    note = f"Dropped {len(others)} row(s) that are not districts, e.g. {others.head(3).tolist()}"
    return frame.loc[district].reset_index(drop=True), [note]


def build_oa_lookup(ctx: RefreshContext) -> Built:
    """Download the OA21 → LSOA21 → MSOA21 → LAD22 CSV and reduce it to England's LSOAs."""
    download = ctx.download(
        f"{ctx.settings.ons_hub_base_url}{OA_LOOKUP_PATH}",
        source=SOURCE,
        raw_name="OA21_LSOA21_MSOA21_LAD22_EW_LU.csv",
        params=OA_LOOKUP_PARAMS,
    )
    return Built(reduce_oa_lookup(download.content, download.url), download)


LAD21 = Layer("boundaries_lad21", ("Local_Authority_Districts_December_2021_Boundaries_UK_BGC",),
              "LAD21CD", {"LAD21CD": "area_code", "LAD21NM": "area_name"}, geometry=True)
LAD24 = Layer("boundaries_lad24", ("Local_Authority_Districts_December_2024_Boundaries_UK_BGC",),
              "LAD24CD", {"LAD24CD": "area_code", "LAD24NM": "area_name"}, geometry=True)
REGION = Layer("boundaries_region",
               ("Regions_December_2021_EN_BGC", "Regions_December_2021_EN_BUC"),
               "RGN21CD", {"RGN21CD": "area_code", "RGN21NM": "area_name"}, geometry=True)
MSOA21 = Layer(
    "boundaries_msoa21",
    tuple(f"Middle_layer_Super_Output_Areas_December_2021_Boundaries_EW_{suffix}"
          for suffix in ("BGC_V3", "BSC_V3", "BSC_V2")),
    "MSOA21CD", {"MSOA21CD": "area_code", "MSOA21NM": "area_name"}, geometry=True,
)
LSOA21 = Layer(
    "boundaries_lsoa21",
    tuple(f"Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_{suffix}"
          for suffix in ("BGC_V5", "BSC_V4")),
    "LSOA21CD", {"LSOA21CD": "area_code", "LSOA21NM": "area_name"}, geometry=True,
)
LAD22_REGION = Layer(
    "lookup_lad22_region", ("LAD22_RGN22_EN_LU",), "LAD22CD",
    {"LAD22CD": "lad22_code", "LAD22NM": "lad22_name", "RGN22CD": "region_code",
     "RGN22NM": "region_name"},
)
LSOA21_WARD24 = Layer(
    "lookup_lsoa21_ward24_lad24", ("LSOA21_WD24_LAD24_EW_LU",), "LSOA21CD",
    {"LSOA21CD": "lsoa21_code", "LSOA21NM": "lsoa21_name", "WD24CD": "ward24_code",
     "WD24NM": "ward24_name", "LAD24CD": "lad24_code", "LAD24NM": "lad24_name"},
)
LSOA11_LSOA21 = Layer(
    "lookup_lsoa11_lsoa21", ("LSOA11_LSOA21_LAD22_EW_LU",), "LSOA21CD",
    {"LSOA11CD": "lsoa11_code", "LSOA11NM": "lsoa11_name", "LSOA21CD": "lsoa21_code",
     "LSOA21NM": "lsoa21_name", "CHGIND": "change", "LAD22CD": "lad22_code",
     "LAD22NM": "lad22_name"},
)


def _table(
    name: str, columns: list[str], patterns: dict[str, str], rows: int | None = None,
    min_rows: int = 1, key: tuple[str, ...] | None = None,
) -> TableSpec:
    """A table keyed by its first column unless told; columns with a pattern are codes."""
    return TableSpec(
        name=name, columns={c: "code" if c in patterns else "str" for c in columns},
        key=key or (columns[0],), patterns=patterns, rows=rows, min_rows=min_rows,
    )


def _boundary_spec(
    layer: Layer, title: str, geography: str, pattern: str, rows: str, level: str | None
) -> DatasetSpec:
    return DatasetSpec(
        id=layer.id, source=SOURCE, title=title, vintage=title.rsplit(", ", 1)[1],
        geography=geography, licence=OGL, attribution=ATTRIBUTION,
        table=_table(f"{rows} boundaries", ["area_code", "area_name"], {"area_code": pattern},
                     rows=ENGLAND_ROWS[rows]),
        build=boundaries_builder(layer), level=level,
    )


def _lookup_spec(
    dataset_id: str, title: str, vintage: str, geography: str, table: TableSpec,
    build: Callable[[RefreshContext], Built],
) -> DatasetSpec:
    return DatasetSpec(
        id=dataset_id, source=SOURCE, title=title, vintage=vintage, geography=geography,
        licence=OGL,
        attribution=ATTRIBUTION_NO_OS, table=table, build=build,
    )


DATASETS: tuple[DatasetSpec, ...] = (
    _boundary_spec(LAD21, "Local authority district boundaries (generalised), December 2021",
                   "LAD December 2021, generalised", LAD_CODE, "LAD 2021", "lad"),
    _boundary_spec(LAD24, "Local authority district boundaries (generalised), December 2024",
                   "LAD December 2024", LAD_CODE, "LAD 2024", "lad"),
    _boundary_spec(REGION, "Region boundaries, December 2021", "Regions December 2021",
                   REGION_CODE, "Region", None),
    _boundary_spec(MSOA21, "Middle layer super output area boundaries, December 2021",
                   "MSOA December 2021", MSOA_CODE, "MSOA 2021", "msoa"),
    _boundary_spec(LSOA21, "Lower layer super output area boundaries, December 2021",
                   "LSOA December 2021", LSOA_CODE, "LSOA 2021", "lsoa"),
    _lookup_spec(
        "lookup_lsoa21_msoa21_lad22",
        "LSOA 2021 to MSOA 2021 to local authority district 2022 (exact fit)",
        "Census 2021 areas, LAD 2022", "LSOA 2021",
        _table("LSOA 2021 to MSOA and LAD lookup", list(OA_LOOKUP_COLUMNS.values()),
               {"lsoa21_code": LSOA_CODE, "msoa21_code": MSOA_CODE, "lad22_code": LAD_CODE},
               rows=ENGLAND_ROWS["LSOA 2021"]),
        build_oa_lookup,
    ),
    _lookup_spec(
        "lookup_lad22_region", "Local authority district 2022 to region", "December 2022",
        "LAD 2022",
        _table("LAD 2022 to region lookup", list(LAD22_REGION.fields.values()),
               {"lad22_code": LAD_CODE, "region_code": REGION_CODE},
               rows=ENGLAND_ROWS["LAD 2021"]),
        lookup_builder(LAD22_REGION, ["lad22_code"], keep=districts_only),
    ),
    _lookup_spec(
        "lookup_lsoa21_ward24_lad24", "LSOA 2021 to ward 2024 to local authority district 2024",
        "December 2024", "LSOA 2021",
        _table("LSOA 2021 to ward and LAD 2024 lookup", list(LSOA21_WARD24.fields.values()),
               {"lsoa21_code": LSOA_CODE, "ward24_code": WARD_CODE, "lad24_code": LAD_CODE},
               rows=ENGLAND_ROWS["LSOA 2021"]),
        lookup_builder(LSOA21_WARD24, ["lsoa21_code"]),
    ),
    _lookup_spec(
        "lookup_lsoa11_lsoa21",
        "LSOA 2011 to LSOA 2021 to local authority district 2022, with change indicator",
        "LSOA 2011 to LSOA 2021, LAD 2022", "LSOA 2011 / LSOA 2021",
        # Splits and merges give more rows than either LSOA set (33,855 in England).
        _table("LSOA 2011 to LSOA 2021 lookup", list(LSOA11_LSOA21.fields.values()),
               {"lsoa11_code": LSOA_CODE, "lsoa21_code": LSOA_CODE, "change": r"[USMX]",
                "lad22_code": LAD_CODE}, min_rows=33_000, key=("lsoa11_code", "lsoa21_code")),
        lookup_builder(LSOA11_LSOA21, ["lsoa11_code", "lsoa21_code"]),
    ),
)
"""Every dataset of the Open Geography Portal, boundaries first, then lookups."""
