"""The page registry: every page's title, file, URL path, icon, section and required role.

app.py builds ``st.navigation`` from :data:`PAGES`; nothing else lists pages. A page with a
``role`` is shown only to users holding that role (or a higher one in :data:`ROLES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

ROLES = ("member", "moderator", "admin")
"""Roles in increasing order of rights; a moderator may open every member page."""


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    ``sidebar`` says whether the shared area / level / indicator sidebar applies to it.
    """

    title: str
    path: str
    url_path: str
    icon: str
    section: str
    role: str | None = None
    default: bool = False
    sidebar: bool = True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Map", "views/map.py", "map", ":material/map:", "Explore", default=True),
    PageSpec("Area profile", "views/profile.py", "profile", ":material/description:", "Explore"),
    PageSpec("Trends", "views/trends.py", "trends", ":material/trending_up:", "Explore"),
    PageSpec("Compare", "views/compare.py", "compare", ":material/compare_arrows:", "Explore"),
    PageSpec("Stories", "views/stories.py", "stories", ":material/auto_stories:",
             "Good relations work", sidebar=False),
    PageSpec("Who works where", "views/directory.py", "who-works-where", ":material/groups:",
             "Good relations work", sidebar=False),
    PageSpec("Service area profile", "views/service_area.py", "service-area",
             ":material/home_work:", "Good relations work", sidebar=False),
    PageSpec("Our work", "views/our_work.py", "our-work", ":material/volunteer_activism:",
             "Good relations work", role="member", sidebar=False),
    PageSpec("What changed", "views/effect.py", "what-changed", ":material/difference:",
             "Good relations work", role="member", sidebar=False),
    PageSpec("Submit a report", "views/submit.py", "submit", ":material/edit_note:", "Reports",
             role="member", sidebar=False),
    PageSpec("Moderation", "views/moderation.py", "moderation", ":material/fact_check:",
             "Reports", role="moderator", sidebar=False),
    PageSpec("Downloads", "views/downloads.py", "downloads", ":material/download:", "Data",
             sidebar=False),
    PageSpec("About & methodology", "views/about.py", "about", ":material/info:", "About",
             sidebar=False),
    PageSpec("Data & sources", "views/sources.py", "data", ":material/dataset:", "About",
             sidebar=False),
)


def allowed(spec: PageSpec, role: str | None) -> bool:
    """Whether a user with ``role`` (None: not signed in) may open the page."""
    if spec.role is None:
        return True
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(spec.role)


def build_navigation(role: str | None = None) -> tuple[dict[str, list], dict[str, PageSpec]]:
    """The ``st.navigation`` sections for ``role``, and each page's spec by title."""
    sections: dict[str, list] = {}
    specs: dict[str, PageSpec] = {}
    for spec in PAGES:
        if not allowed(spec, role):
            continue
        page = st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                       default=spec.default)
        sections.setdefault(spec.section, []).append(page)
        specs[spec.title] = spec
    return sections, specs
