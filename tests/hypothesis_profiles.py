"""Hypothesis profiles for the property tests (loaded by tests/reliability/conftest.py).

- "ci": at least 200 examples per property, no deadline (a database write may take a while on
  a busy CI machine), derandomized so a failure in CI reproduces on a laptop, no database of
  examples written into the work tree.
- "ci-postgres": the same properties on PostgreSQL, a smaller sample (each example is a few
  round trips to the server).
- "dev": a quick look while writing code: HYPOTHESIS_PROFILE=dev pytest tests/reliability.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 200
POSTGRES_EXAMPLES = 25

_COMMON = dict(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.differing_executors,
    ],
)

settings.register_profile("ci", max_examples=CI_EXAMPLES, **_COMMON)
settings.register_profile("ci-postgres", max_examples=POSTGRES_EXAMPLES, **_COMMON)
settings.register_profile("dev", max_examples=20, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def profile_for(dialect: str) -> settings:
    """The settings of a property run on this database: "ci" on SQLite, "ci-postgres" on
    PostgreSQL (or "dev" for both when HYPOTHESIS_PROFILE=dev)."""
    if PROFILE != "ci":
        return settings.get_profile(PROFILE)
    return settings.get_profile("ci-postgres" if dialect == "postgresql" else "ci")
