"""English Indices of Deprivation 2019 and 2025 (MHCLG), from the GOV.UK assets host.

Two files per edition:

* **File 7** (CSV): every LSOA's scores, ranks and deciles for the IMD, its seven domains,
  IDACI, IDAOPI and six sub-domains, plus population denominators. 2019 uses LSOA 2011
  and LAD 2019 codes; 2025 uses LSOA 2021 and LAD 2024.
* **File 10** (xlsx): lower-tier local-authority summaries, one sheet per domain.

Published quirks handled (see shared/docs/sources.md §3): a UTF-8 byte-order mark,
one truncated File 7 header (so columns are matched by prefix, not whole header),
thousands separators in population counts, File 10 headers with trailing spaces, and
the 2019 File 7 living at a ``media`` URL and an older ``attachment_data`` URL (the older
one is tried when the first answers 404). Only the four geography columns and the IMD
score, rank and decile are required; a copy without the other columns loads with a
provenance note naming what it lacks. Rank 1 is the most deprived; decile 1 is the most
deprived 10%.

Parsing lives in :mod:`data_sources.iod_lsoa` (File 7) and
:mod:`data_sources.iod_lad_summary` (File 10); this module holds where each edition's
files are, how they are downloaded and the datasets they make.
"""

from __future__ import annotations

from collections.abc import Callable

from data_sources.errors import SourceUnavailableError
from data_sources.iod_lad_summary import file10_table, parse_file10
from data_sources.iod_lsoa import POPULATIONS, file7_table, parse_file7
from data_sources.iod_parsing import SOURCE, Edition
from data_sources.refresh import OGL, Built, DatasetSpec, Download, RefreshContext

FOUND_OR_MISSING = frozenset({200, 404})

IOD2019 = Edition(
    year=2019,
    lsoa_geography="LSOA 2011",
    lad_geography="LAD 2019",
    file7_paths=(
        "/media/5dc407b440f0b6379a7acc8d/"
        "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
        "/government/uploads/system/uploads/attachment_data/file/845345/"
        "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv",
    ),
    file10_paths=(
        "/media/5d8b3cfbe5274a08be69aa91/"
        "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx",
    ),
    populations=tuple(POPULATIONS),
)
IOD2025 = Edition(
    year=2025,
    lsoa_geography="LSOA 2021",
    lad_geography="LAD 2024",
    file7_paths=(
        "/media/691ded56d140bbbaa59a2a7d/"
        "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
    ),
    file10_paths=(
        "/media/6917412ebc34c86ce4e6e7fc/"
        "File_10_-_IoD2025_Local_Authority_District_Summaries__lower-tier__v2.xlsx",
    ),
    populations=tuple(p for p in POPULATIONS if p != "pop_16_59"),
)


# ---------------------------------------------------------------- downloading and building


def download_first(ctx: RefreshContext, paths: tuple[str, ...], raw_name: str) -> Download:
    """Download the first of ``paths`` on the IoD host that exists; a 404 moves to the next.

    Parameters
    ----------
    ctx
        The refresh context (settings give ``iod_base_url``).
    paths
        The publisher's paths for one file, preferred first.
    raw_name
        The file name kept under ``raw/iod/``.

    Returns
    -------
    Download
        The bytes of the first path that answered 200, with its URL.

    Raises
    ------
    SourceUnavailableError
        When every path answers 404 (the file is not found at the publisher), or on any
        other HTTP error or network failure (no fallback then: that is not a moved file).
    """
    urls = [f"{ctx.settings.iod_base_url}{path}" for path in paths]
    for url in urls:
        fetched = ctx.fetch(url, source=SOURCE, label=raw_name, ok_statuses=FOUND_OR_MISSING)
        if fetched.status == 200:
            return ctx.keep_raw(SOURCE, raw_name, fetched.content, url)
        ctx.log(f"  {raw_name}: HTTP 404 at {url}")
    tried = "" if len(urls) == 1 else f" (also tried {', '.join(urls[:-1])})"
    raise SourceUnavailableError(
        SOURCE, urls[-1], f"HTTP 404 Not Found: {raw_name} was not found at the publisher{tried}"
    )


def file7_builder(edition: Edition) -> Callable[[RefreshContext], Built]:
    """A build function downloading and parsing ``edition``'s File 7."""

    def build(ctx: RefreshContext) -> Built:
        raw_name = edition.file7_paths[0].rsplit("/", 1)[-1]
        download = download_first(ctx, edition.file7_paths, raw_name)
        frame, notes = parse_file7(download.content, download.url, edition)
        if not download.url.endswith(edition.file7_paths[0]):
            notes.append(f"Read from the older address {download.url}: the first one "
                         "answered 404.")
        return Built(frame, download, notes)

    return build


def file10_builder(edition: Edition) -> Callable[[RefreshContext], Built]:
    """A build function downloading and parsing ``edition``'s File 10."""

    def build(ctx: RefreshContext) -> Built:
        raw_name = edition.file10_paths[0].rsplit("/", 1)[-1]
        download = download_first(ctx, edition.file10_paths, raw_name)
        frame, notes = parse_file10(download.content, download.url, edition)
        return Built(frame, download, notes)

    return build


# ---------------------------------------------------------------- datasets


def _lsoa_spec(edition: Edition) -> DatasetSpec:
    return DatasetSpec(
        id=f"iod{edition.year}_lsoa",
        source=SOURCE,
        title=f"Indices of Deprivation {edition.year}: scores, ranks, deciles and population "
        f"denominators by LSOA (File 7)",
        vintage=edition.label,
        geography=edition.lsoa_geography,
        licence=OGL,
        attribution=edition.attribution,
        table=file7_table(edition),
        build=file7_builder(edition),
        level="lsoa",
    )


def _lad_spec(edition: Edition) -> DatasetSpec:
    return DatasetSpec(
        id=f"iod{edition.year}_lad_summary",
        source=SOURCE,
        title=f"Indices of Deprivation {edition.year}: local authority district summaries, "
        "lower tier (File 10)",
        vintage=edition.label,
        geography=edition.lad_geography,
        licence=OGL,
        attribution=edition.attribution,
        table=file10_table(edition),
        build=file10_builder(edition),
        level="lad",
    )


DATASETS: tuple[DatasetSpec, ...] = (
    _lsoa_spec(IOD2019),
    _lsoa_spec(IOD2025),
    _lad_spec(IOD2019),
    _lad_spec(IOD2025),
)
