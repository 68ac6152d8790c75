"""What a view's link asks for, and what the pages can show instead: pure helpers.

Two cases where the view differs from what was asked, each said in plain English:

- a link (the address bar's ``area``, ``level``, ``indicator``, ``region``) names something
  the cache does not hold: :func:`link_problems` says what could not be found and what is
  shown instead;
- a drill-down (a district clicked on the map) goes to a level where the indicator has
  no values, as for district measures like the index of dissimilarity:
  :func:`finer_counterpart` picks the small-area indicator that shows the same thing
  there, and says why.

Nothing here imports Streamlit (tests/test_view_links.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

_SEGREGATION = re.compile(r"^(?:d|isolation)_(?P<group>[a-z_]+?)(?:_2011|_change)?$")
_DIVERSITY = re.compile(r"^(?:entropy_h|simpson_diversity)(?:_2011|_change)?$")
_DEPRIVATION = re.compile(r"^(?P<domain>[a-z_]+?)_(?:avg_score|avg_rank|pct_most_deprived_10|"
                          r"extent|local_concentration)(?P<year>_2019)?(?:_published)?$")


def finer_counterpart(indicator_id: str, available: Collection[str]) -> tuple[str, str] | None:
    """The indicator of small areas that shows what ``indicator_id`` sums up for districts.

    Parameters
    ----------
    indicator_id
        A district measure (e.g. ``d_asian``, ``entropy_h``, ``imd_avg_score_2019``).
    available
        The indicators with values at the finer level.

    Returns
    -------
    tuple or None
        (indicator id, why in plain English), or None when no counterpart is available.
    """
    segregation = _SEGREGATION.match(indicator_id)
    deprivation = _DEPRIVATION.match(indicator_id)
    candidates: list[tuple[str, str]] = []
    if segregation:
        candidates.append((
            f"lq_{segregation['group']}",
            "it is a measure of a whole district; its small areas show how concentrated "
            "the same group is in each of them compared with the district (the location "
            "quotient), the pattern that dissimilarity and isolation sum up"))
    elif _DIVERSITY.match(indicator_id):
        candidates.append((
            "simpson_diversity",
            "it is a measure of a whole district; its small areas show their own ethnic "
            "diversity (Simpson)"))
    elif deprivation:
        year = deprivation["year"] or ""
        domain = deprivation["domain"]
        why = ("district summaries of deprivation are built from their small areas' "
               "scores; the small areas show their own score")
        candidates += [(f"{domain}_score{year}", why), (f"imd_score{year}", why)]
    return next((c for c in candidates if c[0] in available), None)


def link_problems(asked: Mapping[str, str | None], shown: Mapping[str, str | None],
                  words: Mapping[str, str]) -> list[str]:
    """What a link asked for that could not be found, and what is shown instead.

    Parameters
    ----------
    asked, shown
        The link's ``area``, ``level``, ``indicator`` and ``region``, and the view shown.
    words
        How to name what is shown: ``level`` (e.g. "districts"), ``indicator`` (its label,
        or "" for none).

    Returns
    -------
    list of str
        One sentence per key of the link that was not used, in the order above.
    """
    problems = []
    if asked.get("area") and asked["area"] != shown.get("area"):
        problems.append(f"No area with the code “{asked['area']}” is in the cached data "
                        "(2021 areas of England), so all of England is shown.")
    if asked.get("level") and asked["level"] != shown.get("level"):
        problems.append(f"“{asked['level']}” is not a level of the map (lad, msoa or "
                        f"lsoa), so {words['level']} are shown.")
    if asked.get("indicator") and asked["indicator"] != shown.get("indicator"):
        instead = (f"{words['indicator']} is shown instead" if words.get("indicator")
                   else "no indicator is shown")
        problems.append(f"The indicator “{asked['indicator']}” has no values for "
                        f"{words['level']} in the cached data (or is not one we know), so "
                        f"{instead}.")
    if asked.get("region") and asked["region"] != shown.get("region"):
        problems.append(f"No region with the code “{asked['region']}” is in the cached "
                        "data, so all of England is shown.")
    return problems
