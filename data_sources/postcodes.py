"""postcodes.io: which LSOA, MSOA and local authority district a postcode lies in.

An on-demand lookup for the report form, not a cached dataset: each call asks
postcodes.io (``GET /postcodes/{postcode}``, or ``POST /postcodes`` with up to 100
postcodes at a time) through :func:`data_sources.http.fetch`, so offline mode, timeouts
and retries behave as they do for every other publisher. Nothing is kept in memory.

GSS codes come from the response's ``codes`` object; names from the top-level fields.
Whether ``codes.lsoa`` is a 2011 or a 2021 LSOA code depends on the ONSPD release the
service has loaded (sources.md §6), so callers joining to 2021 tables should check the
code against the LSOA 2021 list.

Licence: the service is MIT-licensed; its GB data is OS OpenData and ONS data under the
Open Government Licence, and Northern Ireland (``BT``) postcodes fall under the ONSPD
licence (non-commercial use only). See :data:`ATTRIBUTION`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from data_sources.errors import (
    DataSourceError,
    DownloadTooSlow,
    SourceFormatError,
    SourceUnavailableError,
)
from data_sources.http import Fetched, fetch, make_session
from settings import Settings, get_settings

SOURCE = "postcodes.io"
ATTRIBUTION = (
    "Postcode lookups by postcodes.io. "
    "Contains Ordnance Survey data © Crown copyright and database right; "
    "Contains Royal Mail data © Royal Mail copyright and database right; "
    "Contains National Statistics data © Crown copyright and database right."
)
BULK_LIMIT = 100
"""postcodes.io answers 400 to a bulk lookup of more than 100 postcodes."""
NOT_FOUND_ERRORS = frozenset({"Postcode not found", "Invalid postcode"})
"""The ``error`` texts of postcodes.io's 404 answers that mean "no such postcode"."""

_SHAPE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
"""Outward code (area, district, optional sub-district) then inward code (sector, unit)."""


@dataclass(frozen=True)
class PostcodeArea:
    """The statistical and administrative areas a postcode lies in.

    Codes are GSS codes (``E01…`` LSOA, ``E02…`` MSOA, ``E06…``-``E09…`` LAD in England;
    ``W``/``S`` codes elsewhere). Any field may be None where postcodes.io has no value,
    e.g. ``region`` outside England, or coordinates for a postcode without a grid
    reference. Latitude and longitude are WGS84 (EPSG:4326) degrees.
    """

    postcode: str
    lsoa_code: str | None
    lsoa_name: str | None
    msoa_code: str | None
    msoa_name: str | None
    lad_code: str | None
    lad_name: str | None
    region: str | None
    country: str | None
    latitude: float | None
    longitude: float | None

    @property
    def in_england(self) -> bool:
        """True when the postcode is in England, the only country the atlas covers."""
        return self.country == "England"


def normalise_postcode(text: str | None) -> str | None:
    """A postcode in its standard written form, or None when it is not one.

    Parameters
    ----------
    text
        What someone typed: any case, any spacing (``"sw1a1aa"``, ``" SW1A  1AA "``).

    Returns
    -------
    str or None
        Upper case with one space before the three-character inward code
        (``"SW1A 1AA"``), or None when the text does not have the shape of a UK
        postcode. The shape alone is checked: the postcode may still not exist.
    """
    if not text:
        return None
    match = _SHAPE.fullmatch(re.sub(r"\s+", "", text).upper())
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"


def lookup_postcode(
    postcode: str,
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
) -> PostcodeArea | None:
    """Ask postcodes.io which areas one postcode lies in.

    Parameters
    ----------
    postcode
        A UK postcode in any case and spacing.
    settings, session
        The settings (default: the process-wide ones) and HTTP session to use.

    Returns
    -------
    PostcodeArea or None
        The areas, or None when postcodes.io does not know the postcode (for instance
        a mistyped or terminated one). Check :attr:`PostcodeArea.in_england`.

    Raises
    ------
    ValueError
        When ``postcode`` does not look like a UK postcode; no request is made.
    OfflineError
        When ``GRA_OFFLINE=1``.
    SourceUnavailableError
        When postcodes.io cannot be reached, or answers with an unexpected error.
    SourceFormatError
        When the answer is not postcodes.io's published JSON.
    """
    normalised = _require(postcode)
    settings = settings or get_settings()
    url = f"{settings.postcodes_base_url}/postcodes/{quote(normalised)}"
    fetched = fetch(
        url,
        source=SOURCE,
        session=session,
        settings=settings,
        ok_statuses=frozenset({200, 404}),
    )
    body = _json(fetched, url)
    if fetched.status == 404:
        return _not_found(body, url)
    return parse_result(body.get("result"), url)


def lookup_postcodes(
    postcodes: Iterable[str],
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
) -> dict[str, PostcodeArea | None]:
    """Ask postcodes.io about many postcodes, 100 to a request.

    Parameters
    ----------
    postcodes
        UK postcodes in any case and spacing; repeats are looked up once.
    settings, session
        The settings (default: the process-wide ones) and HTTP session to use.

    Returns
    -------
    dict
        Keyed by the normalised postcode (``"SW1A 1AA"``), in first-seen order; the
        value is None for a postcode postcodes.io does not know.

    Raises
    ------
    ValueError
        When any postcode does not look like a UK postcode; no request is made.
    OfflineError, SourceUnavailableError, SourceFormatError
        As :func:`lookup_postcode`.
    """
    wanted = _require_all(postcodes)
    settings = settings or get_settings()
    session = session or make_session()
    found: dict[str, PostcodeArea | None] = {}
    for batch in _batches(wanted, BULK_LIMIT):
        found.update(_lookup_batch(batch, settings, session))
    return {postcode: found[postcode] for postcode in wanted}


@dataclass(frozen=True)
class BulkLookup:
    """What :func:`lookup_postcodes_within` found, and why the rest was not looked up."""

    found: dict[str, PostcodeArea | None]
    """Keyed by normalised postcode; None for a postcode postcodes.io does not know."""
    problem: str | None
    """None when every postcode was looked up."""


def lookup_postcodes_within(
    postcodes: Iterable[str],
    seconds: float,
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
) -> BulkLookup:
    """Look up many postcodes in bulk (100 to a request) within ``seconds`` in all.

    Unlike :func:`lookup_postcodes` this never raises for the service: the first failure,
    or the time running out, stops the look-ups and is returned as ``problem``, with what
    was found before it. Every request (retries included) gets only the time left.

    Raises
    ------
    ValueError
        When any postcode does not look like a UK postcode; no request is made.
    """
    wanted = _require_all(postcodes)
    settings = settings or get_settings()
    session = session or make_session()
    deadline = time.monotonic() + seconds
    ran_out = (f"the {seconds:g} s allowed for postcode look-ups "
               "(GRA_POSTCODE_LOOKUP_SECONDS) ran out")
    found: dict[str, PostcodeArea | None] = {}
    for batch in _batches(wanted, BULK_LIMIT):
        left = deadline - time.monotonic()
        if left <= 0:
            return BulkLookup(found, ran_out)
        try:
            found.update(_lookup_batch(
                batch, settings.model_copy(update={"http_max_seconds": left}), session))
        except DownloadTooSlow:
            return BulkLookup(found, ran_out)
        except DataSourceError as exc:
            return BulkLookup(found, str(exc))
    return BulkLookup(found, None)


def _lookup_batch(batch: list[str], settings: Settings,
                  session: requests.Session) -> dict[str, PostcodeArea | None]:
    url = f"{settings.postcodes_base_url}/postcodes"
    fetched = fetch(url, source=SOURCE, method="POST", json_body={"postcodes": batch},
                    session=session, settings=settings)
    return parse_bulk(_json(fetched, url), batch, url)


def parse_result(result: Any, url: str) -> PostcodeArea:
    """Turn one postcodes.io postcode object into a :class:`PostcodeArea`.

    Raises
    ------
    SourceFormatError
        When ``result`` lacks ``postcode`` or ``codes``.
    """
    if not isinstance(result, dict):
        raise SourceFormatError(SOURCE, url, "the answer holds no postcode object")
    codes = result.get("codes")
    if not isinstance(result.get("postcode"), str) or not isinstance(codes, dict):
        raise SourceFormatError(
            SOURCE, url, "the postcode object lacks its 'postcode' or 'codes' field"
        )
    return PostcodeArea(
        postcode=result["postcode"],
        lsoa_code=codes.get("lsoa"),
        lsoa_name=result.get("lsoa") or result.get("lsoa21"),
        msoa_code=codes.get("msoa"),
        msoa_name=result.get("msoa") or result.get("msoa21"),
        lad_code=codes.get("admin_district"),
        lad_name=result.get("admin_district"),
        region=result.get("region"),
        country=result.get("country"),
        latitude=_number(result.get("latitude")),
        longitude=_number(result.get("longitude")),
    )


def parse_bulk(body: dict, batch: list[str], url: str) -> dict[str, PostcodeArea | None]:
    """Match a bulk answer's ``{"query", "result"}`` items to the postcodes asked for.

    Raises
    ------
    SourceFormatError
        When the answer is not a list of items, or does not answer every postcode.
    """
    items = body.get("result")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SourceFormatError(SOURCE, url, "the bulk answer's 'result' is not a list")
    found: dict[str, PostcodeArea | None] = {}
    for item in items:
        query = normalise_postcode(str(item.get("query") or ""))
        if query in batch:
            result = item.get("result")
            found[query] = None if result is None else parse_result(result, url)
    missing = [postcode for postcode in batch if postcode not in found]
    if missing:
        raise SourceFormatError(
            SOURCE,
            url,
            f"the bulk answer covers {len(batch) - len(missing)} of {len(batch)} postcodes; "
            f"missing e.g. {', '.join(missing[:3])}",
        )
    return found


def _require(postcode: str) -> str:
    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise ValueError(
            f"{postcode!r} is not a UK postcode: expected something like 'SW1A 1AA' "
            "(letters and digits, then a digit and two letters)."
        )
    return normalised


def _require_all(postcodes: Iterable[str]) -> list[str]:
    wanted: dict[str, None] = {}
    bad: list[str] = []
    for postcode in postcodes:
        normalised = normalise_postcode(postcode)
        if normalised is None:
            bad.append(repr(postcode))
        else:
            wanted[normalised] = None
    if bad:
        raise ValueError(
            f"{len(bad)} of the postcodes are not UK postcodes ({', '.join(bad[:5])}"
            f"{', …' if len(bad) > 5 else ''}): expected something like 'SW1A 1AA'."
        )
    return list(wanted)


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _json(fetched: Fetched, url: str) -> dict:
    try:
        body = json.loads(fetched.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = None
    if not isinstance(body, dict):
        if fetched.status == 404:
            raise SourceUnavailableError(
                SOURCE, url, "HTTP 404 without postcodes.io's JSON error: is the base URL right?"
            )
        raise SourceFormatError(SOURCE, url, "the answer is not a JSON object")
    return body


def _not_found(body: dict, url: str) -> None:
    if body.get("error") not in NOT_FOUND_ERRORS:
        raise SourceUnavailableError(
            SOURCE, url, f"HTTP 404 with an unexpected error: {str(body.get('error'))[:200]}"
        )
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None
