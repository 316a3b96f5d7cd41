"""The pages of the app and who may open them: built once per process, not on every run
(app.py runs on every rerun; a dataclass and a cached function defined there were rebuilt
each time, ~5 % of a busy server's CPU)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import streamlit as st

from core import i18n
from core.enums import Role
from core.i18n import N_, _
from shell.memo import Memo


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str
    section: str
    roles: frozenset[str] = frozenset(Role)
    default: bool = False


PAGE_SPECS = (
    PageSpec("my_okrs.py", N_("My OKRs"), ":material/home:", "my-okrs", N_("OKRs"), default=True),
    PageSpec(
        "log_progress.py", N_("Log progress"), ":material/edit_note:", "log-progress", N_("OKRs")
    ),
    PageSpec("set_goals.py", N_("Set goals"), ":material/flag:", "set-goals", N_("OKRs")),
    PageSpec("dashboard.py", N_("Dashboard"), ":material/monitoring:", "dashboard", N_("Insights")),
    PageSpec(
        "alignment.py", N_("Alignment"), ":material/account_tree:", "alignment", N_("Insights")
    ),
    PageSpec(
        "review.py",
        N_("Review & grade"),
        ":material/grading:",
        "review",
        N_("Insights"),
        frozenset({Role.LEAD, Role.EXECUTIVE, Role.ADMIN}),
    ),
    PageSpec("people.py", N_("People"), ":material/badge:", "people", N_("Insights")),
    PageSpec("kudos.py", N_("Kudos"), ":material/celebration:", "kudos", N_("Recognition")),
    PageSpec(
        "leaderboard.py",
        N_("Leaderboard"),
        ":material/leaderboard:",
        "leaderboard",
        N_("Recognition"),
    ),
    PageSpec("account.py", N_("Account"), ":material/person:", "account", N_("You")),
    PageSpec(
        "admin.py",
        N_("Admin"),
        ":material/admin_panel_settings:",
        "admin",
        N_("Organisation"),
        frozenset({Role.ADMIN}),
    ),
    PageSpec(
        "audit.py",
        N_("Audit log"),
        ":material/history:",
        "audit",
        N_("Organisation"),
        frozenset({Role.ADMIN}),
    ),
    PageSpec(
        "import_export.py",
        N_("Import & export"),
        ":material/import_export:",
        "import-export",
        N_("Organisation"),
        frozenset({Role.ADMIN}),
    ),
)


def pages_for(role: str) -> dict[str, list[st.Page]]:
    """The navigation of a role: only the pages it may use exist for it."""
    language = i18n.current_language()
    templates = _templates.get(f"{role}|{language}", lambda: _page_templates(role))
    # A copy per run: st.navigation marks the page it returns as callable, per session.
    return {section: [copy.copy(page) for page in pages] for section, pages in templates.items()}


# Once per role and language: building an st.Page resolves its file on disk, ~7 % of a busy
# server's CPU when done on every run.
_templates = Memo(64)


def _page_templates(role: str) -> dict[str, list[st.Page]]:
    """The role's pages, titled in the run's language."""
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGE_SPECS:
        if role in spec.roles:
            page = st.Page(
                f"app_pages/{spec.file}",
                title=_(spec.title),
                icon=spec.icon,
                url_path=spec.url_path,
                default=spec.default,
            )
            sections.setdefault(_(spec.section), []).append(page)
    return sections
