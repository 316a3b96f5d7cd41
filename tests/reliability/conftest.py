"""Reliability tests: the "ci" Hypothesis profile and the shared world on SQLite and PostgreSQL."""

from hypothesis import settings

from tests.hypothesis_profiles import PROFILE
from tests.reliability.browser import app_servers  # noqa: F401  (a fixture)
from tests.reliability.world import world_db  # noqa: F401  (a fixture)

settings.load_profile(PROFILE)
