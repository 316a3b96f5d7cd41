"""The benchmark harness runs and reports what it promises (shapes and counts, never timings).

Uses the small demo organisation (built once into bench/cache/, a few seconds) and writes its
results to a temporary folder, never to bench/results/.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import create_engine, text

from bench import load, orgs, pages, writes
from bench.common import BENCH_COOKIE_KEY, page_specs
from shell import auth
from tests.conftest import require_postgres


def test_the_page_list_is_app_pys():
    specs = {p.file: p for p in page_specs()}
    assert "my_okrs.py" in specs and specs["my_okrs.py"].default
    assert specs["admin.py"].roles == ("admin",)
    assert all(p.role in p.roles for p in specs.values())


def test_pages_bench_times_a_page_and_the_empty_page(tmp_path, monkeypatch):
    monkeypatch.setenv("OKR_DATABASE_URL", "sqlite:///unused.db")  # restored afterwards
    out = tmp_path / "pages.json"
    pages.run(sizes=("small",), runs=2, warmup=1, only=("my_okrs.py",), out=out)
    result = json.loads(out.read_text())
    assert result["empty_ms"] > 0
    assert set(result["pages"]) == {"my_okrs.py"}
    entry = result["pages"]["my_okrs.py"]
    assert entry["small_ms"] > 0 and entry["role"] == "member"
    assert "errors" not in entry


def test_writes_bench_loses_nothing_on_sqlite(tmp_path):
    out = tmp_path / "writes.json"
    writes.run(writers=2, checkins=3, databases=("sqlite",), size="small", out=out)
    result = json.loads(out.read_text())
    for name in ("same_kr", "different_krs"):
        scenario = result["databases"]["sqlite"][name]
        assert scenario["attempted"] == 6
        assert scenario["stored"] == scenario["saved"] == 6
        assert scenario["lost"] == 0 and scenario["errors"] == 0
        assert scenario["current_value_mismatches"] == 0
    assert result["databases"]["sqlite"]["different_krs"]["key_results"] == 2
    assert result["p4"]["holds"]


def test_load_driver_signs_in_and_runs_pages_against_a_server(tmp_path):
    out = tmp_path / "load.json"
    load.run(
        sessions=2,
        servers=1,
        duration=5,
        think=0.5,
        database="sqlite",
        size="small",
        baseline=3,
        out=out,
    )
    runs = json.loads(out.read_text())["runs"]
    (result,) = runs.values()
    assert result["load"]["runs"] >= 2 and result["single"]["runs"] >= 1
    assert result["load"]["failed_runs"] == 0, result["load"]["errors"]
    assert result["load"]["error_count"] == 0
    assert result["load"]["p95_ms"] >= result["load"]["p50_ms"] > 0
    assert set(result["p3"]) >= {"bound_ms", "p95_ms", "holds"}
    (memory,) = result["memory"].values()
    assert memory["rss_mb"] and all(mb > 0 for _, mb in memory["rss_mb"])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_load_with_a_check_in_stream_writes_to_a_copy_of_the_org(tmp_path, database):
    if database == "postgresql":
        require_postgres()
    org = orgs.sqlite_org("small") if database == "sqlite" else orgs.postgres_org("small")
    before = _check_ins(org.url)
    result = load.run(
        sessions=2,
        duration=4,
        think=0.5,
        database=database,
        size="small",
        baseline=0,
        out=tmp_path / "load.json",
        checkin_every=0.5,
    )
    assert result["checkins"] >= 3 and result["checkin_errors"] == []
    assert result["load"]["failed_runs"] == 0, result["load"]["errors"]
    assert load.run_key(result).endswith("-checkin-every-0.5s")
    assert _check_ins(org.url) == before  # the cached organisation is left as built
    if database == "postgresql":  # and its copy is dropped
        engine = create_engine(org.url)
        with engine.connect() as connection:
            copies = connection.scalar(
                text("select count(*) from pg_database where datname like :name"),
                {"name": "okr_bench_small_run_%"},
            )
        engine.dispose()
        assert copies == 0


def _check_ins(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(text("select count(*) from check_ins"))
    engine.dispose()
    return count


def test_the_load_cookie_is_the_one_the_app_reads():
    token = "a-session-token-" + "t" * 27
    assert auth.token_in_cookie(load.auth_cookie(token), BENCH_COOKIE_KEY) == token


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("a-session-token-" + "t" * 27, "wrong-key" * 5),  # forged without the servers' key
        ("no-such-session-" + "t" * 27, BENCH_COOKIE_KEY),  # signed, but no session behind it
    ],
    ids=["wrong key", "unknown session"],
)
def test_a_session_with_a_wrong_cookie_counts_as_failed(monkeypatch, token, key):
    signed = load.auth_cookie
    monkeypatch.setattr(load, "auth_cookie", lambda token: signed(token, key=key))
    server = load.start_server(orgs.sqlite_org("small").url, load.free_port(8890), (), orgs.CACHE)
    phase = load.Phase("wrong cookie", time.monotonic())
    person = ("member", "member", token)
    try:
        load.wait_healthy(server)
        until = time.monotonic() + 1
        asyncio.run(load.session(0, server, person, phase, until, 0.1, None, 1))
    finally:
        load.stop_server(server)
    assert phase.samples and not any(sample.ok for sample in phase.samples)
    assert any("not signed in" in error for error in phase.errors)


@pytest.fixture(autouse=True)
def _small_org_exists():
    orgs.sqlite_org("small")
