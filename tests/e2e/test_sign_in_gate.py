"""No page is reachable without signing in — not even on a server's very first request.

A folder named pages/ next to app.py would make a freshly started Streamlit server run a page
file straight from its URL, skipping app.py and so the sign-in gate (see README). Each URL
here is therefore the first visit to a newly started server, with the demo organisation in
its database: it must show the sign-in form and nothing from the database.
"""

from __future__ import annotations

import ast
import html
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade_head
from db.models import Cycle, KeyResult, Objective, Team, User
from tests.e2e.conftest import ROOT, wait_for_sign_in_form

pytestmark = pytest.mark.e2e

NOT_PAGES = {"__init__", "setup"}  # setup runs only on an empty database


NAVIGATION_SOURCES = ("app.py", "shell/navigation.py")  # where pages are declared


def _url_paths_in_app() -> set[str]:
    """Every url_path given in the app's navigation sources: as a keyword, or positionally to a
    class or function defined there with a `url_path` parameter or field (e.g. a page spec)."""
    tree = ast.Module(
        body=[
            statement
            for source in NAVIGATION_SOURCES
            for statement in ast.parse((ROOT / source).read_text()).body
        ],
        type_ignores=[],
    )
    positions: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            fields = [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
        elif isinstance(node, ast.FunctionDef):
            fields = [a.arg for a in node.args.posonlyargs + node.args.args]
        else:
            continue
        if "url_path" in fields:
            positions[node.name] = fields.index("url_path")
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg == "url_path"]
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in positions and len(node.args) > positions[name]:
            values.append(node.args[positions[name]])
        found |= {
            v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        }
    return found


def page_urls() -> list[str]:
    """ "/", the usual names, every page file's default URL and every url_path declared."""
    stems = {p.stem for p in (ROOT / "app_pages").glob("*.py")} - NOT_PAGES
    paths = {"home", "account", "admin"} | stems | _url_paths_in_app()
    return ["/"] + [f"/{path}" for path in sorted(paths) if path]


PAGE_URLS = page_urls()


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> tuple[Path, list[str]]:
    """The small demo organisation in a SQLite file, and strings from it that no signed-out
    visitor may see: people's names, team, cycle, objective and key-result titles."""
    path = tmp_path_factory.mktemp("demo") / "okr.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_head(engine)
    load_demo(engine, "small")
    with engine.connect() as connection:
        secrets = [
            *connection.scalars(select(User.display_name)),
            *connection.scalars(select(Team.name)),
            *connection.scalars(select(Cycle.name)),
            *connection.scalars(select(Objective.title)),
            *connection.scalars(select(KeyResult.title)),
        ]
    engine.dispose()
    return path, sorted({s for s in secrets if len(s) >= 4})


def test_the_page_list_covers_the_app():
    """Guard for the test below: if parsing app.py silently found nothing, it would prove little."""
    assert {"/", "/account", "/admin"} <= set(PAGE_URLS)
    assert len(PAGE_URLS) >= len(list((ROOT / "app_pages").glob("*.py"))) - 1


@pytest.mark.parametrize("path", PAGE_URLS)
def test_no_page_without_login(path, demo_database, tmp_path, launch_server, page, shoot):
    source, secrets = demo_database
    assert len(secrets) > 100  # the demo is really there
    database = tmp_path / "okr.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{database}{suffix}")
    server = launch_server(f"sqlite:///{database}")  # fresh: this is its first visitor

    page.goto(server.url + path)
    wait_for_sign_in_form(page)
    shoot("signed-out")

    assert page.get_by_label("Username", exact=True).is_visible()
    assert page.get_by_label("Password", exact=True).is_visible()
    assert page.get_by_test_id("stSidebarNav").count() == 0  # no navigation to any page
    assert page.get_by_role("button", name="Sign out").count() == 0
    shown = page.inner_text("body") + "\n" + html.unescape(page.content())
    leaked = [s for s in secrets if s in shown]
    assert not leaked, f"{path} shows data from the database to a signed-out visitor: {leaked[:5]}"
