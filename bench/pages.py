"""The page rows: map and profile pages in headless Chromium, concurrent sessions, and the
server's memory, all against one ``streamlit run app.py`` on the national cache.

For each page the first visit after the server started (nothing in Streamlit's caches
yet, called "cold") is reported beside the figure, which is the median of the visits
after it ("warm": the server has the tables in memory, the browser its static files, as
for every visitor but the first). The server's own share of a warm visit (page script
run and sent, measured by a websocket client of :mod:`bench.sessions`) is noted beside
it, so that server and browser time can be told apart.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.browser import chromium, click_download, switch_indicator, visit
from bench.common import Context, Row, median, percentile, seconds
from bench.proxy import counting_proxy
from bench.server import AppServer, cpu_seconds, tree_memory
from bench.sessions import rerun_seconds, run_sessions, visit_page

# The Map is the default page: it is served at "/" (its url_path "map" is not routed).
MAP_LAD = ""
MAP_BIRMINGHAM = "?area=E08000025&level=lsoa"
MAP_ENGLAND_LSOA = "?level=lsoa"
# Areas each map must draw: a faster figure with fewer areas drawn is a failure, not a win.
AREAS = {MAP_LAD: 309, MAP_BIRMINGHAM: 659, MAP_ENGLAND_LSOA: 33_755}
SWITCH_TO = ("Income deprivation (IoD 2025): score", "Index of Multiple Deprivation (IoD "
             "2025): score")
KB = 1e3
PROFILE = "profile?area=E06000016"
PROFILE_LAST = "Sources"  # the last heading of the Area profile page
SESSION_PAGES = ("", "?area=E08000025&level=lsoa", "?area=E06000016&level=lsoa",
                 "profile?area=E06000016", "profile?area=E08000025",
                 "trends?area=E06000016", "compare", "about")
MB = 1e6
MARK_LABELS = {"wsOpen": "websocket open", "wsFirst": "first message", "mapScript":
               "map script loaded", "plot": "map element", "wsLast": "last message",
               "done": "areas drawn"}


def _server_seconds(server: AppServer, page: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds the server takes to run and send ``page`` to a
    websocket client (CPU time does not grow with other load on the machine)."""
    times, cpu = [], []
    for _ in range(runs):
        before = cpu_seconds(server.pid)
        result = asyncio.run(visit_page(server.url, page, timeout=120))
        cpu.append(cpu_seconds(server.pid) - before)
        if result.error:
            raise RuntimeError(f"{page or '/'}: {result.error}")
        times.append(result.seconds)
    return median(times), median(cpu)


def _browser_visits(server: AppServer, page: str, warm_runs: int):
    """A cold visit (first after the server started) and ``warm_runs`` warm visits."""
    with counting_proxy(server.url) as (url, counts), chromium() as driver:
        cold = visit(driver, f"{url}/{page}", counts, map_page=True)
        warm = [visit(driver, f"{url}/{page}", counts, map_page=True)
                for _ in range(warm_runs)]
    for timing in (cold, *warm):
        if timing.areas != AREAS[page]:
            raise RuntimeError(f"{page or '/'}: {timing.areas} areas drawn, not "
                               f"{AREAS[page]:,}")
    return cold, warm


def _map_row(ctx: Context, server: AppServer, page: str, what: str, target_s: float,
             command: str, bytes_target_mb: float | None = None) -> Row:
    warm_runs = 1 if ctx.quick else 3
    cold, warm = _browser_visits(server, page, warm_runs)
    drawn = median([t.drawn_ms / 1000 for t in warm])
    server_s, server_cpu = _server_seconds(server, page, 1 if ctx.quick else 2)
    marks = {k: median([t.marks[k] / 1000 for t in warm if t.marks.get(k) is not None])
             for k in warm[-1].marks}
    sent = median([t.bytes_websocket + t.bytes_http for t in warm]) / MB
    figure = f"{seconds(drawn)}"
    passed = drawn < target_s
    target = f"< {target_s:g} s"
    if bytes_target_mb is not None:
        figure += f", {sent:.2f} MB sent"
        target += f", < {bytes_target_mb:g} MB sent"
        passed = passed and sent < bytes_target_mb
    notes = [f"{warm[-1].areas:,} areas drawn (counted in the browser); median of "
             f"{len(warm)} warm visits; cold (first visit after server start) "
             f"{seconds(cold.drawn_ms / 1000)}",
             f"server share: page run and sent in {seconds(server_s)} ({seconds(server_cpu)} "
             "of server CPU) to a websocket client",
             "warm visit, after navigation: " + ", ".join(
                 f"{label} {seconds(marks[key])}" for key, label in MARK_LABELS.items()
                 if key in marks),
             f"bytes to the browser, warm: {median([t.bytes_websocket for t in warm]) / MB:.2f}"
             f" MB websocket (compressed) + {median([t.bytes_http for t in warm]) / MB:.2f} MB "
             f"HTTP; cold visit {(cold.bytes_websocket + cold.bytes_http) / MB:.2f} MB "
             "(with the app's static files and the tiles)"]
    values = {"drawn_s": drawn, "cold_s": cold.drawn_ms / 1000, "server_s": server_s,
              "server_cpu_s": server_cpu, "sent_mb": sent,
              **{f"{k}_s": v for k, v in marks.items()}}
    old = ctx.shared.get("baseline_server")
    if old is not None:
        old_cold, old_warm = _baseline_visits(old, page, warm_runs)
        old_drawn = median([t.drawn_ms / 1000 for t in old_warm])
        old_sent = median([t.bytes_websocket + t.bytes_http for t in old_warm]) / MB
        figure += f" (old {seconds(old_drawn)}: {old_drawn / drawn:.1f}× faster)"
        notes.append(f"old map ({ctx.baseline}, Plotly and GeoJSON through the websocket), "
                     f"same run: {seconds(old_drawn)} warm, {seconds(old_cold.drawn_ms / 1000)} "
                     f"cold, {old_sent:.2f} MB sent warm")
        values.update(old_drawn_s=old_drawn, old_sent_mb=old_sent)
    return Row(what, figure, target, passed, command, notes, values)


def _baseline_visits(server: AppServer, page: str, warm_runs: int):
    with counting_proxy(server.url) as (url, counts), chromium() as driver:
        cold = visit(driver, f"{url}/{page}", counts, map_page=True)
        warm = [visit(driver, f"{url}/{page}", counts, map_page=True)
                for _ in range(max(1, warm_runs - 1))]
    return cold, warm


def map_england_lad(ctx: Context, server: AppServer) -> Row:
    return _map_row(ctx, server, MAP_LAD, "Map page, England by LAD (309 districts), "
                    "navigation to every area drawn (headless Chromium)", 1.0,
                    "python -m bench --only pages")


def map_birmingham(ctx: Context, server: AppServer) -> Row:
    return _map_row(ctx, server, MAP_BIRMINGHAM, "Map page, LSOAs of Birmingham E08000025 "
                    "(659 LSOAs)", 1.0, "python -m bench --only pages")


def map_england_lsoa(ctx: Context, server: AppServer) -> Row:
    return _map_row(ctx, server, MAP_ENGLAND_LSOA, "Map page, all 33,755 LSOAs of England",
                    2.5, "python -m bench --only pages")


def map_switch(ctx: Context, server: AppServer) -> Row:
    """Switching indicator on the open map of all England's LSOAs, by keyboard."""
    runs = 2 if ctx.quick else 4
    with counting_proxy(server.url) as (url, counts), chromium() as driver:
        visit(driver, f"{url}/{MAP_ENGLAND_LSOA}", counts, map_page=True)
        switches = [switch_indicator(driver, SWITCH_TO[n % 2], counts) for n in range(runs)]
    for switch in switches:
        if switch.areas != AREAS[MAP_ENGLAND_LSOA]:
            raise RuntimeError(f"{switch.areas} areas drawn after a switch, not 33,755")
    took = median([s.seconds for s in switches])
    sent = median([s.bytes_websocket + s.bytes_http for s in switches]) / KB
    return Row("Map page, switch indicator on the open map of all 33,755 LSOAs (keypress to "
               "new colours drawn)", f"{seconds(took)}, {sent:.0f} KB sent", "< 0.5 s, < 150 KB",
               took < 0.5 and sent < 150, "python -m bench --only pages",
               [f"median of {runs} switches between two IoD 2025 indicators in the sidebar, by "
                "keyboard; the page reruns and the browser sets each area's colour "
                "(feature-state), no geometry sent; every area counted drawn after each; "
                f"each: {', '.join(seconds(s.seconds) for s in switches)}"],
               {"switch_s": took, "switch_kb": sent})


def map_rerun(ctx: Context, server: AppServer) -> Row:
    """Server time of a rerun of each map page in an open session."""
    runs = 3 if ctx.quick else 10
    times = {page: median(rerun_seconds(server.url, page, runs)) for page in AREAS}
    worst = max(times.values())
    return Row("Map page, server time of a rerun (script run and sent), in an open session",
               f"{seconds(worst)} (slowest: {max(times, key=times.get) or '/'})", "< 100 ms",
               worst < 0.1, "python -m bench --only pages",
               [f"median of {runs} reruns each: " + ", ".join(
                   f"{page or '/'} {seconds(t)}" for page, t in times.items())],
               {"rerun_s": worst})


MAP_ROWS = (map_england_lad, map_birmingham, map_england_lsoa, map_switch, map_rerun)


def profile_row(ctx: Context, server: AppServer) -> Row:
    runs = 1 if ctx.quick else 3
    with tempfile.TemporaryDirectory(prefix="gra-bench-dl-") as folder, \
            chromium(Path(folder)) as driver:
        cold = visit(driver, f"{server.url}/{PROFILE}", ready_text=PROFILE_LAST)
        cold_pdf, _ = click_download(driver, "Download PDF", Path(folder), ".pdf")
        pages, pdfs = [], []
        for _ in range(runs):
            pages.append(visit(driver, f"{server.url}/{PROFILE}",
                               ready_text=PROFILE_LAST).drawn_ms / 1000)
            pdfs.append(click_download(driver, "Download PDF", Path(folder), ".pdf")[0])
    page_s, pdf_s = median(pages), median(pdfs)
    server_s, server_cpu = _server_seconds(server, PROFILE, 1 if ctx.quick else 2)
    return Row("Area profile page (Leicester, E06000016), then its PDF export",
               f"{seconds(page_s)}, PDF {seconds(pdf_s)}", "< 2 s, < 3 s",
               page_s < 2 and pdf_s < 3, "python -m bench --only pages",
               [f"median of {runs} warm visits, each followed by a click on Download PDF "
                f"(click to file complete); cold: page {seconds(cold.drawn_ms / 1000)}, PDF "
                f"{seconds(cold_pdf)}", f"server share of the page: {seconds(server_s)} "
                f"({seconds(server_cpu)} of server CPU)"],
               {"page_s": page_s, "pdf_s": pdf_s, "server_s": server_s})


def sessions_row(ctx: Context, server: AppServer) -> Row:
    """20 sessions on a warm server (every page visited once first, as the other rows'
    warm figures are); the cold first visits of a fresh server are reported beside."""
    duration = 20 if ctx.quick else 60
    cold = [visit for visit in asyncio.run(_first_visits(server.url)) if not visit.error]
    calm = run_sessions(server.url, SESSION_PAGES, sessions=20, duration=duration, think=5)
    stress = run_sessions(server.url, SESSION_PAGES, sessions=20,
                          duration=duration / 2, think=0)
    p50, p95 = median(calm.latencies), percentile(calm.latencies, 95)
    worst = max(calm.by_page().items(), key=lambda item: item[1]["p95"])
    passed = not calm.errors and p95 < 2
    return Row("20 concurrent dashboard sessions (websocket clients), every page answers",
               f"p50 {seconds(p50)}, p95 {seconds(p95)}; {len(calm.visits)} visits, "
               f"{len(calm.errors)} errors", "every page answers, p95 < 2 s", passed,
               "python -m bench --only sessions",
               [f"{len(SESSION_PAGES)} pages (maps of England and two districts, two "
                "profiles, trends, compare, about), each visit a new session; clients "
                f"pause 2.5-7.5 s between visits, for {duration} s",
                f"slowest page {worst[0] or '/'}: p95 {seconds(worst[1]['p95'])}",
                "before the run, each page visited once, one at a time (on a fresh "
                "server, the cold first visits): "
                + ", ".join(f"{visit.page or '/'} {seconds(visit.seconds)}" for visit in cold),
                f"no pauses (saturation), {duration / 2:.0f} s: {len(stress.visits)} visits, "
                f"{len(stress.errors)} errors, p50 {seconds(median(stress.latencies))}, p95 "
                f"{seconds(percentile(stress.latencies, 95))}"],
               {"p50_s": p50, "p95_s": p95, "errors": float(len(calm.errors)),
                "stress_p95_s": percentile(stress.latencies, 95)})


async def _first_visits(url: str) -> list:
    return [await visit_page(url, page, timeout=120) for page in SESSION_PAGES]


def memory_row(ctx: Context, server: AppServer) -> Row:
    # Make sure every heavy page has been loaded, even when run alone.
    for page in (MAP_LAD, MAP_BIRMINGHAM, MAP_ENGLAND_LSOA, "?level=msoa", PROFILE,
                 "trends?area=E06000016", "compare", "downloads"):
        asyncio.run(visit_page(server.url, page, timeout=120))
    memory = tree_memory(server.pid)
    gb = memory["rss"] / 1e9
    return Row("App server memory with all of England loaded (RSS of the server process "
               "and its children)", f"{gb:.2f} GB", "< 1.2 GB RSS", gb < 1.2,
               "python -m bench --only memory",
               [f"after the map (England by LAD, MSOA and LSOA; Birmingham), profile, trends, "
                f"compare and downloads pages and the other page rows; peak RSS "
                f"{memory['peak_rss'] / 1e9:.2f} GB, PSS {memory['pss'] / 1e9:.2f} GB, "
                f"{memory['processes']:.0f} process(es)"],
               {"rss_gb": gb, "peak_rss_gb": memory["peak_rss"] / 1e9})
