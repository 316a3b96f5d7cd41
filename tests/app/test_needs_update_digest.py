"""My OKRs' "Needs your update": the in-app digest of what the weekly reminder sends — every
silent key result, each with a link to its check-in form."""

from __future__ import annotations

from urllib.parse import parse_qs

from db import reminders
from tests.app.helpers import sign_in
from tests.db.test_okr_queries import silence
from tests.db.test_reminders import backdate_creation, published
from tests.factories import PASSWORD, build_org


def digest_links(at) -> list[dict[str, list[str]]]:
    """The "Check in" links on My OKRs that point at a KR, in page order."""
    return [
        parse_qs(link.proto.query_string)
        for link in at.get("page_link")
        if link.proto.label == "Check in"
    ]


def test_every_silent_kr_is_listed_with_a_link_to_its_check_in_form(app_db):
    org = build_org(app_db)
    titles = ["First silent", "Second silent", "Third silent", "Fourth silent", "Fresh"]
    krs = published(org, "mia", "Grow the product", *titles)
    for days, title in enumerate(titles[:4], start=15):
        backdate_creation(org, krs[title], days)
    silence(org, krs["Fresh"], 0)

    at = sign_in("mia", PASSWORD)
    assert not at.exception and at.title[0].value == "My OKRs"
    # Each row's text starts with its bold title (then its status badge and details).
    shown = [m.value.split("** ")[0] + "**" for m in at.markdown if m.value.startswith("**")]
    assert set(shown[:4]) == {f"**{title}**" for title in titles[:4]}  # not only three
    assert "**Fresh**" not in shown[:4]

    with org.sessions() as session:
        (reminder,) = reminders.reminders(session)
    sent = {(str(kr.kr_id), str(kr.cycle_id)) for kr in reminder.krs}
    linked = {(q["kr"][0], q["cycle"][0]) for q in digest_links(at)[:4]}
    assert linked == sent and len(sent) == 4  # the same KRs and links the reminder sends
