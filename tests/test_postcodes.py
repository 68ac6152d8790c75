"""postcodes.io through the loopback mirror: single and bulk lookups, faults, offline.

The mirror (tests/mirror/postcodes.py) answers from six invented records in
tests/fixtures/mirror/api.postcodes.io/records.json: four in England (one without a grid
reference), one in Wales and one in Scotland.
"""

from __future__ import annotations

import json

import pytest
import requests

from data_sources.errors import OfflineError, SourceFormatError, SourceUnavailableError
from data_sources.postcodes import (
    PostcodeArea,
    lookup_postcode,
    lookup_postcodes,
    normalise_postcode,
)
from settings import get_settings
from tests.mirror import Fault

KNOWN = ["LE1 6RP", "EC2V 7HH", "M1 1AE", "CF10 1EP", "EH1 1YZ", "NE99 1SB"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("  ec1a   1bb ", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("b338th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("dn55\t1pt", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
    ],
)
def test_normalise_postcode_accepts_any_case_and_spacing(typed: str, expected: str) -> None:
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "   ", "hello", "SW1A 1A", "SW1A 1AAA", "12345", "1AA SW1", "SW1A-1AA", None]
)
def test_normalise_postcode_rejects_other_text(typed: str | None) -> None:
    assert normalise_postcode(typed) is None


def test_single_lookup_returns_codes_names_and_coordinates(mirror, mirror_env) -> None:
    area = lookup_postcode("le1 6rp")

    assert area == PostcodeArea(
        postcode="LE1 6RP",
        lsoa_code="E01013571",
        lsoa_name="Leicester 027C",
        msoa_code="E02002812",
        msoa_name="Leicester 027",
        lad_code="E06000016",
        lad_name="Leicester",
        region="East Midlands",
        country="England",
        latitude=52.633581,
        longitude=-1.137402,
    )
    assert area.in_england
    [request] = mirror.requests_to("/postcodes/")
    assert request.method == "GET" and request.path == "/postcodes/LE1 6RP"


def test_single_lookup_of_unknown_postcode_is_none(mirror, mirror_env) -> None:
    assert lookup_postcode("ZZ9 9ZZ") is None
    assert len(mirror.requests_to("/postcodes/ZZ9")) == 1


def test_postcode_without_grid_reference_has_no_coordinates(mirror_env) -> None:
    area = lookup_postcode("NE991SB")

    assert area is not None and area.lad_code == "E08000021"
    assert (area.latitude, area.longitude, area.lsoa_code) == (None, None, None)


@pytest.mark.parametrize("typed", ["not a postcode", "SW1A", ""])
def test_malformed_postcode_raises_before_any_request(mirror, mirror_env, typed: str) -> None:
    with pytest.raises(ValueError, match="is not a UK postcode.*SW1A 1AA"):
        lookup_postcode(typed)
    assert mirror.requests == []


@pytest.mark.parametrize(
    ("postcode", "country", "lad_code"),
    [("cf10 1ep", "Wales", "W06000015"), ("EH11YZ", "Scotland", "S12000036")],
)
def test_postcode_outside_england_is_returned_but_flagged(
    mirror_env, postcode: str, country: str, lad_code: str
) -> None:
    area = lookup_postcode(postcode)

    assert area is not None
    assert (area.country, area.lad_code, area.region) == (country, lad_code, None)
    assert not area.in_england


def test_bulk_of_150_postcodes_takes_two_requests(mirror, mirror_env) -> None:
    unknown = [f"ZZ{n // 10} {n % 10}AB" for n in range(150 - len(KNOWN))]
    typed = [p.lower().replace(" ", "") for p in KNOWN] + unknown

    found = lookup_postcodes(typed)

    posts = mirror.requests_to("/postcodes")
    assert [r.method for r in posts] == ["POST", "POST"]
    assert [len(r.json()["postcodes"]) for r in posts] == [100, 50]
    assert list(found) == KNOWN + [normalise_postcode(p) for p in unknown]
    assert found["LE1 6RP"].lsoa_code == "E01013571"
    assert found["EC2V 7HH"].lad_name == "City of London"
    assert found["CF10 1EP"].in_england is False
    assert all(found[normalise_postcode(p)] is None for p in unknown)


def test_bulk_repeats_are_looked_up_once(mirror, mirror_env) -> None:
    found = lookup_postcodes(["M1 1AE", "m11ae", "ZZ1 1ZZ"])

    assert found == {"M1 1AE": found["M1 1AE"], "ZZ1 1ZZ": None}
    assert found["M1 1AE"].msoa_code == "E02001098"
    [request] = mirror.requests_to("/postcodes")
    assert request.json() == {"postcodes": ["M1 1AE", "ZZ1 1ZZ"]}


def test_bulk_with_a_malformed_postcode_raises_before_any_request(mirror, mirror_env) -> None:
    with pytest.raises(ValueError, match="1 of the postcodes are not UK postcodes.*'nope'"):
        lookup_postcodes(["LE1 6RP", "nope"])
    assert mirror.requests == []


def test_mirror_refuses_more_than_100_postcodes_like_the_real_service(mirror) -> None:
    response = requests.post(
        f"{mirror.url('api.postcodes.io')}/postcodes",
        json={"postcodes": ["LE1 6RP"] * 101},
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith("Too many postcodes submitted. Up to 100")


def test_server_error_then_success_is_retried(mirror, mirror_env) -> None:
    mirror.fault("/postcodes/", 500)

    area = lookup_postcode("M1 1AE")

    assert area is not None and area.lad_code == "E08000003"
    assert len(mirror.requests_to("/postcodes/")) == 2


def test_bulk_server_error_then_success_is_retried(mirror, mirror_env) -> None:
    mirror.fault("/postcodes", 503)

    found = lookup_postcodes(["LE1 6RP"])

    assert found["LE1 6RP"] is not None
    assert len(mirror.requests_to("/postcodes")) == 2


def test_persistent_server_errors_name_the_source_and_url(mirror, mirror_env) -> None:
    mirror.fault("/postcodes/", 500, 500, 500)

    with pytest.raises(SourceUnavailableError, match=r"postcodes\.io: gave up after 3") as err:
        lookup_postcode("M1 1AE")
    assert err.value.url.endswith("/api.postcodes.io/postcodes/M1%201AE")


def test_offline_refuses_without_a_request(mirror, mirror_env, monkeypatch) -> None:
    monkeypatch.setenv("GRA_OFFLINE", "1")
    get_settings.cache_clear()

    with pytest.raises(OfflineError, match="postcodes.io: GRA_OFFLINE=1"):
        lookup_postcode("LE1 6RP")
    with pytest.raises(OfflineError):
        lookup_postcodes(["LE1 6RP"])
    assert mirror.requests == []


def test_answer_that_is_not_json_is_a_format_error(mirror, mirror_env) -> None:
    mirror.fault("/postcodes/", Fault("body", body=b"<html>maintenance</html>"))

    with pytest.raises(SourceFormatError, match="postcodes.io: the answer is not a JSON object"):
        lookup_postcode("LE1 6RP")


def test_bulk_answer_missing_a_postcode_is_a_format_error(mirror, mirror_env) -> None:
    short = {"status": 200, "result": [{"query": "LE1 6RP", "result": None}]}
    mirror.fault("/postcodes", Fault("body", body=json.dumps(short).encode()))

    with pytest.raises(SourceFormatError, match="covers 1 of 2 postcodes; missing e.g. M1 1AE"):
        lookup_postcodes(["LE1 6RP", "M1 1AE"])


def test_plain_404_from_a_wrong_base_url_is_not_taken_for_not_found(
    mirror, mirror_env, monkeypatch
) -> None:
    monkeypatch.setenv("GRA_POSTCODES_BASE_URL", mirror.url("no-such-host.test"))
    get_settings.cache_clear()

    with pytest.raises(SourceUnavailableError, match="HTTP 404 without postcodes.io's JSON"):
        lookup_postcode("LE1 6RP")
