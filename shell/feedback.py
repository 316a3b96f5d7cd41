"""Confirmations that survive the rerun after a write.

A toast sent just before st.rerun() often never reaches the browser; the message is kept in
the session instead and shown by app.py at the start of the next run.
"""

from __future__ import annotations

import streamlit as st

from core.text import Markdown, md

_KEY = "app.pending_toasts"


def toast_after_rerun(message: Markdown | str, icon: str = ":material/check_circle:") -> None:
    """``message``: Markdown made by core.text (a plain string is shown as text)."""
    st.session_state.setdefault(_KEY, []).append((md(message), icon))


def show_pending_toasts() -> None:
    for message, icon in st.session_state.pop(_KEY, []):
        st.toast(md(message), icon=icon)
