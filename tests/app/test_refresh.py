"""Other people's writes show within OKR_REFRESH_S; one's own at once; who is signed in and
with which role follows every write at once (shell.store's shared view). A check-in misses
only the reads that show its team, and the organisation-wide summaries within
OKR_SUMMARY_REFRESH_S, brought up to date in the background."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db import commands, queries
from shell import store
from tests.factories import build_org, run, team_objective


def seen_versions():
    """A session's view: the data version its cached reads use, and the database's own."""
    import streamlit as st

    from db import commands, queries
    from shell import store

    store.begin_run()
    actor = st.session_state.get("actor")
    if actor is not None and st.button("Write"):
        store.write(commands.set_language, actor, "vi")
    st.text(f"cached {store.cached(queries.data_version)}")
    st.text(f"exact {store.cached_exact(queries.data_version)}")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(store.time, "monotonic", clock)
    monkeypatch.setenv("OKR_REFRESH_S", "15")
    return clock


def view(at: AppTest) -> tuple[int, int]:
    at.run()
    assert not at.exception, at.exception
    cached, exact = (int(t.value.split()[1]) for t in at.text)
    return cached, exact


def version(sessions) -> int:
    with sessions() as session:
        return queries.data_version(session)


def test_others_writes_show_within_the_refresh_period_and_ones_own_at_once(app_db, clock):
    org = build_org(app_db)
    reader = AppTest.from_function(seen_versions)
    first = version(app_db)
    assert view(reader) == (first, first)

    clock.now += 1
    run(app_db, commands.set_language, org.actor("mia"), "vi")  # someone else, anywhere
    second = version(app_db)
    clock.now += 5
    assert view(reader) == (first, second)  # the shared view lags; the exact one does not
    clock.now += 10  # 16 s since the shared view last moved
    assert view(reader) == (second, second)

    clock.now += 1
    run(app_db, commands.set_language, org.actor("max"), "vi")
    third = version(app_db)
    writer = AppTest.from_function(seen_versions)
    writer.session_state["actor"] = org.actor("lena")
    assert view(writer) == (second, third)
    writer.button[0].click()  # this session writes: it sees its own write at once
    seen = view(writer)
    fourth = version(app_db)
    assert fourth > third
    assert seen == (fourth, fourth)
    assert view(reader) == (second, fourth)  # others still within the period

    clock.now += 60  # quiet for a while: the next write anywhere shows at once
    run(app_db, commands.set_language, org.actor("sue"), "vi")
    fifth = version(app_db)
    assert view(reader) == (fifth, fifth)
    assert view(writer) == (fifth, fifth)


def test_with_refresh_0_every_run_sees_the_database(app_db, clock, monkeypatch):
    monkeypatch.setenv("OKR_REFRESH_S", "0")
    org = build_org(app_db)
    reader = AppTest.from_function(seen_versions)
    view(reader)
    run(app_db, commands.set_language, org.actor("mia"), "vi")
    assert view(reader) == (version(app_db), version(app_db))


def test_a_deactivation_signs_the_person_out_at_once_despite_the_refresh_period(app_db, clock):
    from tests.app.helpers import sign_in, signed_in
    from tests.factories import PASSWORD

    org = build_org(app_db)
    at = sign_in("mia", PASSWORD)
    assert signed_in(at)
    clock.now += 1
    run(app_db, commands.set_user_active, org.admin, org.ids["mia"], False)
    at.run()
    assert not signed_in(at)  # deactivation ended the session
    assert any("session has ended" in i.value for i in at.info)


# --- what a check-in invalidates ----------------------------------------------------------


def seen_by_scope(cycle_id: int, team_id: int):
    """The data version as each kind of cached read last read it."""
    import streamlit as st

    from db import commands, queries
    from shell import store

    store.begin_run()
    check_in = st.session_state.get("check_in")  # (actor, key result) when this session writes
    if check_in is not None and st.button("Check in"):
        store.write(commands.check_in, check_in[0], commands.CheckInInput(check_in[1], 60, 7))
    for name, follows in (
        ("structure", store.STRUCTURE),
        ("team", store.teams(cycle_id, (team_id,))),
        ("summary", store.SUMMARY),
        ("everything", store.EVERYTHING),
    ):
        st.text(f"{name} {store.cached(queries.data_version, follows=follows)}")


def scoped_view(at: AppTest) -> dict[str, int]:
    at.run()
    assert not at.exception, at.exception
    return {t.value.split()[0]: int(t.value.split()[1]) for t in at.text}


def settle() -> None:
    """Wait until the background refresher has done what it was given."""
    import time

    deadline = time.monotonic() + 10
    while store._refresher.waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not store._refresher.waiting()


def check_in(org, who: str, kr_id: int, value: float) -> None:
    run(org.sessions, commands.check_in, org.actor(who), commands.CheckInInput(kr_id, value, 7))


def test_a_check_in_misses_only_its_teams_reads_and_the_summaries_after_their_period(
    app_db, clock, monkeypatch
):
    monkeypatch.setenv("OKR_REFRESH_S", "0")
    monkeypatch.setenv("OKR_SUMMARY_REFRESH_S", "60")
    org = build_org(app_db)
    sales_kr = team_objective(org, "sam", "sales", "sue")
    product_kr = team_objective(org, "lena", "product", "mia")
    reader = AppTest.from_function(seen_by_scope, args=(org.ids["cycle"], org.ids["product"]))
    before = scoped_view(reader)

    clock.now += 1
    check_in(org, "sue", sales_kr, 10)  # into another team
    after_sales = version(app_db)
    assert scoped_view(reader) == before | {"everything": after_sales}

    kept = len(store._reads)
    clock.now += 1
    check_in(org, "mia", product_kr, 20)  # into the team this reader follows
    after_product = version(app_db)
    assert scoped_view(reader) == before | {"team": after_product, "everything": after_product}
    assert len(store._reads) == kept  # the results read again replaced the ones before

    clock.now += 60  # the summaries are brought up to date once their period is over:
    assert scoped_view(reader)["summary"] == before["summary"]  # shown as they were meanwhile
    settle()  # while the refresher reads them again
    assert scoped_view(reader)["summary"] == after_product

    clock.now += 1
    run(app_db, commands.set_language, org.actor("max"), "vi")  # a change of structure
    changed = version(app_db)
    assert scoped_view(reader) == dict.fromkeys(before, changed) | {"summary": after_product}
    settle()  # the summaries, too, follow it as soon as they are read again
    assert scoped_view(reader) == dict.fromkeys(before, changed)

    clock.now += 1
    check_in(org, "sue", sales_kr, 30)
    writer = AppTest.from_function(seen_by_scope, args=(org.ids["cycle"], org.ids["product"]))
    writer.session_state["check_in"] = (org.actor("lena"), product_kr)
    assert scoped_view(writer)["summary"] == changed  # within the summaries' period
    writer.button[0].click()  # this session writes: its summaries follow at once
    assert scoped_view(writer)["summary"] == version(app_db)
    assert scoped_view(reader)["summary"] == changed  # the others' within the period


def test_my_okrs_shows_a_check_in_on_my_key_result_at_once_and_ignores_other_teams(
    app_db, monkeypatch
):
    import functools

    from db.queries import okrs
    from tests.app.helpers import sign_in
    from tests.factories import PASSWORD

    org = build_org(app_db)
    sales_kr = team_objective(org, "sam", "sales", "sue")
    product_kr = team_objective(org, "lena", "product", "mia")
    reads = []
    original = okrs.my_okrs

    @functools.wraps(original)
    def counted(*args, **kwargs):
        reads.append(args[1].id)
        return original(*args, **kwargs)

    monkeypatch.setattr(okrs, "my_okrs", counted)
    at = sign_in("mia", PASSWORD)
    at.switch_page("app_pages/my_okrs.py")
    at.run()
    page = markdown(at)
    assert "**product result** :red-badge" in page  # off track: it needs her update
    assert "No check-in streak yet" in page
    read_before = len(reads)

    check_in(org, "sue", sales_kr, 55)  # Sales: nothing Mia's page shows
    at.run()
    assert markdown(at) == page
    assert len(reads) == read_before  # her page was not even read again

    check_in(org, "lena", product_kr, 42)  # her lead, on Mia's key result: on track now
    at.run()
    page = markdown(at)
    assert "product result" not in page
    assert "Checked in this week or last" in page
    assert len(reads) == read_before + 1


def markdown(at: AppTest) -> str:
    assert not at.exception, at.exception
    return "\n".join(m.value for m in at.markdown)
