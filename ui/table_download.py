"""The one way a table leaves the app: a CSV download built by the shared writer.

Every "Download … (CSV)" button of a page calls :func:`render_table_download`, which
writes the table with :func:`indicators.writers.csv_bytes` (UTF-8 with a byte order mark;
text a spreadsheet would run as a formula, such as ``=HYPERLINK(…)``, ``+cmd|…`` or
``@SUM(…)``, gets a leading apostrophe). Streamlit's own table toolbar download, which
writes cells verbatim, is switched off for the whole app (``client.disableDataExport`` in
``.streamlit/config.toml``). The file is built only when the button is clicked.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.writers import csv_bytes


def render_table_download(label: str, table: pd.DataFrame, file_name: str, *,
                          key: str | None = None) -> None:
    """A download button for ``table`` as a formula-safe CSV named ``file_name``."""
    st.download_button(label, lambda: csv_bytes(table), file_name=file_name, mime="text/csv",
                       on_click="ignore", key=key, icon=":material/download:")
