"""How well crimes placed by point-in-polygon agree with police.uk's own LSOA codes.

The data.police.uk API gives each crime a (snapped) location but no LSOA code, so the
refresh places crimes in LSOAs by point-in-polygon against the cached LSOA boundaries
(:mod:`data_sources.police`). police.uk's monthly street-level CSV downloads do carry
police.uk's own ``LSOA code`` for each crime. :func:`measure_agreement` places the crimes
of such files the same way and counts, at each level (LSOA, MSOA, district), the share
of located crimes that land in the area police.uk gives them.

Snap points often lie on streets, and streets are often LSOA boundaries, so the detail of
the boundaries matters: with the super-generalised (BSC, 200 m) LSOAs a sixth of the
crimes land in a neighbouring LSOA. The build publishes police figures only at the levels
whose measured agreement, on the boundaries the crimes were placed with, is at least
:data:`MIN_AGREEMENT` (:func:`published_levels`).

police.uk codes may be of the 2011 or the 2021 LSOAs. A 2011 code agrees with a 2021 LSOA
when the ONS lookup pairs them (a split 2011 LSOA agrees with any of its 2021 parts); at
MSOA and district level, when the area holds one of the 2021 LSOAs of the code.

``python -m data_sources police-agreement FILE ...`` measures it and stores the result as
the cached table ``police_placement_agreement``, with the boundary layer it was measured
on; the next build reads it.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from data_sources.cache import Cache, Provenance, now_utc, sha256_of
from data_sources.errors import DataSourceError, NotCachedError
from geo.points import assign_points

DATASET = "police_placement_agreement"
MIN_AGREEMENT = 0.99
"""Police figures are published at a level only when at least this share of crimes agree."""
LEVELS = ("lsoa", "msoa", "lad")
CRIME_TYPES = {"Public order": "public-order", "Anti-social behaviour": "anti-social-behaviour"}
"""The police.uk crime types the atlas publishes (as written in the street CSVs)."""
STREET_COLUMNS = ["Month", "Longitude", "Latitude", "LSOA code", "Crime type"]
COLUMNS = ["level", "crimes", "agreeing", "share", "cells", "cells_differing",
           "boundaries", "resolution", "months", "files"]


def read_street_csv(content: bytes, name: str) -> pd.DataFrame:
    """The public-order and ASB crimes of one police.uk monthly street-level CSV (or .gz).

    Returns
    -------
    DataFrame
        month, latitude, longitude (floats, NA when the crime has no location),
        police_lsoa (police.uk's LSOA code, NA when absent) and category.

    Raises
    ------
    DataSourceError
        When the file is not a police.uk street-level CSV (it names the missing columns).
    """
    if content[:2] == b"\x1f\x8b":
        content = gzip.decompress(content)
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype="string", encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{name}: not a readable CSV ({exc})") from None
    missing = [c for c in STREET_COLUMNS if c not in frame.columns]
    if missing:
        raise DataSourceError(f"{name}: not a police.uk street-level CSV: no column(s) "
                              f"{missing}; it has {list(frame.columns)[:12]}")
    frame = frame[frame["Crime type"].isin(CRIME_TYPES)]
    return pd.DataFrame({
        "month": frame["Month"],
        "latitude": pd.to_numeric(frame["Latitude"], errors="coerce").astype("float64"),
        "longitude": pd.to_numeric(frame["Longitude"], errors="coerce").astype("float64"),
        "police_lsoa": frame["LSOA code"].str.strip().replace("", pd.NA),
        "category": frame["Crime type"].map(CRIME_TYPES),
    }).reset_index(drop=True)


def measure_agreement(crimes: pd.DataFrame, lsoas: gpd.GeoDataFrame,
                      parents: pd.DataFrame, lookup11: pd.DataFrame) -> pd.DataFrame:
    """Share of located crimes placed in police.uk's own LSOA, MSOA and district.

    Parameters
    ----------
    crimes
        From :func:`read_street_csv`: located crimes with police.uk's LSOA code are used;
        those coded outside England (Wales) are left out.
    lsoas
        The cached LSOA 2021 boundaries (``area_code``, ``geometry``).
    parents
        ``lookup_lsoa21_msoa21_lad22`` (lsoa21_code, msoa21_code, lad22_code).
    lookup11
        ``lookup_lsoa11_lsoa21`` (lsoa11_code, lsoa21_code).

    Returns
    -------
    DataFrame
        One row per level: level, crimes, agreeing, share, and for LSOAs the cells
        (LSOA × month) and how many of them differ in count; NA for the other levels.
    """
    used = crimes.dropna(subset=["latitude", "longitude", "police_lsoa"])
    used = used[used["police_lsoa"].str.startswith("E01")].reset_index(drop=True)
    placed = assign_points(used, lsoas)
    pairs = pd.concat([
        lookup11[["lsoa11_code", "lsoa21_code"]].rename(columns={"lsoa11_code": "code"}),
        pd.DataFrame({"code": parents["lsoa21_code"], "lsoa21_code": parents["lsoa21_code"]}),
    ]).drop_duplicates()
    up = parents.set_index("lsoa21_code")[["msoa21_code", "lad22_code"]]
    pairs = pairs.join(up, on="lsoa21_code")
    crime = pd.DataFrame({"code": used["police_lsoa"], "lsoa21_code": placed.to_numpy()})
    crime = crime.join(up, on="lsoa21_code").reset_index(names="crime")
    rows = []
    for level, column in (("lsoa", "lsoa21_code"), ("msoa", "msoa21_code"),
                          ("lad", "lad22_code")):
        allowed = pairs[["code", column]].drop_duplicates()
        hit = crime[["crime", "code", column]].merge(allowed, on=["code", column], how="inner")
        agreeing = hit["crime"].nunique()
        rows.append({"level": level, "crimes": len(used), "agreeing": agreeing,
                     "share": agreeing / len(used) if len(used) else float("nan")})
    rows[0].update(_cells(used, placed, pairs))
    return pd.DataFrame(rows).reindex(columns=COLUMNS[:6])


def _cells(used: pd.DataFrame, placed: pd.Series, pairs: pd.DataFrame) -> dict[str, int]:
    """LSOA-month cells, counted by police.uk's code and by placement, and how many differ.

    Only crimes whose police.uk code maps to one 2021 LSOA are counted (a split 2011 LSOA
    has no single cell to compare with)."""
    single = pairs.groupby("code")["lsoa21_code"].nunique()
    single = single[single == 1].index
    target = pairs[pairs["code"].isin(single)].drop_duplicates("code").set_index("code")
    keep = used["police_lsoa"].isin(single).to_numpy()
    months = used.loc[keep, "month"].to_numpy()
    theirs = pd.Series(1, index=pd.MultiIndex.from_arrays(
        [used.loc[keep, "police_lsoa"].map(target["lsoa21_code"]).to_numpy(), months]))
    ours = pd.Series(1, index=pd.MultiIndex.from_arrays([placed[keep].to_numpy(), months]))
    a, b = theirs.groupby(level=[0, 1]).sum(), ours.dropna().groupby(level=[0, 1]).sum()
    both = pd.concat([a.rename("theirs"), b.rename("ours")], axis=1).fillna(0)
    return {"cells": len(both), "cells_differing": int((both["theirs"] != both["ours"]).sum())}


def boundary_layer(cache: Cache) -> tuple[str, str]:
    """The ArcGIS service and resolution of the cached ``boundaries_lsoa21``."""
    entry = cache.provenance("boundaries_lsoa21")
    notes = entry.notes if entry else []
    service = next((n.split(": ", 1)[1] for n in notes if n.startswith("ArcGIS service: ")),
                   "unknown service")
    resolution = next((n.split(": ", 1)[1] for n in notes if n.startswith("Resolution: ")),
                      "unknown resolution")
    return service, resolution


def placement_note(cache: Cache) -> str:
    """The provenance note of police counts saying which boundaries placed the crimes."""
    service, resolution = boundary_layer(cache)
    return f"Placed in LSOAs by point-in-polygon with {service} ({resolution})"


def check_files(cache: Cache, paths: Iterable[Path]) -> tuple[pd.DataFrame, Provenance]:
    """Measure the agreement on ``paths`` (files or folders of street CSVs) and store it.

    Raises
    ------
    NotCachedError
        When the LSOA boundaries or lookups are not cached.
    DataSourceError
        When no file is given or found, or a file is not a street-level CSV.
    """
    files = sorted({f for p in paths for f in ([p] if p.is_file() else
                    [*p.rglob("*-street.csv"), *p.rglob("*-street.csv.gz")])})
    if not files:
        raise DataSourceError("no police.uk street-level CSV found (files named "
                              "YYYY-MM-<force>-street.csv, or .csv.gz)")
    try:
        lsoas = cache.load_table("boundaries_lsoa21", columns=["area_code", "geometry"])
        parents = cache.load_table("lookup_lsoa21_msoa21_lad22")
        lookup11 = cache.load_table("lookup_lsoa11_lsoa21")
    except NotCachedError as exc:
        raise NotCachedError(f"the agreement is measured on the cached boundaries and "
                             f"lookups ({exc}); run python -m data_sources refresh --source "
                             "geoportal first") from exc
    contents = {f: f.read_bytes() for f in files}
    crimes = pd.concat([read_street_csv(c, f.name) for f, c in contents.items()],
                       ignore_index=True)
    table = measure_agreement(crimes, lsoas, parents, lookup11)
    service, resolution = boundary_layer(cache)
    months = sorted(crimes["month"].dropna().unique())
    table = table.assign(boundaries=service, resolution=resolution,
                         months=f"{months[0]} to {months[-1]}" if months else "",
                         files=len(files))
    digest = sha256_of(b"".join(sha256_of(c).encode() for c in contents.values()))
    provenance = Provenance(
        dataset=DATASET, source="police",
        title="Placement of police.uk crimes in LSOAs checked against police.uk's own codes",
        url=", ".join(f.name for f in files)[:2000], vintage="data.police.uk, as published",
        geography=f"LSOA 2021 ({resolution})", licence="Open Government Licence v3.0",
        attribution="Contains public sector information licensed under the Open Government "
                    "Licence v3.0. Source: data.police.uk.",
        fetched_at=now_utc(), bytes=sum(len(c) for c in contents.values()), sha256=digest,
        notes=agreement_notes(table))
    return table, cache.store_table(table, provenance)


def agreement_notes(table: pd.DataFrame) -> list[str]:
    """Plain-English lines: what was measured on what, level by level."""
    if table.empty:
        return []
    first = table.iloc[0]
    notes = [f"Measured on {int(first['crimes']):,} located public-order and anti-social "
             f"behaviour crimes of {int(first['files'])} police.uk street-level file(s), "
             f"{first['months']}, placed with {first['boundaries']} ({first['resolution']})"]
    for row in table.itertuples():
        notes.append(f"{row.level}: {row.share:.1%} of crimes in police.uk's own area "
                     f"({row.agreeing:,} of {row.crimes:,})")
    if pd.notna(first["cells"]):
        notes.append(f"lsoa: {int(first['cells_differing']):,} of {int(first['cells']):,} "
                     "LSOA-month cells differ in count")
    return notes


def published_levels(agreement: pd.DataFrame | None, placed_with: str | None
                     ) -> tuple[tuple[str, ...], str]:
    """The levels police figures are published at, and why.

    Parameters
    ----------
    agreement
        The cached ``police_placement_agreement`` table, or None.
    placed_with
        The boundary service the police counts were placed with (from their provenance).

    Returns
    -------
    tuple
        The levels (finest first) and a sentence saying why the others are withheld, ""
        when none is.
    """
    if agreement is None or agreement.empty:
        return ("lad",), (
            "crimes are placed in LSOAs by point-in-polygon, and that placement has not "
            "been checked against police.uk's own LSOA codes on this cache, so police "
            "figures are published for districts only; run python -m data_sources "
            "police-agreement with police.uk street-level CSV files to check it")
    measured_on = str(agreement["boundaries"].iloc[0])
    if placed_with is not None and measured_on != placed_with:
        return ("lad",), (
            f"the placement was checked on {measured_on}, but the crimes were placed with "
            f"{placed_with}; police figures are published for districts only until it is "
            "checked again (python -m data_sources police-agreement)")
    shares = agreement.set_index("level")["share"]
    finest = next((lv for lv in LEVELS if shares.get(lv, 0) >= MIN_AGREEMENT), None)
    if finest is None:
        return (), (f"not even districts reach {MIN_AGREEMENT:.0%} agreement with police.uk's "
                    "own LSOA codes; see police_placement_agreement")
    kept = LEVELS[LEVELS.index(finest):]
    if finest == "lsoa":
        return kept, ""
    return kept, (
        f"placing crimes with {measured_on} agrees with police.uk's own LSOA codes for "
        + ", ".join(f"{shares[lv]:.1%} at {lv.upper() if lv != 'lad' else 'district'} level"
                    for lv in LEVELS if lv in shares)
        + f"; police figures are published only where at least {MIN_AGREEMENT:.0%} agree")
