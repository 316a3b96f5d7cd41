"""Reads about objectives and key results."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Objective


def owned_objectives(session: Session, owner_id: int, cycle_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Objective.id, Objective.title, Objective.level, Objective.state)
        .where(Objective.owner_id == owner_id, Objective.cycle_id == cycle_id)
        .order_by(Objective.level, Objective.title)
    )
    return pd.DataFrame(rows.all(), columns=["id", "title", "level", "state"])
