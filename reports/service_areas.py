"""Service areas: where a member organisation works, as a named set of 2021 LSOAs.

A member defines one from postcodes, wards, districts or LSOAs picked on the map (the
builders of :mod:`reports.service_area_sources` turn each into LSOA codes); this module
checks and stores the codes, lists them by who may see them, and answers which listed
areas cover a place. ``list_in_directory`` is the organisation's consent to appear in the
public directory; an area without it is seen only by its organisation and moderators.
Every change is audited; nothing is deleted (an area is retired instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from reports.areas import AreaDirectory
from reports.audit import Actor, record
from reports.auth import PermissionDenied, require_role
from reports.models import Organisation, ServiceArea, ServiceAreaLsoa
from reports.store import Store
from reports.validation import hidden_characters

MAX_NAME = 200
MAX_LSOAS = 5000
"""A little more than the LSOAs of the largest county: enough for any one organisation."""


class ServiceAreaError(ValueError):
    """The service area could not be stored or changed; the message says why."""


@dataclass(frozen=True)
class ServiceAreaView:
    """One service area: whose, its name, its LSOA 2021 codes (sorted) and its consent."""

    id: int
    organisation_id: int
    organisation: str
    name: str
    lsoa_codes: tuple[str, ...]
    list_in_directory: bool
    created_at: datetime
    retired: bool


def check_lsoa_codes(codes: Iterable[str], directory: AreaDirectory) -> tuple[str, ...]:
    """The distinct LSOA 2021 codes of ``codes``, sorted.

    Raises
    ------
    ServiceAreaError
        No codes, too many, or codes that are not LSOAs the directory knows (named).
    """
    clean = sorted({str(code).strip().upper() for code in codes if str(code).strip()})
    if not clean:
        raise ServiceAreaError("a service area needs at least one neighbourhood (LSOA)")
    if len(clean) > MAX_LSOAS:
        raise ServiceAreaError(f"a service area may have at most {MAX_LSOAS:,} "
                               f"neighbourhoods; this one has {len(clean):,}")
    unknown = [code for code in clean if directory.level_of(code) != "lsoa"]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise ServiceAreaError(f"{len(unknown)} code(s) are not 2021 LSOAs we know: {shown}")
    return tuple(clean)


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise ServiceAreaError(f"give the service area a name of 1 to {MAX_NAME} characters")
    problem = hidden_characters(name)
    if problem:
        raise ServiceAreaError(f"name: {problem}")
    return name


def create_service_area(store: Store, actor: Actor, name: str, lsoa_codes: Iterable[str], *,
                        list_in_directory: bool, directory: AreaDirectory) -> int:
    """Store a service area of the actor's organisation; its id.

    Raises
    ------
    ServiceAreaError
        Bad name or codes, or the organisation has an area of that name already.
    """
    require_role(actor, "member")
    if actor.user_id is None or actor.organisation_id is None:
        raise PermissionDenied("service areas are made by an account of an organisation")
    name = _check_name(name)
    codes = check_lsoa_codes(lsoa_codes, directory)
    now = datetime.now(UTC)
    with store.write() as session:
        taken = session.scalar(select(ServiceArea.id).where(
            ServiceArea.organisation_id == actor.organisation_id,
            func.lower(ServiceArea.name) == name.lower()))
        if taken is not None:
            raise ServiceAreaError(f"your organisation has a service area called {name!r} "
                                   "already; choose another name")
        area = ServiceArea(organisation_id=actor.organisation_id, name=name,
                           list_in_directory=bool(list_in_directory),
                           created_by=actor.user_id, created_at=now)
        session.add(area)
        session.flush()
        session.add_all(ServiceAreaLsoa(service_area_id=area.id, lsoa_code=code)
                        for code in codes)
        record(session, actor, "create", "service_area", area.id,
               {"name": (None, name), "lsoas": (None, len(codes)),
                "list_in_directory": (None, bool(list_in_directory))}, now)
        area_id = area.id
    # its counts join the audited publication (imported here: the publication reads the
    # service areas through this module)
    from reports.publication import after_change

    after_change(store)
    return area_id


def set_directory_listing(store: Store, actor: Actor, service_area_id: int,
                          listed: bool) -> None:
    """Give or take back the consent to list a service area in the public directory."""
    _change(store, actor, service_area_id, "list_in_directory", bool(listed))


def retire_service_area(store: Store, actor: Actor, service_area_id: int) -> None:
    """Stop offering and listing a service area (its activities keep pointing at it)."""
    _change(store, actor, service_area_id, "retired_at", datetime.now(UTC))


def _change(store: Store, actor: Actor, service_area_id: int, field: str,
            value: object) -> None:
    require_role(actor, "member")
    now = datetime.now(UTC)
    with store.write() as session:
        area = session.scalars(select(ServiceArea).where(ServiceArea.id == service_area_id)
                               .with_for_update()).one_or_none()
        if area is None or not _may_change(actor, area):
            raise LookupError(f"there is no service area {service_area_id} you can change")
        old = getattr(area, field)
        if old == value or (field == "retired_at" and old is not None):
            return
        setattr(area, field, value)
        record(session, actor, "update", "service_area", area.id, {field: (old, value)}, now)


def _may_change(actor: Actor, area: ServiceArea) -> bool:
    return actor.role != "member" or area.organisation_id == actor.organisation_id


def list_service_areas(store: Store, actor: Actor, *,
                       include_retired: bool = False) -> list[ServiceAreaView]:
    """The service areas ``actor`` may see (a member: their organisation's; moderators:
    all), by organisation and name."""
    require_role(actor, "member")
    query = _query()
    if actor.role == "member":
        query = query.where(ServiceArea.organisation_id == actor.organisation_id)
    if not include_retired:
        query = query.where(ServiceArea.retired_at.is_(None))
    with store.read() as session:
        return _views(session, query)


def own_service_areas(store: Store, actor: Actor) -> list[ServiceAreaView]:
    """The current service areas of the actor's own organisation (whatever the role)."""
    query = _query().where(ServiceArea.organisation_id == actor.organisation_id,
                           ServiceArea.retired_at.is_(None))
    with store.read() as session:
        return _views(session, query)


def get_service_area(store: Store, service_area_id: int,
                     actor: Actor | None = None) -> ServiceAreaView:
    """One service area: for ``actor`` if they may see it, or for the public (``actor``
    None) if it is listed in the directory and not retired.

    Raises
    ------
    LookupError
        No such area, or not one the caller may see (the two are not told apart).
    """
    with store.read() as session:
        found = _views(session, _query().where(ServiceArea.id == service_area_id))
    area = found[0] if found else None
    if area is None or not _may_see(actor, area):
        raise LookupError(f"there is no service area {service_area_id} you can see")
    return area


def _may_see(actor: Actor | None, area: ServiceAreaView) -> bool:
    if actor is None:
        return area.list_in_directory and not area.retired
    return actor.role != "member" or area.organisation_id == actor.organisation_id


def directory_service_areas(store: Store) -> list[ServiceAreaView]:
    """Every service area its organisation consented to list (not retired), by name."""
    query = _query().where(ServiceArea.list_in_directory.is_(True),
                           ServiceArea.retired_at.is_(None))
    with store.read() as session:
        return _views(session, query)


def all_service_areas(store: Store) -> list[ServiceAreaView]:
    """Every service area, retired too: for aggregates (never shown one by one)."""
    with store.read() as session:
        return _views(session, _query())


def covering(areas: Iterable[ServiceAreaView], lsoa_codes: Iterable[str]
             ) -> list[ServiceAreaView]:
    """The areas that share at least one LSOA with ``lsoa_codes``."""
    wanted = set(lsoa_codes)
    return [area for area in areas if wanted.intersection(area.lsoa_codes)]


def _query() -> Select:
    return (select(ServiceArea, Organisation.name).join(Organisation)
            .order_by(Organisation.name, ServiceArea.name, ServiceArea.id))


def _views(session: Session, query: Select) -> list[ServiceAreaView]:
    rows = session.execute(query).all()
    ids = [area.id for area, _ in rows]
    codes: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        links = session.execute(
            select(ServiceAreaLsoa.service_area_id, ServiceAreaLsoa.lsoa_code)
            .where(ServiceAreaLsoa.service_area_id.in_(ids))
            .order_by(ServiceAreaLsoa.lsoa_code))
        for area_id, code in links:
            codes[area_id].append(code)
    return [ServiceAreaView(area.id, area.organisation_id, organisation, area.name,
                            tuple(codes[area.id]), area.list_in_directory, area.created_at,
                            area.retired_at is not None)
            for area, organisation in rows]
