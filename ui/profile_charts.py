"""The Area profile's charts on the page, in Plotly: they follow the reader's light or
dark theme (the PDF and HTML keep their matplotlib images, drawn for paper). Each draws
exactly the table of its :class:`indicators.profile_export.Chart`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from indicators.profile_export import AREA_COLOUR, OTHER_COLOUR, Chart
from ui.trends_view import wrap_title


def chart_figure(chart: Chart) -> go.Figure:
    """The decile chart or the similar-areas chart of ``chart``, by the columns it has."""
    data = chart.data
    if "decile_from_top" in data.columns:
        fig = _deciles(data)
    else:
        fig = _similar(data)
    fig.update_layout(title={"text": wrap_title(chart.title, 60), "x": 0, "xanchor": "left",
                             "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 34}},
                      height=150 + 34 * len(data), margin={"l": 10, "r": 10, "t": 80, "b": 10},
                      showlegend=False, font={"size": 13})
    fig.update_yaxes(autorange="reversed", title=None)
    return fig


def _deciles(data: pd.DataFrame) -> go.Figure:
    # Longer bar = nearer the top of England: 10 for decile 1, 1 for decile 10.
    fig = go.Figure(go.Bar(
        x=11 - data["decile_from_top"], y=data["indicator"], orientation="h",
        marker_color=OTHER_COLOUR, text=data["decile_from_top"], textposition="inside",
        customdata=data[["rank", "of"]],
        hovertemplate="%{y}: decile %{text} (rank %{customdata[0]:,} of "
                      "%{customdata[1]:,})<extra></extra>"))
    fig.update_xaxes(range=[0, 10], tickvals=list(range(1, 11)),
                     ticktext=[str(d) for d in range(10, 0, -1)],
                     title="Decile in England (1 = highest 10% of values, 10 = lowest)")
    return fig


def _similar(data: pd.DataFrame) -> go.Figure:
    drawn = data.dropna(subset=["value"])
    colours = [AREA_COLOUR] + [OTHER_COLOUR] * (len(drawn) - 1)
    fig = go.Figure(go.Bar(x=drawn["value"], y=drawn["area"], orientation="h",
                           marker_color=colours,
                           hovertemplate="%{y}: %{x:,.3f}<extra></extra>"))
    fig.update_xaxes(title=f"{data['indicator'].iloc[0]} (higher = more deprived)")
    return fig
