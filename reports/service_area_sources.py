"""Turning what a member knows about where they work into LSOA 2021 codes.

Four ways, each pure apart from the injected postcode look-up: a list of postcodes (looked
up in bulk), districts or MSOAs (the area directory), wards (the cached LSOA → ward
lookup, :func:`geo.hierarchy.lsoas_of_wards`), or LSOAs picked one by one. Each returns
the codes and, separately, what could not be used, so the page can show both and the
member decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.areas import AreaDirectory, PostcodeBatchResolver
from reports.validation import POSTCODE_SHAPE

MAX_POSTCODES = 2000
_SEPARATORS = re.compile(r"[\n,;]+")


@dataclass(frozen=True)
class Found:
    """LSOA codes found, and one plain-English line per input that gave none."""

    lsoa_codes: list[str]
    problems: list[str] = field(default_factory=list)


def split_postcodes(text: str) -> list[str]:
    """The distinct postcodes of a pasted list (one a line, or separated by commas),
    upper case with single spaces, in first-seen order."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text or ""):
        postcode = " ".join(part.upper().split())
        if postcode:
            seen.setdefault(postcode, None)
    return list(seen)


def lsoas_from_postcodes(text: str, resolve_all: PostcodeBatchResolver,
                         directory: AreaDirectory) -> Found:
    """The LSOAs of a pasted list of postcodes, looked up all at once.

    A postcode that is malformed, unknown, outside England, in an LSOA the directory does
    not know or not looked up (service down, time ran out) becomes a problem line.
    """
    postcodes = split_postcodes(text)
    if not postcodes:
        return Found([], ["Paste at least one postcode, one a line."])
    if len(postcodes) > MAX_POSTCODES:
        return Found([], [f"{len(postcodes):,} postcodes is too many at once; give at most "
                          f"{MAX_POSTCODES:,}."])
    shaped = [p for p in postcodes if POSTCODE_SHAPE.match(p)]
    problems = [f"{p}: not a postcode" for p in postcodes if p not in shaped]
    codes: set[str] = set()
    resolve = resolve_all(shaped) if shaped else None
    for postcode in shaped:
        try:
            lsoa = resolve(postcode)
        except Exception as exc:  # noqa: BLE001 - every failure is a line for the member
            problems.append(f"{postcode}: {exc}")
            continue
        if lsoa is None:
            problems.append(f"{postcode}: no such postcode")
        elif directory.level_of(lsoa) != "lsoa":
            problems.append(f"{postcode}: lies in {lsoa}, which is not an area we know")
        else:
            codes.add(lsoa)
    return Found(sorted(codes), problems)


def lsoas_within(codes: list[str], directory: AreaDirectory) -> Found:
    """The LSOAs of the given districts, MSOAs or LSOAs (each its own LSOAs)."""
    areas = directory.areas
    lsoas = areas[areas["level"] == "lsoa"]
    found: set[str] = set()
    problems = []
    for code in codes:
        level = directory.level_of(code)
        if level not in ("lsoa", "msoa", "lad"):
            problems.append(f"{code}: not a district, MSOA or LSOA we know")
            continue
        inside = lsoas.index[lsoas[f"{level}_code"] == code]
        found.update(str(c) for c in inside)
    return Found(sorted(found), problems)
