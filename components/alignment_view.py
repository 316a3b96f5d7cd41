"""The alignment tree: one expander per objective, coloured by status, that loads its key
results and aligned objectives only when opened — so a 6,000-objective cycle costs what is
on screen. Rows come from db.queries.alignment frames; the loaders are passed in by the page.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.okr_view import BADGE_COLORS, STATUS_ICONS
from core.enums import Status
from core.formatting import format_age
from core.i18n import N_, _, format_decimal, ngettext
from core.progress import format_progress, mean_progress
from core.status import STATUS_LABELS
from core.text import Markdown, bold, colored, md, md_format, md_join
from db.frames import row_tuples

SHOWN_CHILDREN = 20  # aligned objectives listed under a node before "Show more"
LEVEL_NAMES = {"company": N_("Company"), "team": N_("Team"), "individual": N_("Individual")}

Loader = Callable[[int], pd.DataFrame]


def _count(value) -> str:
    return format_decimal(int(value), 0)


def _progress(value) -> str:
    return format_progress(None if value is None or pd.isna(value) else float(value))


def status_text(status) -> Markdown:
    """The status as coloured Markdown text, e.g. ":orange[At risk]" (never colour alone)."""
    if status is None or pd.isna(status):
        return colored(_("no key results"), "gray")
    status = Status(status)
    return colored(_(STATUS_LABELS[status]), BADGE_COLORS[status])


def node_label(node, show_parent: bool = False) -> Markdown:
    """One line: title, progress, status, team, how many objectives align to it and, out of
    the tree's context (a team's entry points, search results), what it aligns to."""
    parts = [bold(node.title), _progress(node.progress), status_text(node.status)]
    if isinstance(node.team, str):
        parts.append(node.team)
    if node.level == "individual":  # whose it is; team and company ones speak for a team
        parts.append(node.owner_name)
    if node.children:
        parts.append(md_format(_("{count} aligned"), count=_count(node.children)))
    if show_parent and node.level != "company":
        parent = node.parent_title
        parts.append(
            md_format("→ {title}", title=parent)
            if isinstance(parent, str)
            else colored(md_format("→ {text}", text=_("not aligned")), "orange")
        )
    return md_join(" · ", parts)


def _node_icon(node) -> str:
    if node.status is None or pd.isna(node.status):
        return ":material/radio_button_unchecked:"
    return STATUS_ICONS[Status(node.status)]


def kr_lines(krs: pd.DataFrame) -> Markdown:
    """An objective's key results as a Markdown list."""
    lines = []
    for kr in row_tuples(krs):
        days = None if pd.isna(kr.days_since_update) else int(kr.days_since_update)
        lines.append(
            md_format(
                "- {title} — {progress} · {status} · {owner} · {updated}",
                title=kr.title,
                progress=bold(_progress(kr.progress)),
                status=status_text(kr.status),
                owner=kr.owner_name,
                updated=md_format(_("updated {age}"), age=format_age(days)),
            )
        )
    return md_join("\n", lines)


def objective_node(
    node,
    path: str,
    load_children: Loader,
    load_krs: Loader,
    show_parent: bool = False,
) -> None:
    """An objective as a tree node; opening it shows its key results, its own progress, the
    mean progress of the objectives aligned to it, and those objectives as nodes in turn."""
    key = f"align.node.{path}"
    label = node_label(node, show_parent)
    with st.expander(label, key=key, on_change="rerun", icon=_node_icon(node)) as box:
        if box.open:
            node_detail(node, path, load_children, load_krs, show_parent)


def node_detail(node, path: str, load_children: Loader, load_krs: Loader, show_parent) -> None:
    objective_id = int(node.objective_id)
    kids = load_children(objective_id) if node.children else None
    about = [_(LEVEL_NAMES.get(node.level, node.level)), node.owner_name]
    if isinstance(node.team, str):
        about.insert(1, node.team)
    if show_parent or isinstance(node.parent_title, str):
        parent = node.parent_title
        about.append(
            md_format(_("aligned to “{title}”"), title=parent)
            if isinstance(parent, str)
            else _("not aligned")
        )
    st.caption(md_join(" · ", about))
    own = md_format(_("Own progress **{progress}**"), progress=_progress(node.progress))
    if kids is not None and len(kids):
        others = md_format(
            ngettext(
                "{count} aligned objective, mean progress **{progress}**",
                "{count} aligned objectives, mean progress **{progress}**",
                len(kids),
            ),
            count=_count(len(kids)),
            progress=_progress(mean_progress(kids["progress"])),
        )
    else:
        others = md(_("no objectives aligned to it yet"))
    st.markdown(md_join(" · ", [own, others]))
    krs = load_krs(objective_id)
    if krs.empty:
        st.caption(_("No key results yet."))
    else:
        st.markdown(kr_lines(krs))
    if kids is None or kids.empty:
        return
    more_key = f"align.more.{path}"
    shown = st.session_state.get(more_key, SHOWN_CHILDREN)
    for child in row_tuples(kids.head(shown)):
        objective_node(child, f"{path}-{int(child.objective_id)}", load_children, load_krs)
    if len(kids) > shown:
        st.button(
            md_format(
                _("Show {count} more of {rest}"),
                count=_count(min(SHOWN_CHILDREN, len(kids) - shown)),
                rest=_count(len(kids) - shown),
            ),
            key=f"align.more_button.{path}",
            on_click=lambda: st.session_state.update({more_key: shown + SHOWN_CHILDREN}),
            icon=":material/expand_more:",
            type="tertiary",
        )


def group_label(name: str, objectives: int, aligned: int) -> Markdown:
    """A team in the tree: its objectives and how many are aligned to a company objective."""
    if not objectives:
        return md_format(_("**{name}** · no published objectives"), name=name)
    text = md_format(
        ngettext(
            "**{name}** · {count} objective · {share} aligned",
            "**{name}** · {count} objectives · {share} aligned",
            objectives,
        ),
        name=name,
        count=_count(objectives),
        share=format_progress(aligned / objectives),
    )
    orphans = objectives - aligned
    if not orphans:
        return text
    not_aligned = md_format(_("{count} not aligned"), count=_count(orphans))
    return md_join(" · ", [text, colored(not_aligned, "orange")])
