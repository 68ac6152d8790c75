"""The area profile as a PDF (fpdf2) and as one self-contained HTML file.

Charts are drawn with matplotlib (Agg backend, no display needed) into PNG bytes, embedded
in both exports. The PDF uses DejaVu Sans, which ships with matplotlib, so names with
accents or other non-Latin-1 letters render. Every text in the HTML is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from fpdf import FPDF  # noqa: E402

from indicators.profile import (  # noqa: E402
    BENCHMARK_NOTE,
    Profile,
    comparison_table,
    decile_chart_data,
    similar_chart_data,
)
from indicators.profile_segregation import (  # noqa: E402
    random_placement_display,
    random_placement_explanation,
)

# Okabe-Ito colour-blind-safe colours: the area, then everything else.
AREA_COLOUR, OTHER_COLOUR = "#D55E00", "#0072B2"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@dataclass(frozen=True)
class Source:
    """One dataset the profile's numbers come from, as cited."""

    dataset: str
    title: str
    vintage: str
    licence: str
    attribution: str
    fetched_at: str


@dataclass(frozen=True)
class Chart:
    """A chart as PNG bytes, its title and the table of exactly what it draws."""

    title: str
    png: bytes
    data: pd.DataFrame


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def render_charts(profile: Profile) -> list[Chart]:
    """The profile's charts: position in England by decile, and similar areas."""
    charts = []
    deciles = decile_chart_data(profile)
    if not deciles.empty:
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(deciles) + 1.2))
        # Longer bar = nearer the top of England: 10 for decile 1, 1 for decile 10.
        ax.barh(deciles["indicator"], 11 - deciles["decile_from_top"], color=OTHER_COLOUR)
        ax.invert_yaxis()
        ax.set_xlim(0, 10)
        ax.set_xticks(range(0, 11), [""] + [str(d) for d in range(10, 0, -1)])
        ax.set_xlabel("Decile in England (1 = highest 10% of values, 10 = lowest)")
        for y, d in enumerate(deciles["decile_from_top"]):
            ax.text(11 - d - 0.1, y, str(d), va="center", ha="right", color="white",
                    fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        charts.append(Chart(f"Where {profile.area_name} stands in England", _png(fig),
                            deciles))
    similar = similar_chart_data(profile).dropna(subset=["value"])
    if not similar.empty:
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(similar) + 1.2))
        colours = [AREA_COLOUR] + [OTHER_COLOUR] * (len(similar) - 1)
        ax.barh(similar["area"], similar["value"], color=colours)
        ax.invert_yaxis()
        ax.set_xlabel(str(similar["indicator"].iloc[0]) + " (higher = more deprived)")
        ax.spines[["top", "right"]].set_visible(False)
        charts.append(Chart(f"{profile.area_name} and similar {profile.plural}: deprivation",
                            _png(fig), similar))
    return charts


def _fetched(source: Source) -> str:
    return f"; fetched {source.fetched_at[:10]}" if source.fetched_at else ""


def _similar_rows(profile: Profile) -> pd.DataFrame:
    if profile.similar.empty:
        return pd.DataFrame()
    return pd.DataFrame({"Area": profile.similar["area_name"],
                         "Code": profile.similar["area_code"],
                         "Region": profile.similar["region_name"].fillna(""),
                         "Distance": profile.similar["distance"].map(lambda d: f"{d:.2f}")})


# ---------------------------------------------------------------- HTML
def _html_table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(profile: Profile, sources: list[Source], charts: list[Chart]) -> str:
    """One self-contained HTML page: text escaped, charts as embedded PNG images."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(profile.area_name)}: area profile</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #999;"
        "padding:.2em .4em;text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{e(profile.area_name)}</h1>",
        f"<p>{e(profile.noun.capitalize())} {e(profile.area_code)}"
        + (f", {e(profile.region_name)}" if profile.region_name else "") + "</p>",
        "<h2>Summary</h2><ul>",
        *[f"<li>{e(s)}</li>" for s in profile.sentences], "</ul>",
        "<h2>Key indicators</h2>",
        f"<p>Rank 1 is the highest value among {e(profile.plural)} in England. "
        f"{e(BENCHMARK_NOTE)}</p>",
        _html_table(comparison_table(profile)),
    ]
    if not profile.random_placement.empty:
        parts += ["<h2>Segregation against random placement</h2>",
                  f"<p>{e(random_placement_explanation(profile.seg_unit))}</p>",
                  _html_table(random_placement_display(profile.random_placement))]
    for chart in charts:
        data = base64.b64encode(chart.png).decode("ascii")
        parts += [f"<h3>{e(chart.title)}</h3>",
                  f"<img alt='{e(chart.title)}' src='data:image/png;base64,{data}'>",
                  _html_table(chart.data)]
    parts += ["<h2>Similar areas</h2>", f"<p>{e(profile.similar_method)}</p>"]
    similar = _similar_rows(profile)
    parts.append(_html_table(similar) if not similar.empty else
                 "<p>No similar areas: this area lacks one of the three measures.</p>")
    parts += ["<h2>Sources</h2><ul>"]
    for s in sources:
        parts.append(f"<li>{e(s.title)} ({e(s.vintage)}{e(_fetched(s))}). "
                     f"{e(s.attribution)} Licence: {e(s.licence)}.</li>")
    parts += ["</ul></body></html>"]
    return "\n".join(parts)


# ---------------------------------------------------------------- PDF
class _ProfilePDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.cell(0, 8, f"Good Relations Atlas area profile · page {self.page_no()}",
                  align="C")


def _para(pdf: FPDF, height: float, text: str) -> None:
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _pdf_table(pdf: FPDF, table: pd.DataFrame, widths: tuple[int, ...]) -> None:
    pdf.set_font("DejaVu", size=7)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4,
                   first_row_as_headings=True) as grid:
        grid.row([str(c) for c in table.columns])
        for row in table.itertuples(index=False):
            grid.row([str(v) for v in row])


def render_pdf(profile: Profile, sources: list[Source], charts: list[Chart],
               sections: Sequence[Callable[[FPDF], None]] = ()) -> bytes:
    """The profile as an A4 PDF with the charts as images.

    ``sections`` write further sections after the similar areas, before the sources (the
    bid's "What we do here and what changed", :mod:`indicators.effect_export`).
    """
    pdf = _ProfilePDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    _para(pdf, 9, profile.area_name)
    pdf.set_font("DejaVu", size=9)
    where = f", {profile.region_name}" if profile.region_name else ""
    _para(pdf, 5, f"{profile.noun.capitalize()} {profile.area_code}{where}")

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        _para(pdf, 7, text)
        pdf.set_font("DejaVu", size=9)

    heading("Summary")
    for sentence in profile.sentences:
        _para(pdf, 5, "• " + sentence)
    heading("Key indicators")
    _para(pdf, 5, f"Rank 1 is the highest value among {profile.plural} in England. "
                  f"{BENCHMARK_NOTE}")
    table = comparison_table(profile).drop(columns=["Unit"])
    _pdf_table(pdf, table, (28, 13, 17, 13, 11, 17, 16, 17, 16, 22, 20))
    if not profile.random_placement.empty:
        heading("Segregation against random placement")
        _para(pdf, 5, random_placement_explanation(profile.seg_unit))
        pdf.ln(1)
        _pdf_table(pdf, random_placement_display(profile.random_placement),
                   (28, 16, 24, 12, 16, 22, 52))
    for chart in charts:
        rows = len(chart.data)
        if pdf.will_page_break(20 + 6 * rows):  # keep a chart's title with its image
            pdf.add_page()
        heading(chart.title)
        pdf.image(io.BytesIO(chart.png), w=170)
    heading("Similar areas")
    _para(pdf, 5, profile.similar_method)
    similar = _similar_rows(profile)
    if similar.empty:
        _para(pdf, 5, "No similar areas: this area lacks one of the three measures.")
    else:
        pdf.ln(1)
        _pdf_table(pdf, similar, (50, 30, 50, 20))
    for section in sections:
        section(pdf)
    heading("Sources")
    for s in sources:
        _para(pdf, 4.5, f"{s.title} ({s.vintage}{_fetched(s)}). "
                               f"{s.attribution} Licence: {s.licence}.")
        pdf.ln(1)
    return bytes(pdf.output())
