"""What an export's provenance files and ``sources`` sheet say.

An export's ``<name>_provenance.txt`` and ``.json`` list every input dataset with its
URL, fetch time, hash, licence, attribution and notes (NA reasons), under the Open
Government Licence statement and, when boundaries are included, the Ordnance Survey
attribution.  The functions here build that content; :mod:`indicators.writers` writes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import pandas as pd

from data_sources.cache import Provenance, now_utc

if TYPE_CHECKING:
    from indicators.export import AreaFilter
    from indicators.writers import ExportPaths

OGL_STATEMENT = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)
OS_STATEMENT = "Contains OS data © Crown copyright and database right"
_PROVENANCE_FIELDS = ("dataset", "source", "title", "url", "fetched_at", "sha256", "vintage",
                      "geography", "licence", "attribution", "rows", "notes")


def sources_table(provenance: Sequence[Provenance]) -> pd.DataFrame:
    """One row per input dataset: what it is, where from, when, its hash and licence."""
    rows = [{**_provenance_entry(p), "notes": " | ".join(p.notes)} for p in provenance]
    return pd.DataFrame(rows, columns=list(_PROVENANCE_FIELDS))


def _provenance_entry(p: Provenance) -> dict:
    entry = asdict(p)
    return {field: entry[field] for field in _PROVENANCE_FIELDS}


def licence_statements(with_geometry: bool) -> list[str]:
    """The licence statement, and the Ordnance Survey one when boundaries are included."""
    statements = [OGL_STATEMENT]
    if with_geometry:
        statements.append(f"{OS_STATEMENT} {now_utc()[:4]}.")
    return statements


def attributions(provenance: Sequence[Provenance]) -> list[str]:
    """The distinct attributions of the published inputs.

    A derived table's attribution repeats those of its inputs, so it is only used when
    no input is listed.
    """
    published = [p for p in provenance if p.source != "derived"] or list(provenance)
    return list(dict.fromkeys(p.attribution for p in published if p.attribution))


def provenance_record(paths: ExportPaths, level: str, fmt: str, rows: int,
                      provenance: Sequence[Provenance], area_filter: AreaFilter | None,
                      with_geometry: bool, notes: Sequence[str] = ()) -> dict:
    """Everything the provenance files say, as one JSON-ready dictionary."""
    return {
        "export": paths.data.name,
        "created_at": now_utc(),
        "level": level,
        "format": fmt,
        "areas": area_filter.label if area_filter else "England",
        "rows": rows,
        "files": [p.name for p in paths.all()],
        "licence": licence_statements(with_geometry),
        "attribution": attributions(provenance),
        "datasets": [_provenance_entry(p) for p in provenance],
        "notes": list(notes),
    }


def provenance_text(record: dict) -> str:
    """The provenance record as plain text for people."""
    lines = [
        f"Good Relations Atlas export: {record['export']}",
        f"Created {record['created_at']}; level {record['level']}; areas: {record['areas']}; "
        f"{record['rows']:,} rows; format {record['format']}.",
        f"Files: {', '.join(record['files'])}.",
        "",
        "Licence",
        *(f"  {s}" for s in record["licence"]),
        "",
        "Attribution",
        *(f"  - {a}" for a in record["attribution"]),
        "",
        "Input datasets",
    ]
    for d in record["datasets"]:
        lines += [
            f"  {d['dataset']}: {d['title']}",
            f"    URL: {d['url'] or '-'}",
            f"    Fetched at: {d['fetched_at'] or '-'}",
            f"    SHA-256: {d['sha256'] or '-'}",
            f"    Vintage: {d['vintage']}; geography: {d['geography']}",
            f"    Licence: {d['licence']}",
            f"    Attribution: {d['attribution']}",
            *(f"    Note: {n}" for n in d["notes"]),
        ]
    if record["notes"]:
        lines += ["", "Notes", *(f"  - {n}" for n in record["notes"])]
    return "\n".join(lines) + "\n"


def provenance_json(record: dict) -> str:
    """The provenance record as indented JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
