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
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from fpdf import FPDF  # noqa: E402
from PIL import Image  # noqa: E402

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
from indicators.profile_terms import GLOSSARY  # noqa: E402

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
class ExportContext:
    """What the exports say beyond the profile itself.

    Attributes
    ----------
    generated : str
        When the file was made, for people ("1 December 2026, 14:05 UTC").
    link : str
        The address of the same view in the dashboard ("" when unknown).
    reports : DataFrame or None
        Approved tension reports by year, suppressed as on the page (columns Year and
        Approved reports); None when the counts could not be read.
    locator : bytes or None
        The locator map as PNG; None when the boundaries are not cached.
    locator_note : str
        Why there is no locator map (or what it shows).
    local_name : str
        The names people use for the area (a Commons Library MSOA name, wards), "" when
        none is cached.
    """

    generated: str
    link: str = ""
    reports: pd.DataFrame | None = None
    locator: bytes | None = None
    locator_note: str = ""
    local_name: str = ""


LOCAL_NAMES_SOURCE = ("Neighbourhood names: House of Commons Library MSOA names (Open "
                      "Parliament Licence v3.0); wards: ONS LSOA to ward lookup, December "
                      "2024 (Open Government Licence v3.0).")


def _local_line(context: ExportContext) -> str:
    return (f"Known locally as: {context.local_name}. {LOCAL_NAMES_SOURCE}"
            if context.local_name else "")


def generated_now() -> str:
    """The current time as the exports state it ("1 December 2026, 14:05 UTC")."""
    return datetime.now(UTC).strftime("%-d %B %Y, %H:%M UTC")


REPORTS_NOTE = ("Approved reports by year of the incident; 1 to 4 are shown as <5 and counts "
                "that would reveal them as [c].")
NO_REPORTS = "No approved tension reports for this area."
REPORTS_UNAVAILABLE = "Report counts are unavailable (the reports database could not be read)."


def reports_text(reports: pd.DataFrame | None) -> str:
    """The sentence above (or instead of) the tension-report table, as on the page."""
    if reports is None:
        return REPORTS_UNAVAILABLE
    return NO_REPORTS if reports.empty else REPORTS_NOTE


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
    """The profile's charts for the PDF and HTML: position in England by decile, and
    similar areas (the page draws the same tables with Plotly, ui/profile_charts.py)."""
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


def source_line(source: Source) -> str:
    """One cited source: title, vintage, fetch date, attribution and licence."""
    return (f"{source.title} ({source.vintage}{_fetched(source)}). {source.attribution} "
            f"Licence: {source.licence}.")


def unavailable_table(profile: Profile) -> pd.DataFrame:
    """The key figures this area has no value for, and why."""
    return pd.DataFrame(profile.unavailable, columns=["Indicator", "Why not available"])


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


def _html_image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _stamp(context: ExportContext) -> str:
    return f"Made by Good Relations Atlas on {context.generated}."


def render_html(profile: Profile, sources: list[Source], charts: list[Chart],
                context: ExportContext | None = None) -> str:
    """One self-contained HTML page: text escaped, charts as embedded PNG images."""
    context = context or ExportContext(generated_now())
    e = html.escape
    link = (f" This view: <a href='{e(context.link)}'>{e(context.link)}</a>"
            if context.link else "")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(profile.area_name)}: area profile</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #999;"
        "padding:.2em .4em;text-align:left}img{max-width:100%}</style></head><body>",
        f"<h1>{e(profile.area_name)}</h1>",
        f"<p>{e(profile.kind)} {e(profile.area_code)}"
        + (f", {e(profile.region_name)}" if profile.region_name else "") + "</p>",
        f"<p>{e(_stamp(context))}{link}</p>",
    ]
    if context.local_name:
        parts.append(f"<p>{e(_local_line(context))}</p>")
    if context.locator:
        parts += ["<h2>Where it is</h2>", _html_image(context.locator, LOCATOR_ALT)]
    parts += ["<h2>Summary</h2><ul>", *[f"<li>{e(s)}</li>" for s in profile.sentences],
              "</ul>", "<h2>Key indicators</h2>",
              f"<p>Rank 1 is the highest value among {e(profile.plural)} in England. "
              f"{e(BENCHMARK_NOTE)}</p>", _html_table(comparison_table(profile))]
    if profile.unavailable:
        parts += ["<h3>Not available for this area</h3>",
                  _html_table(unavailable_table(profile))]
    parts += ["<h2>What the figures mean</h2>", _html_table(profile.definitions),
              "<h3>Glossary</h3><dl>",
              *[f"<dt>{e(term)}</dt><dd>{e(words)}</dd>" for term, words in GLOSSARY],
              "</dl><h3>Editions of the figures</h3><ul>",
              *[f"<li>{e(line)}</li>" for line in profile.editions], "</ul>"]
    if not profile.random_placement.empty:
        parts += ["<h2>Segregation against random placement</h2>",
                  f"<p>{e(random_placement_explanation(profile.seg_unit))}</p>",
                  _html_table(random_placement_display(profile.random_placement))]
    for chart in charts:
        parts += [f"<h3>{e(chart.title)}</h3>", _html_image(chart.png, chart.title),
                  _html_table(chart.data)]
    parts += ["<h2>Similar areas</h2>", f"<p>{e(profile.similar_method)}</p>"]
    similar = _similar_rows(profile)
    parts.append(_html_table(similar) if not similar.empty else f"<p>{NO_SIMILAR}</p>")
    parts += ["<h2>Tension reports</h2>", f"<p>{e(reports_text(context.reports))}</p>"]
    if context.reports is not None and not context.reports.empty:
        parts.append(_html_table(context.reports))
    parts += ["<h2>Sources</h2><ul>", *[f"<li>{e(source_line(s))}</li>" for s in sources],
              "</ul></body></html>"]
    return "\n".join(parts)


# ---------------------------------------------------------------- PDF
LOCATOR_ALT = "Locator map: the area within its region and within England"
NO_SIMILAR = "No similar areas: this area lacks one of the three measures."
KEEP_WITH_HEADING = 30
"""Millimetres of the next block kept on the page of its heading (no orphaned headings)."""


class _ProfilePDF(FPDF):
    stamp = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.cell(0, 8, f"Good Relations Atlas area profile · {self.stamp} · page "
                  f"{self.page_no()}", align="C")

    def para(self, height: float, text: str) -> None:
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str, size: int = 12, keep: float = KEEP_WITH_HEADING) -> None:
        """A heading that starts a new page rather than sit alone at a page's foot."""
        if self.will_page_break(3 + 7 + keep):
            self.add_page()
        else:
            self.ln(3)
        self.set_font("DejaVu", "B", size)
        self.para(7, text)
        self.set_font("DejaVu", size=9)

    def grid(self, table: pd.DataFrame, widths: tuple[int, ...]) -> None:
        self.set_font("DejaVu", size=7)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4,
                        first_row_as_headings=True, repeat_headings=1) as grid:
            grid.row([str(c) for c in table.columns])
            for row in table.itertuples(index=False):
                grid.row([str(v) for v in row])
        self.set_font("DejaVu", size=9)

    def picture(self, png: bytes, title: str, width: float = 170) -> None:
        """An image under its heading, both on one page."""
        with Image.open(io.BytesIO(png)) as image:
            height = width * image.height / image.width
        self.heading(title, keep=height)
        self.image(io.BytesIO(png), w=width)


def _new_pdf(context: ExportContext) -> _ProfilePDF:
    pdf = _ProfilePDF(format="A4")
    pdf.stamp = f"made {context.generated}"
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    return pdf


def render_pdf(profile: Profile, sources: list[Source], charts: list[Chart],
               context: ExportContext | None = None,
               sections: Sequence[Callable[[FPDF], None]] = ()) -> bytes:
    """The profile as an A4 PDF with the locator map and the charts as images.

    ``sections`` write further sections after the tension reports, before the sources (the
    bid's "What we do here and what changed", :mod:`indicators.effect_export`).
    """
    context = context or ExportContext(generated_now())
    pdf = _new_pdf(context)
    pdf.set_font("DejaVu", "B", 18)
    pdf.para(9, profile.area_name)
    pdf.set_font("DejaVu", size=9)
    where = f", {profile.region_name}" if profile.region_name else ""
    pdf.para(5, f"{profile.kind} {profile.area_code}{where}")
    if context.local_name:
        pdf.para(5, _local_line(context))
    pdf.para(5, _stamp(context))
    if context.link:
        pdf.set_text_color(0, 90, 160)
        pdf.multi_cell(0, 5, f"This view in the dashboard: {context.link}", link=context.link,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    if context.locator:
        pdf.picture(context.locator, "Where it is", width=150)
    elif context.locator_note:
        pdf.heading("Where it is", keep=5)
        pdf.para(5, context.locator_note)
    pdf.heading("Summary")
    for sentence in profile.sentences:
        pdf.para(5, "• " + sentence)
    pdf.heading("Key indicators")
    pdf.para(5, f"Rank 1 is the highest value among {profile.plural} in England. "
                f"{BENCHMARK_NOTE}")
    table = comparison_table(profile).drop(columns=["Unit"])
    pdf.grid(*_filled(table, (28, 13, 17, 13, 11, 17, 16, 17, 16, 22, 20)))
    if profile.unavailable:
        pdf.heading("Not available for this area", size=10, keep=12)
        pdf.grid(unavailable_table(profile), (50, 140))
    _pdf_terms(pdf, profile)
    if not profile.random_placement.empty:
        pdf.heading("Segregation against random placement")
        pdf.para(5, random_placement_explanation(profile.seg_unit))
        pdf.ln(1)
        pdf.grid(random_placement_display(profile.random_placement),
                 (28, 16, 24, 12, 16, 22, 52))
    for chart in charts:
        pdf.picture(chart.png, chart.title)
    pdf.heading("Similar areas")
    pdf.para(5, profile.similar_method)
    similar = _similar_rows(profile)
    if similar.empty:
        pdf.para(5, NO_SIMILAR)
    else:
        pdf.ln(1)
        pdf.grid(similar, (50, 30, 50, 20))
    pdf.heading("Tension reports", keep=15)
    pdf.para(5, reports_text(context.reports))
    if context.reports is not None and not context.reports.empty:
        pdf.grid(context.reports, (40, 40))
    for section in sections:
        section(pdf)
    pdf.heading("Sources", keep=15)
    for s in sources:
        pdf.para(4.5, source_line(s))
        pdf.ln(1)
    return bytes(pdf.output())


def _filled(table: pd.DataFrame, widths: tuple[int, ...]) -> tuple[pd.DataFrame, tuple]:
    """The table without its empty columns, the others widened to the same total width."""
    keep = [i for i, c in enumerate(table.columns)
            if i == 0 or table[c].astype(str).str.strip().ne("").any()]
    kept = [widths[i] for i in keep]
    scale = sum(widths) / sum(kept)
    return table.iloc[:, keep], tuple(round(w * scale, 1) for w in kept)


def _pdf_terms(pdf: _ProfilePDF, profile: Profile) -> None:
    """What the figures mean, the glossary and the editions of the figures."""
    pdf.heading("What the figures mean")
    pdf.grid(profile.definitions, (55, 135))
    pdf.heading("Glossary", size=10, keep=15)
    for term, words in GLOSSARY:
        pdf.set_font("DejaVu", "B", 8)
        pdf.write(4.5, f"{term}: ")
        pdf.set_font("DejaVu", size=8)
        pdf.write(4.5, words)
        pdf.ln(5.5)
    pdf.heading("Editions of the figures", size=10, keep=15)
    pdf.set_font("DejaVu", size=8)
    for line in profile.editions:
        pdf.para(4.5, "• " + line)
    pdf.set_font("DejaVu", size=9)
