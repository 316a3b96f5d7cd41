"""No page renders for a signed-out session (AppTest), for every PageSpec.

The page list is read from shell/navigation.py with ast, as written, so a page added to
PAGE_SPECS is covered the moment it is added. For each page, a signed-out session:

- asks for it on its very first run (as a visit straight to its URL would), and after a run:
  it gets the sign-in form and nothing else — no page title, no navigation, no data;
- runs the page file on its own, without app.py's frame (what a legacy ``pages/`` folder
  would do): the page shows nothing at all.

The browser test tests/e2e/test_sign_in_gate.py does the same over HTTP on a fresh server.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import commands
from db.models import Cycle, KeyResult, Objective, Team, User
from tests.app.helpers import can_open, new_app
from tests.factories import build_org, run

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Spec:
    file: str
    title: str
    url_path: str
    roles: str  # the roles expression as written in PAGE_SPECS


def page_specs() -> list[Spec]:
    """Every PageSpec(...) call in PAGE_SPECS, by position or keyword."""
    tree = ast.parse((ROOT / "shell" / "navigation.py").read_text())
    fields = ("file", "title", "icon", "url_path", "section", "roles", "default")
    specs = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAGE_SPECS" for t in node.targets
        )):  # fmt: skip
            continue
        for call in ast.walk(node.value):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "PageSpec":
                values = dict(zip(fields, call.args, strict=False))
                values |= {k.arg: k.value for k in call.keywords}
                specs.append(
                    Spec(
                        ast.literal_eval(values["file"]),
                        ast.literal_eval(_marked(values["title"])),
                        ast.literal_eval(values["url_path"]),
                        ast.unparse(values["roles"]) if "roles" in values else "all",
                    )
                )
    return specs


def _marked(node: ast.AST) -> ast.AST:
    """The text of N_("…") (titles are marked for translation), or the node itself."""
    return node.args[0] if isinstance(node, ast.Call) else node


SPECS = page_specs()


def test_the_page_list_is_read_from_the_navigation():
    """Guard: if parsing found nothing (or missed pages), the tests below would prove little."""
    files = {spec.file for spec in SPECS}
    on_disk = {p.name for p in (ROOT / "app_pages").glob("*.py")} - {"__init__.py", "setup.py"}
    assert len(SPECS) >= 11
    assert files == on_disk, (
        f"pages without a PageSpec, or PageSpecs without a file: {files ^ on_disk}"
    )
    assert {"my_okrs.py", "admin.py", "audit.py"} <= files
    admin_only = {s.file for s in SPECS if s.roles == "frozenset({Role.ADMIN})"}
    assert {"admin.py", "audit.py"} <= admin_only


@pytest.fixture
def org(db_url, engine, sessions, monkeypatch):
    """An organisation with objectives, and strings from it no signed-out visitor may see."""
    monkeypatch.setenv("OKR_DATABASE_URL", db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    org = build_org(sessions)
    mia = org.actor("mia")
    goal = run(
        sessions,
        commands.create_objective,
        mia,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Secret launch plan Zebra",
            mia.id,
            key_results=[commands.KRInput("Zebra signups", "increase", 0, 100)],
        ),
    )
    run(sessions, commands.set_objective_state, mia, goal, 1, "active")
    with sessions() as session:
        org.secrets = sorted(
            {
                *session.scalars(select(User.display_name)),
                *session.scalars(select(Team.name)),
                *session.scalars(select(Cycle.name)),
                *session.scalars(select(Objective.title)),
                *session.scalars(select(KeyResult.title)),
            }
        )
    yield org
    st.cache_data.clear()
    st.cache_resource.clear()


def shown_text(at: AppTest) -> str:
    """Everything the run put on screen, as text (values, labels, captions, options)."""
    parts = []

    def walk(node) -> None:
        for attribute in ("value", "label", "body", "options", "placeholder", "help"):
            value = getattr(node, attribute, None)
            if isinstance(value, str | list | tuple):
                parts.append(str(value))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts)


def assert_only_the_sign_in_form(at: AppTest, spec: Spec, secrets: list[str]) -> None:
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["OKR Tracker"], f"{spec.file} rendered"
    assert [ti.label for ti in at.text_input] == ["Username", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.button and not at.dataframe and not at.metric
    shown = shown_text(at)
    leaked = [s for s in secrets if s in shown]
    assert not leaked, f"{spec.file} shows data to a signed-out session: {leaked}"


@pytest.mark.parametrize("spec", SPECS, ids=[s.file for s in SPECS])
def test_a_signed_out_session_asking_for_a_page_gets_the_sign_in_form(org, spec):
    at = new_app()
    at.switch_page(f"app_pages/{spec.file}")  # the first run asks for the page itself
    at.run()
    assert_only_the_sign_in_form(at, spec, org.secrets)
    assert not can_open(at, f"app_pages/{spec.file}")  # nor is it in the navigation now
    assert_only_the_sign_in_form(at, spec, org.secrets)


@pytest.mark.parametrize("spec", SPECS, ids=[s.file for s in SPECS])
def test_a_page_run_without_the_frame_shows_nothing(org, spec):
    at = AppTest.from_file(str(ROOT / "app_pages" / spec.file), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert not at.main.children and not at.sidebar.children, f"{spec.file} rendered something"
