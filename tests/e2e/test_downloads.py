"""The CSV downloads of the pages, clicked in a browser: in an organisation where "@SUM(1+1)"
owns an objective titled =HYPERLINK(…), the file each button gives holds them as text (a
leading apostrophe), never as a cell a spreadsheet would run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from tests.db.test_downloads import HYPERLINK, NAME, assert_no_live_formula, csv_cells, plant
from tests.e2e.conftest import settle
from tests.e2e.test_faults_browser import sign_in
from tests.factories import build_org

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path, launch_server):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    engine = make_engine(url)
    upgrade_head(engine)
    plant(build_org(make_sessionmaker(engine)))
    engine.dispose()
    return launch_server(url)


def open_page(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    page.get_by_role("heading", level=1).filter(has_text=name).first.wait_for()
    settle(page)


def download(page, label: str, key: str | None = None) -> list[str]:
    """Click the download button labelled ``label`` (with the widget ``key``, when several
    share the label); the cells of the file it gives."""
    buttons = page.get_by_test_id("stDownloadButton")
    if key is not None:  # Streamlit's class for a key: characters other than \w and - as "-"
        buttons = page.locator(".st-key-" + re.sub(r"[^\w-]", "-", key)).locator(buttons)
    with page.expect_download() as started:
        buttons.filter(has_text=label).first.click()
    cells = csv_cells(Path(started.value.path()).read_bytes())
    assert_no_live_formula(cells)
    return cells


def test_page_downloads_hold_planted_formulas_as_text(server, page, shoot):
    page.goto(server.url)
    sign_in(page, "admin")

    open_page(page, "Dashboard")
    shoot("dashboard")
    off_track = download(page, "Download CSV", key="dash.company_krs.csv")
    assert {"'" + HYPERLINK + " signups", "'" + NAME, "'" + HYPERLINK} <= set(off_track)

    open_page(page, "Alignment")
    page.get_by_test_id("stButtonGroup").get_by_text("Not aligned (1)").click()
    page.get_by_test_id("stDownloadButton").first.wait_for()
    settle(page)
    shoot("alignment")
    not_aligned = download(page, "Download all as CSV")
    assert "'" + HYPERLINK in not_aligned and "'" + NAME in not_aligned

    open_page(page, "Leaderboard")
    shoot("leaderboard")
    assert "'" + NAME in download(page, "Download the full board (CSV)")
