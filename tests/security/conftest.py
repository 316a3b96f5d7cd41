"""Security tests share the reliability tests' world (built once per module and dialect)."""

from tests.reliability.browser import app_servers  # noqa: F401  (a fixture)
from tests.reliability.world import world_db  # noqa: F401  (a fixture)
