"""Streamlit caching around the data layer, so pages answer from memory after first use.

The files on disk are the real cache; these wrappers only spare re-reading them on every
rerun. Reference data keeps for an hour, and a manifest change (a refresh) invalidates it
because the manifest's modification time is part of the cache key.
"""

from __future__ import annotations

import streamlit as st

from data_sources.cache import open_cache
from data_sources.registry import DATASETS
from data_sources.status import StatusRow, cache_status
from settings import get_settings


def manifest_stamp() -> float:
    """When the cache manifest last changed (0 when there is none)."""
    path = get_settings().cache_dir / "manifest.json"
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(ttl=3600, show_spinner=False)
def _status(cache_dir: str, stamp: float) -> list[StatusRow]:
    return cache_status(open_cache(), DATASETS)


def load_status() -> list[StatusRow]:
    """Every dataset's cache state, vintage and provenance."""
    return _status(str(get_settings().cache_dir), manifest_stamp())
