"""The Compare page's pieces: check the choice of areas, rank them in England, draw bars.

Pure helpers (pandas and Plotly only), tested with hand-made frames; views/compare.py
lays them out with ``ui.trends_view.render_chart_block`` for chart, table and CSV.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from indicators.catalogue import Indicator
from indicators.segregation_null import benchmark_verdict
from ui.map_view import format_value, random_placement, rank_values, seg_unit_words

MIN_AREAS, MAX_AREAS = 2, 10
RANDOM_COLUMNS = ["random_expected", "random_low", "random_high", "random_flag",
                  "random_verdict"]
BAR_COLOUR = "#0072B2"  # Okabe-Ito blue: readable on light and dark backgrounds


def check_selection(codes: list[str]) -> str | None:
    """None when 2 to 10 areas are chosen; otherwise what to do, in plain English."""
    if len(codes) < MIN_AREAS:
        return (f"Choose at least {MIN_AREAS} areas to compare"
                + (" (one more)." if len(codes) == 1 else "."))
    if len(codes) > MAX_AREAS:
        return (f"You chose {len(codes)} areas; compare at most {MAX_AREAS} at a time. "
                f"Remove {len(codes) - MAX_AREAS} to see the comparison.")
    return None


def compute_comparison(rows: pd.DataFrame, codes: list[str],
                       indicators: list[Indicator]) -> pd.DataFrame:
    """Value and rank in England of each chosen area on each indicator.

    Parameters
    ----------
    rows
        Every row of the joined dataset at one level (ranks are among all of them).
    codes
        The chosen area codes, in the order to show them.
    indicators
        Catalogue entries of columns of ``rows``.

    Returns
    -------
    DataFrame
        One row per indicator and area: indicator, label, area_code, area_name, value,
        unit, rank (1 = the worst, or the highest for neutral measures; NA without a
        value), areas_ranked, vintage (for segregation, with the small areas it was
        computed across), source, and for D and isolation what random placement gives:
        random_expected, random_low, random_high, random_flag and random_verdict (NA
        for other indicators).
    """
    parts = []
    chosen = rows.set_index("area_code")
    for indicator in indicators:
        ranks = rank_values(rows[indicator.id], indicator.polarity)
        ranks.index = rows["area_code"]
        values = pd.to_numeric(chosen[indicator.id], errors="coerce")
        shown = values.reindex(codes)
        across = seg_unit_words(rows, indicator)
        part = pd.DataFrame({
            "indicator": indicator.id, "label": indicator.label, "area_code": codes,
            "area_name": chosen["area_name"].reindex(codes).to_numpy(),
            "value": shown.astype("Float64").round(indicator.decimals).to_numpy(),
            "unit": indicator.unit, "rank": ranks.reindex(codes).to_numpy(),
            "areas_ranked": int(ranks.notna().sum()),
            "vintage": indicator.vintage + (f", {across}" if across else ""),
            "source": indicator.attribution,
        })
        parts.append(part.join(_random_columns(chosen, codes, indicator, shown)))
    table = pd.concat(parts, ignore_index=True)
    table["rank"] = table["rank"].astype("Int64")
    return table


def _random_columns(chosen: pd.DataFrame, codes: list[str], indicator: Indicator,
                    values: pd.Series) -> pd.DataFrame:
    """What random placement gives for the chosen areas (empty values for other indicators)."""
    placed = random_placement(chosen, indicator)
    out = pd.DataFrame(index=range(len(codes)), columns=RANDOM_COLUMNS, dtype=object)
    if placed is None:
        return out
    placed = placed.reindex(codes).reset_index(drop=True)
    out["random_expected"] = placed["expected"].to_numpy()
    out["random_low"] = placed["low"].to_numpy()
    out["random_high"] = placed["high"].to_numpy()
    out["random_flag"] = placed["random"].to_numpy()
    out["random_verdict"] = [benchmark_verdict(v, lo, hi, n) for v, lo, hi, n in zip(
        values.to_numpy(), placed["low"], placed["high"], placed["residents"], strict=True)]
    return out


def compute_wide(long: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """One row per indicator, one column per area: "value unit (rank r of n)"."""
    def cell(row: pd.Series) -> str:
        if pd.isna(row["value"]):
            return "no value"
        places = decimals[row["indicator"]]
        text = f"{format_value(row['value'], places)} {row['unit']}"
        text += (f" (rank {row['rank']:,} of {row['areas_ranked']:,})"
                 if pd.notna(row["rank"]) else "")
        if isinstance(row.get("random_verdict"), str) and row["random_verdict"]:
            text += (f"; random placement gives {format_value(row['random_expected'], places)}"
                     f" ({format_value(row['random_low'], places)}–"
                     f"{format_value(row['random_high'], places)}): {row['random_verdict']}")
        return text

    shown = long.assign(cell=long.apply(cell, axis=1),
                        column=long["area_name"].fillna(long["area_code"]) + " ("
                        + long["area_code"] + ")")
    wide = shown.pivot(index="label", columns="column", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(long["label"])),
                        columns=list(dict.fromkeys(shown["column"])))
    vintages = long.drop_duplicates("label").set_index("label")["vintage"]
    wide["Vintage"] = vintages.reindex(wide.index).to_numpy()
    return wide.reset_index(names="Indicator")


def random_caveat(part: pd.DataFrame) -> str:
    """A sentence naming the chosen areas whose value cannot be told from random placement
    ('' when none; ``part`` is one indicator's rows of :func:`compute_comparison`)."""
    flagged = part[part["random_flag"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    if flagged.empty:
        return ""
    names = ", ".join(flagged["area_name"].fillna(flagged["area_code"]))
    return (f"Not clearly different from what random placement of the same people gives: "
            f"{names} (see the table). ")


def build_compare_figure(part: pd.DataFrame, indicator: Indicator) -> go.Figure:
    """Horizontal bars of one indicator for the chosen areas (no bar where no value)."""
    drawn = part[part["value"].notna()]
    names = drawn["area_name"].fillna(drawn["area_code"])
    fig = go.Figure(go.Bar(
        x=drawn["value"].astype("float64"), y=names, orientation="h",
        marker_color=BAR_COLOUR,
        text=[format_value(v, indicator.decimals) for v in drawn["value"]],
        textposition="auto",
        hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(title={"text": indicator.label, "font": {"size": 16}},
                      height=120 + 36 * max(len(drawn), 1),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, font={"size": 13})
    fig.update_xaxes(title=indicator.unit)
    fig.update_yaxes(autorange="reversed", title=None)
    return fig
