"""Other people's writes show within OKR_REFRESH_S; one's own at once; who is signed in and
with which role follows every write at once (shell.store's shared data version)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db import commands, queries
from shell import store
from tests.factories import build_org, run


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
    assert not signed_in(at)
    assert any("no longer active" in w.value for w in at.warning)
