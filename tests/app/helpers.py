"""Drive the app as a person would: open it, type into the sign-in form, click."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.text import as_read

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def text_input(at: AppTest, label: str):
    return next(ti for ti in at.text_input if ti.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def sign_in(username: str, password: str, at: AppTest | None = None) -> AppTest:
    at = at or new_app()
    at.run()
    text_input(at, "Username").input(username)
    text_input(at, "Password").input(password)
    button(at, "Sign in").click()
    at.run()
    return at


def errors(at: AppTest) -> list[str]:
    """The error messages as a person reads them (people's text in them is escaped)."""
    return [as_read(e.value) for e in at.error]


def can_open(at: AppTest, page: str) -> bool:
    """Whether this session's navigation has the page (AppTest only knows registered pages)."""
    try:
        at.switch_page(page)
    except ValueError:
        return False
    at.run()
    return not at.exception


def signed_in(at: AppTest) -> bool:
    return (
        bool(at.session_state["authentication_status"])
        if "authentication_status" in at.session_state
        else False
    )
