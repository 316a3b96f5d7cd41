"""AppTest fixtures: the real app.py against a fresh database (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from db.engine import make_sessionmaker
from shell import store

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_db(db_url, engine, monkeypatch):
    """Point the app at the test database; clear the per-process caches between tests."""
    monkeypatch.setenv("OKR_DATABASE_URL", db_url)
    st.cache_data.clear()
    store.clear_caches()
    yield make_sessionmaker(engine)
    st.cache_data.clear()
    st.cache_resource.clear()
