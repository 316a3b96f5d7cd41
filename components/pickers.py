"""Pickers that stay small however large the organisation: search first, then choose."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.i18n import N_, _
from core.text import md, md_format

NOBODY = N_("— nobody —")


def person_picker(
    label: str,
    key: str,
    options_for: Callable[[str, tuple[int, ...]], dict[int, str]],
    current_id: int | None = None,
    allow_none: bool = True,
) -> int | None:
    """A search box and a select of the matching people (the current choice always listed).
    ``label`` comes translated ("Owner"); the search box is labelled "Search owner"."""
    search = st.text_input(
        md_format(_("Search {label}"), label=label.lower()),
        key=f"{key}.search",
        placeholder=_("Type part of a name, username or email"),
    )
    options = options_for(search, (current_id,) if current_id else ())
    choices: list[int | None] = ([None] if allow_none else []) + list(options)
    index = choices.index(current_id) if current_id in choices else 0
    return st.selectbox(
        md(label),
        choices,
        index=index,
        key=key,
        format_func=lambda pid: _(NOBODY) if pid is None else options[pid],
    )


def id_select(
    label: str,
    key: str,
    names: dict[int, str],
    current_id: int | None,
    allow_none: bool = True,
    none_label: str | None = None,
) -> int | None:
    """A select over a short {id: name} map (teams, cycles), with an optional empty choice.
    ``label`` and ``none_label`` come translated; the empty choice reads "— none —" by default."""
    none_label = _("— none —") if none_label is None else none_label
    choices: list[int | None] = ([None] if allow_none else []) + list(names)
    index = choices.index(current_id) if current_id in choices else 0
    return st.selectbox(
        md(label),
        choices,
        index=index,
        key=key,
        format_func=lambda value: none_label if value is None else names[value],
    )
