"""A link to a key result (/log-progress?kr=…) tells nothing about a draft the reader may not
see: someone else's draft looks exactly like a key result that does not exist."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db import commands
from db.models import KeyResult
from tests.app.helpers import errors, sign_in
from tests.factories import PASSWORD, build_org, run

PAGE = "app_pages/log_progress.py"
SECRET = "Poach the biggest client of our rival"
GONE = "The key result in this link no longer exists."


@pytest.fixture
def draft_kr(app_db) -> tuple[int, int]:
    """Sue's draft objective with one key result (sue: member of Sales, lead sam);
    returns (the draft KR's id, an id no KR has)."""
    org = build_org(app_db)
    sue = org.actor("sue")
    run(
        app_db,
        commands.create_objective,
        sue,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Sue's quiet plan",
            sue.id,
            org.ids["sales"],
            key_results=[commands.KRInput(SECRET, "increase", 0, 10)],
        ),
    )
    with app_db() as session:
        kr_id = session.scalar(select(KeyResult.id).where(KeyResult.title == SECRET))
        missing = session.scalar(select(func.max(KeyResult.id))) + 1000
    return kr_id, missing


def open_link(username: str, kr: int):
    at = sign_in(username, PASSWORD)
    at.query_params["kr"] = str(kr)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception and not errors(at)
    return at


def page_text(at) -> list[str]:
    """Every piece of text the page shows (messages, markdown, captions, choices)."""
    elements = [
        *at.title,
        *at.header,
        *at.subheader,
        *at.markdown,
        *at.caption,
        *at.info,
        *at.warning,
        *at.success,
        *at.error,
        *at.toast,
    ]
    texts = [str(element.value) for element in elements]
    texts += [str(option) for box in at.selectbox for option in box.options]
    return texts


@pytest.mark.parametrize("username", ["mia", "max", "lena"])  # another team's member and lead
def test_someone_elses_draft_looks_like_a_key_result_that_does_not_exist(draft_kr, username):
    kr_id, missing = draft_kr
    draft = open_link(username, kr_id)
    nothing = open_link(username, missing)
    assert page_text(draft) == page_text(nothing)
    assert [w.value for w in draft.warning] == [GONE]
    assert not [text for text in page_text(draft) if "Poach" in text]


@pytest.mark.parametrize("username", ["sue", "sam", "eve", "admin"])  # owner, lead, exec, admin
def test_those_who_may_see_the_draft_are_told_about_it(draft_kr, username):
    kr_id, _missing = draft_kr
    at = open_link(username, kr_id)
    shown = page_text(at)
    assert GONE not in shown
    assert any(SECRET in text for text in shown), shown
