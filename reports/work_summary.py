"""What the public may see of members' good relations work, and the directory.

* :func:`work_in_area`: the recorded activities whose service area overlaps a place,
  counted by kind, with the number of organisations and of people reached, every count
  suppressed like tension reports (1–4 as "<5", and further cells as "[c]" so that no
  small count can be worked out from the total): :func:`reports.suppression.suppress`.
* :func:`directory_entries`: the service areas organisations consented to list, with the
  kinds of work they record there, and :func:`entries_covering` to search them by place.
* :func:`filter_stories`: published stories by kind, approach, place and date.

Activity titles, people's numbers of single activities and unlisted service areas are
never part of any of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sqlalchemy import select

from reports.activities import approaches_of
from reports.aggregate import SHOWN
from reports.areas import AreaDirectory
from reports.models import Activity, ServiceAreaLsoa
from reports.service_areas import directory_service_areas
from reports.store import Store
from reports.stories import PublishedStory
from reports.suppression import PUBLISHED, suppress
from reports.taxonomy import KINDS

SUMMARY_COLUMNS = ["measure", "count", "shown"]


def load_recorded_activities(store: Store) -> pd.DataFrame:
    """Recorded activities with the fields aggregates need: id, organisation, kind,
    approaches (tuple), dates, people reached and the LSOAs of their service area."""
    query = select(Activity.id, Activity.organisation_id, Activity.service_area_id,
                   Activity.kind, Activity.start_date, Activity.end_date,
                   Activity.people_reached).where(Activity.status == "recorded")
    with store.read() as session:
        rows = session.execute(query).all()
        approaches = approaches_of(session, [row.id for row in rows])
        areas = {row.service_area_id for row in rows}
        links = session.execute(
            select(ServiceAreaLsoa.service_area_id, ServiceAreaLsoa.lsoa_code)
            .where(ServiceAreaLsoa.service_area_id.in_(sorted(areas)))).all() if areas else []
    lsoas: dict[int, set[str]] = {}
    for area_id, code in links:
        lsoas.setdefault(area_id, set()).add(code)
    frame = pd.DataFrame(rows, columns=["id", "organisation_id", "service_area_id", "kind",
                                        "start_date", "end_date", "people_reached"])
    frame["approaches"] = [approaches.get(i, ()) for i in frame["id"]]
    frame["lsoa_codes"] = [frozenset(lsoas.get(a, ())) for a in frame["service_area_id"]]
    return frame


def work_in_area(activities: pd.DataFrame, lsoa_codes: Iterable[str]) -> pd.DataFrame:
    """Counts of the recorded activities overlapping a place, suppressed.

    Parameters
    ----------
    activities
        :func:`load_recorded_activities`.
    lsoa_codes
        The LSOAs of the place.

    Returns
    -------
    DataFrame
        Rows "All activities", one per kind, "Organisations", "People reached (as
        recorded)" (left out when no activity gave a number); columns measure, count
        (NA when suppressed), shown ("<5", "[c]" or the number). Empty when no activity
        overlaps the place.
    """
    wanted = frozenset(lsoa_codes)
    here = activities[[bool(wanted & codes) for codes in activities["lsoa_codes"]]]
    if here.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    by_kind = here["kind"].value_counts()
    labels = ["All activities", *[k.label for k in KINDS], "Organisations",
              "People reached (as recorded)"]
    values = np.array([len(here), *[int(by_kind.get(k.id, 0)) for k in KINDS],
                       here["organisation_id"].nunique(),
                       int(here["people_reached"].fillna(0).sum())], dtype=np.int64)
    # one relation: all activities = the sum of the kinds
    parts = len(KINDS)
    total_of_kinds = csr_matrix(([1, *[-1] * parts], list(range(1 + parts)), [0, 1 + parts]),
                                shape=(1, len(values)))
    status = suppress(values, total_of_kinds, np.zeros(len(values), dtype=bool))
    published = status == PUBLISHED
    shown = [str(v) if ok else SHOWN[s] for v, ok, s in zip(values, published, status,
                                                            strict=True)]
    table = pd.DataFrame({"measure": labels,
                          "count": pd.array(np.where(published, values, 0), dtype="Int64"),
                          "shown": shown})
    table.loc[~published, "count"] = pd.NA
    if here["people_reached"].isna().all():
        table = table.iloc[:-1]  # no activity gave a number: say nothing rather than 0
    return table


@dataclass(frozen=True)
class DirectoryEntry:
    """A listed service area: its organisation, name, LSOAs and kinds of work there."""

    service_area_id: int
    organisation: str
    service_area: str
    lsoa_codes: tuple[str, ...]
    kinds: tuple[str, ...]


def directory_entries(store: Store, activities: pd.DataFrame) -> list[DirectoryEntry]:
    """Every service area listed with its organisation's consent, with the kinds of work
    (in taxonomy order) of its recorded activities."""
    order = [k.id for k in KINDS]
    kinds = activities.groupby("service_area_id")["kind"].agg(set).to_dict()
    return [DirectoryEntry(area.id, area.organisation, area.name, area.lsoa_codes,
                           tuple(k for k in order if k in kinds.get(area.id, set())))
            for area in directory_service_areas(store)]


def entries_covering(entries: list[DirectoryEntry], lsoa_codes: Iterable[str]
                     ) -> list[DirectoryEntry]:
    """The entries whose service area shares at least one LSOA with the place."""
    wanted = set(lsoa_codes)
    return [entry for entry in entries if wanted.intersection(entry.lsoa_codes)]


def districts_of(lsoa_codes: Iterable[str], directory: AreaDirectory) -> list[str]:
    """The names of the districts the LSOAs lie in, sorted (unknown codes left out)."""
    areas = directory.areas
    known = [code for code in lsoa_codes if code in areas.index]
    lads = areas.loc[known, "lad_code"].dropna().unique()
    return sorted(str(areas.at[code, "area_name"]) for code in lads if code in areas.index)


@dataclass(frozen=True)
class StoryFilter:
    """What a visitor narrowed the stories to; empty means everything."""

    kinds: tuple[str, ...] = ()
    approaches: tuple[str, ...] = ()
    lsoa_codes: frozenset[str] | None = None
    since: date | None = None
    until: date | None = None


def filter_stories(stories: list[PublishedStory], chosen: StoryFilter) -> list[PublishedStory]:
    """The stories matching every part of ``chosen``: kind, any of the approaches, a
    service area overlapping the place, an activity running at some time in the dates."""
    return [story for story in stories
            if (not chosen.kinds or story.kind in chosen.kinds)
            and (not chosen.approaches or set(story.approaches) & set(chosen.approaches))
            and (chosen.lsoa_codes is None or chosen.lsoa_codes & set(story.lsoa_codes))
            and (chosen.until is None or story.start_date <= chosen.until)
            and (chosen.since is None or (story.end_date or date.max) >= chosen.since)]


