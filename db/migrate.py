"""Run the Alembic migrations from code (the app upgrades to head at start)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from db.engine import PROJECT_ROOT


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "db" / "migrations"))
    config.attributes["configure_logging"] = False
    return config


def upgrade_head(engine: Engine) -> None:
    _run(engine, command.upgrade, "head")


def downgrade_base(engine: Engine) -> None:
    _run(engine, command.downgrade, "base")


def _run(engine: Engine, step, revision: str) -> None:
    """Run an Alembic command on a connection of ours (env.py begins the transaction)."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
        connection.commit()
    # The SQLite connection ran with foreign keys off; drop it from the pool so every
    # connection the app gets has them on again (set on connect, see db.engine).
    engine.dispose()
