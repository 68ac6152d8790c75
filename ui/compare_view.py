"""The Compare page's pieces: check the choice of areas, rank them in England, draw bars.

Pure helpers (pandas and Plotly only), tested with hand-made frames; views/compare.py
lays them out with ``ui.trends_view.render_chart_block`` for chart, table and CSV.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from indicators.benchmarks import ENGLAND, benchmark_of, coverage_label
from indicators.catalogue import Indicator
from indicators.formatting import axis_format, format_with_unit, unit_words
from indicators.formatting import format_value as format_indicator
from indicators.profile import PERIODS
from indicators.rates import format_interval
from indicators.segregation_null import benchmark_verdict
from ui.map_view import format_value, random_placement, rank_values, seg_unit_words

MIN_AREAS, MAX_AREAS = 2, 10
AREAS_KEY, INDICATORS_KEY = "areas", "indicators"
"""The URL keys of the chosen areas and indicators (comma-separated codes and ids)."""
RANDOM_COLUMNS = ["random_expected", "random_low", "random_high", "random_flag",
                  "random_verdict"]
RATE_NOTE = ("Rates give the months behind them and a 95% confidence interval (exact "
             "Poisson limits). 'Significantly higher' or 'lower' than England means England's "
             "figure lies outside the area's interval, 'similar' that it lies inside, as in "
             "Public Health England's Fingertips; England's police rate comes only from the "
             "districts with 12 complete months of police data.")
BAR_COLOUR = "#0072B2"  # Okabe-Ito blue: readable on light and dark backgrounds


def link_codes(value: str | None) -> list[str]:
    """The codes or ids of a comma-separated URL value, in order, without repeats."""
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",")
                              if part.strip()))


def link_value(codes: list[str]) -> str:
    """The URL value of a choice of codes or ids (see :func:`link_codes`)."""
    return ",".join(codes)


def check_selection(codes: list[str]) -> str | None:
    """None when 2 to 10 areas are chosen; otherwise what to do, in plain English."""
    if len(codes) < MIN_AREAS:
        return (f"Choose at least {MIN_AREAS} areas to compare"
                + (" (one more)." if len(codes) == 1 else "."))
    if len(codes) > MAX_AREAS:
        return (f"You chose {len(codes)} areas; compare at most {MAX_AREAS} at a time. "
                f"Remove {len(codes) - MAX_AREAS} to see the comparison.")
    return None


def compute_comparison(rows: pd.DataFrame, codes: list[str], indicators: list[Indicator],
                       benchmarks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Value and rank in England of each chosen area on each indicator, with rates' limits,
    months and residents note, and the region and England figures of the build.

    Parameters
    ----------
    rows
        Every row of the joined dataset at one level (ranks are among all of them).
    codes
        The chosen area codes, in the order to show them.
    indicators
        Catalogue entries of columns of ``rows``.
    benchmarks
        ``joined_benchmarks``: region and England figures, computed once per indicator.

    Returns
    -------
    DataFrame
        One row per indicator and area: indicator, label, area_code, area_name, value,
        lower, upper (95% limits of rates), period (the months behind a rate), unit,
        rank (1 = the worst, or the highest for neutral measures; NA without a value),
        areas_ranked, region, vs_region, england, vs_england, benchmark_note (when region
        or England come from only some areas), residents_note, vintage (for segregation,
        with the small areas it was computed across), source, and for D and isolation what
        random placement gives: random_expected, random_low, random_high, random_flag and
        random_verdict (NA for other indicators).
    """
    parts = []
    chosen = rows.set_index("area_code")

    def column(name: str) -> pd.Series:
        values = chosen[name] if name in chosen.columns else pd.Series(pd.NA, index=chosen.index)
        return values.reindex(codes).reset_index(drop=True)

    region_codes = column("region_code")
    for indicator in indicators:
        ranks = rank_values(rows[indicator.id], indicator.polarity)
        ranks.index = rows["area_code"]
        values = pd.to_numeric(chosen[indicator.id], errors="coerce")
        rate = indicator.unit.startswith("per 10,000")
        region = [benchmark_of(benchmarks, indicator.id, r if pd.notna(r) else None)
                  for r in region_codes]
        england = benchmark_of(benchmarks, indicator.id, ENGLAND)
        notes = "; ".join(dict.fromkeys(n for n in [*(coverage_label(r) for r in region),
                                                   coverage_label(england)] if n))
        shown = values.reindex(codes)
        across = seg_unit_words(rows, indicator)
        part = pd.DataFrame({
            "indicator": indicator.id, "label": indicator.label, "area_code": codes,
            "area_name": chosen["area_name"].reindex(codes).to_numpy(),
            "value": shown.astype("Float64").round(indicator.decimals).to_numpy(),
            "lower": _rounded(column(f"{indicator.id}_lower"), indicator.decimals),
            "upper": _rounded(column(f"{indicator.id}_upper"), indicator.decimals),
            "period": column(PERIODS[indicator.id]).astype("string").to_numpy()
            if indicator.id in PERIODS else pd.NA,
            "unit": indicator.unit, "rank": ranks.reindex(codes).to_numpy(),
            "areas_ranked": int(ranks.notna().sum()),
            "region": [None if r is None else r["value"] for r in region],
            "vs_region": column(f"{indicator.id}_vs_region").astype("string").to_numpy(),
            "england": None if england is None else england["value"],
            "vs_england": column(f"{indicator.id}_vs_england").astype("string").to_numpy(),
            "benchmark_note": notes,
            "residents_note": column("denominator_flag").astype("string").to_numpy()
            if rate else pd.NA,
            "vintage": indicator.vintage + (f", {across}" if across else ""),
            "source": indicator.attribution,
        })
        parts.append(part.join(_random_columns(chosen, codes, indicator, shown)))
    table = pd.concat(parts, ignore_index=True)
    table["rank"] = table["rank"].astype("Int64")
    for name in ("region", "england"):
        table[name] = pd.to_numeric(table[name], errors="coerce").astype("Float64")
    return table


def _rounded(values: pd.Series, decimals: int) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Float64").round(decimals).to_numpy()


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


def compute_wide(long: pd.DataFrame, indicators: dict[str, Indicator]) -> pd.DataFrame:
    """One row per indicator, one column per area: "value unit (rank r of n)", a rate's
    months, 95% interval and comparison with England, and whether a residents note applies;
    then England's figure. Values follow the indicator's formatting rule
    (:mod:`indicators.formatting`)."""
    def cell(row: pd.Series) -> str:
        if pd.isna(row["value"]):
            return "no value"
        indicator = indicators[row["indicator"]]
        places = indicator.decimals
        text = format_with_unit(row["value"], indicator)
        text += (f" (rank {row['rank']:,} of {row['areas_ranked']:,})"
                 if pd.notna(row["rank"]) else "")
        if pd.notna(row.get("period")):
            text += f", {row['period']}"
        interval = format_interval(row.get("lower"), row.get("upper"), places)
        if interval:
            text += f"; {interval}"
        if pd.notna(row.get("vs_england")):
            text += f"; {str(row['vs_england']).lower()} vs England"
        if pd.notna(row.get("residents_note")):
            text += " (see the residents note)"
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
    first = long.drop_duplicates("label").set_index("label")
    if "england" in first.columns:
        wide["England"] = [
            "" if pd.isna(first.at[label, "england"]) else
            format_indicator(first.at[label, "england"], indicators[first.at[label, "indicator"]])
            + (f" ({first.at[label, 'benchmark_note']})" if first.at[label, "benchmark_note"]
               else "")
            for label in wide.index]
    wide["Vintage"] = first["vintage"].reindex(wide.index).to_numpy()
    return wide.reset_index(names="Indicator")


def residents_notes(long: pd.DataFrame) -> dict[str, str]:
    """Area name → its residents note, for the chosen areas that have one."""
    if "residents_note" not in long.columns:
        return {}
    noted = long[long["residents_note"].notna()].drop_duplicates("area_code")
    return dict(zip(noted["area_name"].fillna(noted["area_code"]), noted["residents_note"],
                    strict=True))


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
    """Horizontal bars of one indicator for the chosen areas (no bar where no value), with
    a rate's 95% interval as error bars and England's figure as a dashed line."""
    drawn = part[part["value"].notna()]
    names = drawn["area_name"].fillna(drawn["area_code"])
    value = drawn["value"].astype("float64")
    error = None
    if "upper" in drawn.columns and drawn["upper"].notna().any():
        error = {"type": "data", "symmetric": False, "color": "#333333",
                 "array": (drawn["upper"].astype("float64") - value).to_numpy(),
                 "arrayminus": (value - drawn["lower"].astype("float64")).to_numpy()}
    fig = go.Figure(go.Bar(
        x=value, y=names, orientation="h", marker_color=BAR_COLOUR, error_x=error,
        text=[format_indicator(v, indicator) for v in drawn["value"]],
        textposition="auto",
        hovertemplate=f"%{{y}}: %{{x:{axis_format(indicator)}}}<extra></extra>"))
    england = part["england"].dropna() if "england" in part.columns else part.iloc[0:0]
    if not england.empty:
        fig.add_vline(x=float(england.iloc[0]), line_dash="dash", line_color="#D55E00",
                      annotation_text="England", annotation_position="top")
    fig.update_layout(title={"text": indicator.label, "font": {"size": 16}},
                      height=120 + 36 * max(len(drawn), 1),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, font={"size": 13})
    fig.update_xaxes(title=unit_words(indicator), tickformat=axis_format(indicator))
    fig.update_yaxes(autorange="reversed", title=None)
    return fig
