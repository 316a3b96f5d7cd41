from datetime import datetime, timedelta

from core.accounts import SessionPolicy, is_locked, session_policy

NOW = datetime(2026, 11, 26, 12, 0)


def test_a_lock_holds_until_its_time():
    assert is_locked(NOW + timedelta(seconds=1), NOW)
    assert not is_locked(NOW, NOW) and not is_locked(None, NOW)


def test_a_session_ends_when_idle_or_too_old():
    policy = SessionPolicy(idle=timedelta(hours=12), lifetime=timedelta(days=7))
    signed_in = NOW - timedelta(days=2)
    assert not policy.ended(signed_in, NOW - timedelta(hours=11, minutes=59), NOW)
    assert policy.ended(signed_in, NOW - timedelta(hours=12), NOW)  # idle
    assert policy.ended(NOW - timedelta(days=7), NOW, NOW)  # used a minute ago, but 7 days old


def test_session_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("OKR_SESSION_IDLE_HOURS", "2")
    monkeypatch.setenv("OKR_SESSION_DAYS", "1")
    assert session_policy() == SessionPolicy(timedelta(hours=2), timedelta(days=1))
    for bad in ("0", "-3", "soon"):  # nonsense keeps the defaults rather than no timeout
        monkeypatch.setenv("OKR_SESSION_IDLE_HOURS", bad)
        assert session_policy().idle == timedelta(hours=12)
