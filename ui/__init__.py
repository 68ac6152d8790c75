"""The Streamlit edge: page registry and cached wrappers of the data layer's loaders.

Everything Streamlit-specific that is shared between pages lives here; data_sources/,
geo/, indicators/ and reports/ never import Streamlit.
"""
