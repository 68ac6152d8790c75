"""House of Commons Library MSOA names: the neighbourhood names people use for MSOAs.

ONS names an MSOA after its district and a number ("Leicester 012"); the Commons Library
publishes a name for each one that local people would recognise ("Highfields"), for
2021 MSOAs as ``msoanames/MSOA-Names-Latest2.csv`` on houseofcommonslibrary.github.io:
a UTF-8 CSV (with or without a BOM) with the columns ``msoa21cd, msoa21nm, msoa21nmw,
msoa21hclnm, msoa21hclnmw, localauthorityname`` and, in later versions, ``type``.
Optional: the atlas names areas with ONS names without it.
"""

from __future__ import annotations

import io

import pandas as pd

from data_sources.errors import SourceFormatError
from data_sources.refresh import Built, DatasetSpec, RefreshContext
from data_sources.validate import ENGLAND_ROWS, MSOA_CODE, TableSpec

SOURCE = "hocl"
PATH = "/msoanames/MSOA-Names-Latest2.csv"
DATASET_ID = "msoa_names_hocl"
LICENCE = "Open Parliament Licence v3.0"
ATTRIBUTION = ("MSOA names: House of Commons Library. Contains Parliamentary information "
               "licensed under the Open Parliament Licence v3.0; MSOA codes and ONS names: "
               "Office for National Statistics, Open Government Licence v3.0.")
COLUMNS = {"msoa21cd": "msoa21_code", "msoa21nm": "msoa21_name",
           "msoa21hclnm": "msoa21_hcl_name"}


def parse_msoa_names(content: bytes, url: str) -> pd.DataFrame:
    """The English MSOAs' codes, ONS names and Commons Library names.

    Raises
    ------
    SourceFormatError
        When the file is not CSV or lacks one of the columns ``msoa21cd``, ``msoa21nm``
        and ``msoa21hclnm``.
    """
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceFormatError(SOURCE, url, f"expected a UTF-8 CSV file ({exc})") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SourceFormatError(SOURCE, url, f"missing column(s) {missing}; the file has "
                                             f"{list(frame.columns)[:8]}")
    frame = frame[list(COLUMNS)].rename(columns=COLUMNS)
    frame = frame[frame["msoa21_code"].str.startswith("E02", na=False)]
    return frame.assign(msoa21_hcl_name=frame["msoa21_hcl_name"].str.strip()).reset_index(
        drop=True)


def _build(ctx: RefreshContext) -> Built:
    url = f"{ctx.settings.hocl_base_url}{PATH}"
    download = ctx.download(url, source=SOURCE, raw_name="MSOA-Names-Latest2.csv")
    return Built(parse_msoa_names(download.content, download.url), download)


DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id=DATASET_ID,
        source=SOURCE,
        title="MSOA names that people use (House of Commons Library)",
        vintage="MSOA names, latest for 2021 MSOAs",
        geography="MSOA 2021",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        table=TableSpec(
            name="House of Commons Library MSOA names",
            columns={"msoa21_code": "code", "msoa21_name": "str", "msoa21_hcl_name": "str"},
            key=("msoa21_code",),
            patterns={"msoa21_code": MSOA_CODE},
            rows=ENGLAND_ROWS["MSOA 2021"],
        ),
        build=_build,
        optional=True,
    ),
)
