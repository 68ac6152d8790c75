"""Census category labels mapped to our column ids, for Census 2021 and 2011 alike.

Categories are chosen by label, never by code (codes differ between sources and
releases). One keyword classifier places both the 2021 wording (``"Asian, Asian British or
Asian Welsh: Chinese"``) and the 2011 wording (``"Asian/Asian British: Chinese"``) of an
ethnic group on the same column id, and :func:`select_categories` fails clearly on a
category it cannot place or cannot find.
"""

from __future__ import annotations

import re
from collections.abc import Callable

IDS_2021 = (
    "total",
    "asian", "asian_bangladeshi", "asian_chinese", "asian_indian", "asian_pakistani",
    "asian_other",
    "black", "black_african", "black_caribbean", "black_other",
    "mixed", "mixed_white_asian", "mixed_white_black_african", "mixed_white_black_caribbean",
    "mixed_other",
    "white", "white_british", "white_irish", "white_gypsy_traveller", "white_roma",
    "white_other",
    "other", "other_arab", "other_any",
)
IDS_2011 = (
    "total",
    "white", "white_british", "white_irish", "white_gypsy_traveller", "white_other",
    "mixed", "mixed_white_black_caribbean", "mixed_white_black_african", "mixed_white_asian",
    "mixed_other",
    "asian", "asian_indian", "asian_pakistani", "asian_bangladeshi", "asian_chinese",
    "asian_other",
    "black", "black_african", "black_caribbean", "black_other",
    "other", "other_arab", "other_any",
)
BROADS = ("asian", "black", "mixed", "white", "other")

# Words that place a label's broad part, tried in order ("Mixed: White and Asian" is mixed).
BROAD_WORDS: dict[str, str] = {
    "mixed": "mixed multiple", "asian": "asian", "black": "black african caribbean",
    "white": "white", "other": "other",
}
# Words that place the detailed part within each broad group, tried in order ("Northern
# Irish" is British and "Irish Traveller" is Gypsy or Traveller, so Irish comes last).
DETAIL_WORDS: dict[str, dict[str, str]] = {
    "asian": {"asian_other": "other", "asian_bangladeshi": "bangladeshi",
              "asian_chinese": "chinese", "asian_indian": "indian",
              "asian_pakistani": "pakistani"},
    "black": {"black_other": "other", "black_african": "african",
              "black_caribbean": "caribbean"},
    "mixed": {"mixed_other": "other", "mixed_white_black_african": "african",
              "mixed_white_black_caribbean": "caribbean", "mixed_white_asian": "asian"},
    "white": {"white_gypsy_traveller": "gypsy traveller travellers", "white_roma": "roma",
              "white_british": "british english", "white_other": "other",
              "white_irish": "irish"},
    "other": {"other_arab": "arab", "other_any": "any other"},
}

# Builds the error to raise for a problem found in a source's data.
Fail = Callable[[str], Exception]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.casefold()))


def label_parts(label: str) -> list[str]:
    """A category label without its table prefix, split into broad and detailed parts.

    ``"Ethnic group: White: Irish"`` gives ``["White", "Irish"]``; a Nomis bulk 2011 suffix
    ``"; measures: Value"`` is dropped too.
    """
    text = re.sub(r";\s*measures:.*$", "", label.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^ethnic group:\s*", "", text, flags=re.IGNORECASE)
    return [part.strip() for part in text.split(": ")]


def classify_label(label: str) -> str | None:
    """The column id an ethnic-group label counts, or None when it cannot be placed.

    Works on Census 2021 (``"Asian, Asian British or Asian Welsh: Chinese"``) and 2011
    (``"Asian/Asian British: Chinese"``) wordings, with or without the ``"Ethnic group: "``
    prefix, by keywords, so small changes of wording still map.
    """
    parts = label_parts(label)
    head = parts[0].casefold()
    if head == "total" or head.startswith("all categories") or "all usual residents" in head:
        return "total"
    broad = next((b for b, words in BROAD_WORDS.items() if _words(parts[0]) & _words(words)),
                 None)
    if broad is None or len(parts) > 2:
        return None
    if len(parts) == 1:
        return broad
    detail = _words(parts[1])
    return next((cid for cid, words in DETAIL_WORDS[broad].items() if detail & _words(words)),
                None)


def select_categories(labels: list[str], ids: tuple[str, ...], fail: Fail) -> dict[str, str]:
    """Map each of ``ids`` to the one label that counts it.

    Raises
    ------
    SourceFormatError
        (through ``fail``) when a label cannot be placed, two labels mean the same
        category, or a category has no label.
    """
    chosen: dict[str, str] = {}
    unmapped: list[str] = []
    for label in labels:
        cid = classify_label(label)
        if cid is None or cid not in ids:
            unmapped.append(label)
        elif cid in chosen:
            raise fail(f"labels {chosen[cid]!r} and {label!r} both look like {cid}")
        else:
            chosen[cid] = label
    if unmapped:
        raise fail(f"unrecognised ethnic group categor{'y' if len(unmapped) == 1 else 'ies'} "
                   f"{unmapped}; expected only {list(ids)}")
    missing = [cid for cid in ids if cid not in chosen]
    if missing:
        raise fail(f"no category for {missing}; the labels are {labels}")
    return {cid: chosen[cid] for cid in ids}


def slug(text: str) -> str:
    """A column id from a label: lower case, brackets dropped, words joined by ``_``."""
    text = re.sub(r"\([^)]*\)", " ", text)
    return "_".join(re.findall(r"[a-z0-9]+", text.casefold()))
