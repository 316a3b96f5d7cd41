"""Confirmations that survive the rerun after a write.

A toast sent just before st.rerun() often never reaches the browser; the message is kept in
the session instead and shown by app.py at the start of the next run.
"""

from __future__ import annotations

import streamlit as st

_KEY = "app.pending_toasts"


def toast_after_rerun(message: str, icon: str = ":material/check_circle:") -> None:
    st.session_state.setdefault(_KEY, []).append((message, icon))


def show_pending_toasts() -> None:
    for message, icon in st.session_state.pop(_KEY, []):
        st.toast(message, icon=icon)
