"""Fetchers of the public sources, the on-disk cache with provenance, and its command line.

Nothing here imports Streamlit. Pages and indicators read cached tables through
:func:`data_sources.cache.open_cache` and never touch the network themselves.
"""
