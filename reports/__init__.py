"""Tension reports: member submissions, moderation, the report database and safe aggregates.

Member organisations submit reports of community tension; moderators review them; the
public (and every indicator and page) sees only the aggregates of :mod:`reports.aggregate`,
with small counts suppressed. Nothing here imports streamlit.
"""
