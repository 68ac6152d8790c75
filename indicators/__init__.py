"""Indicators of community relations computed from the cached public data.

Every module here holds pure functions on pandas DataFrames: no I/O, no Streamlit.
``segregation`` computes segregation, diversity and location quotients of ethnic
groups from Census counts of small areas.
"""
