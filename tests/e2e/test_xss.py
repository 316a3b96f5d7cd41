"""User text is shown as text everywhere: an objective titled <img src=x onerror=alert(1)> (and
KR titles, descriptions and kudos with script, SVG and Markdown-link payloads) reads literally
on every page that shows it, and no script runs (no dialog ever opens)."""

from __future__ import annotations

import pytest

from db import commands
from db.commands import kudos
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from tests.e2e.conftest import settle
from tests.e2e.test_faults_browser import sign_in
from tests.factories import build_org, run

pytestmark = pytest.mark.e2e

TITLE = "<img src=x onerror=alert(1)>"
KR_TITLE = "<script>alert(2)</script> signups"
DESCRIPTION = "[click me](javascript:alert(3)) <b>bold</b>"
KUDOS = '"><svg onload=alert(4)> thanks!'
PAGES = ["My OKRs", "Set goals", "Log progress", "Alignment", "Kudos"]


@pytest.fixture
def server(tmp_path, launch_server):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    engine = make_engine(url)
    upgrade_head(engine)
    sessions = make_sessionmaker(engine)
    org = build_org(sessions)
    mia = org.actor("mia")
    goal = run(
        sessions,
        commands.create_objective,
        mia,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            TITLE,
            mia.id,
            description=DESCRIPTION,
            key_results=[commands.KRInput(KR_TITLE, "increase", 0, 100)],
        ),
    )
    run(sessions, commands.set_objective_state, mia, goal, 1, "active")
    run(sessions, kudos.give_kudos, org.actor("max"), KUDOS, receiver_user_id=mia.id)
    engine.dispose()
    return launch_server(url)


def test_user_text_is_shown_literally_and_no_script_runs(server, page, shoot):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url)
    sign_in(page, "mia")

    main = page.get_by_test_id("stMain")
    main.get_by_text(TITLE, exact=False).first.wait_for()
    shoot("my-okrs")
    assert main.get_by_text(KR_TITLE, exact=False).count() >= 1
    seen = {}
    for name in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
        page.get_by_role("heading", level=1).filter(has_text=name).first.wait_for()
        settle(page)
        shoot(name.lower().replace(" ", "-"))
        text = main.inner_text()
        seen[name] = [t for t in (TITLE, KR_TITLE, KUDOS) if t in text]
        # nothing the text describes became part of the page
        assert page.locator('img[src="x"]').count() == 0
        assert page.locator("svg[onload]").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        assert not [s for s in page.locator("script").all_inner_texts() if "alert(" in s]
    page.wait_for_timeout(1000)  # an onerror would fire as soon as the broken image loads
    assert dialogs == [], f"a script ran: {dialogs}"
    assert TITLE in seen["My OKRs"] and KR_TITLE in seen["My OKRs"]
    assert TITLE in seen["Set goals"]
    assert KUDOS in seen["Kudos"], seen
