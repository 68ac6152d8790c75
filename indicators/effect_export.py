"""The bid PDF's section "What we do here and what changed", and its charts.

Drawn with matplotlib (Agg) into PNG bytes like the profile's charts; the section is
written into the profile's PDF by :func:`indicators.profile_export.render_pdf`.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from fpdf import FPDF  # noqa: E402

from indicators.effect_report import (  # noqa: E402
    METHOD,
    EffectReport,
    Measure,
    estimates_table,
)
from indicators.profile_export import AREA_COLOUR, OTHER_COLOUR, Chart, _png  # noqa: E402

SECTION = "What we do here and what changed"


def render_effect_charts(report: EffectReport) -> list[Chart]:
    """One line chart per measure with data: the service area's and its similar areas'
    monthly rates, with the start marked."""
    charts = []
    for measure in report.measures:
        chart = _chart(measure, report)
        if chart is not None:
            charts.append(chart)
    return charts


def _chart(measure: Measure, report: EffectReport) -> Chart | None:
    series = measure.series
    if series.empty or series[["area_rate", "similar_rate"]].isna().all().all():
        return None
    fig, ax = plt.subplots(figsize=(7, 2.6))
    x = list(range(len(series)))
    ax.plot(x, series["area_rate"], marker="o", ms=3, color=AREA_COLOUR,
            label=report.area_name)
    ax.plot(x, series["similar_rate"], marker="s", ms=3, ls="--", color=OTHER_COLOUR,
            label="Similar areas together")
    start = series.index[series["month"] == report.start]
    if len(start):
        ax.axvline(x[series.index.get_loc(start[0])] - 0.5, color="#444", lw=1)
        ax.annotate("start", (x[series.index.get_loc(start[0])] - 0.4, ax.get_ylim()[1]),
                    va="top", fontsize=8)
    ticks = x[::3]
    ax.set_xticks(ticks, [series["month"].iloc[i] for i in ticks], rotation=45, fontsize=7)
    ax.set_ylabel("per 10,000 residents", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    data = series[["month", "period", "area_rate", "similar_rate"]].rename(columns={
        "area_rate": f"{report.area_name} per 10,000", "similar_rate":
        "similar areas per 10,000"})
    return Chart(f"{measure.label.capitalize()} per 10,000 residents a month", _png(fig), data)


def write_effect_section(pdf: FPDF, report: EffectReport, charts: list[Chart]) -> None:
    """The section: the activity, the comparison, each estimate in words, the method and
    what it cannot say; the charts after it."""
    def para(text: str, height: float = 5) -> None:
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    para(SECTION, 7)
    pdf.set_font("DejaVu", size=9)
    para(f"{report.activity} ({report.kind}) in {report.area_name}, from {report.start}. "
         f"Compared with its similar areas: {', '.join(report.similar['area_name'])}.")
    pdf.ln(1)
    for measure in report.measures:
        para("• " + measure.estimate.message)
    pdf.ln(1)
    para(report.caution)
    pdf.ln(1)
    pdf.set_font("DejaVu", size=7)
    table = estimates_table(report).drop(columns=["In words"])
    with pdf.table(col_widths=(40, 22, 24, 30, 64), text_align="LEFT", line_height=4,
                   first_row_as_headings=True) as grid:
        grid.row([str(c) for c in table.columns])
        for row in table.itertuples(index=False):
            grid.row([str(v) for v in row])
    pdf.set_font("DejaVu", size=8)
    pdf.ln(2)
    para("How: " + METHOD, 4)
    for chart in charts:
        if pdf.will_page_break(70):
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 10)
        para(chart.title, 6)
        pdf.image(io.BytesIO(chart.png), w=170)
