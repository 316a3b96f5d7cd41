"""Build small organisations for tests through the real write functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.permissions import Actor
from db import commands, queries
from db.engine import transaction

PASSWORD = "correct-horse-42"


@dataclass
class Org:
    sessions: sessionmaker[Session]
    admin: Actor
    ids: dict[str, int]

    def actor(self, username: str) -> Actor:
        with self.sessions() as session:
            return queries.current_user(session, username).actor


def run(sessions, command, *args, **kwargs):
    with transaction(sessions) as session:
        return command(session, *args, **kwargs)


def build_org(sessions, today: date | None = None) -> Org:
    """admin; team "Product" (lead: lena) inside "Company"; members mia and max in Product;
    exec eve in Company; another team "Sales" (lead: sam) with member sue; an active cycle."""
    today = today or date.today()
    admin_id = run(
        sessions,
        commands.create_first_admin,
        commands.UserInput("admin", "Ada Admin", "admin@example.com", password=PASSWORD),
    )
    admin = Actor(admin_id, "admin", None)
    ids = {"admin": admin_id}
    ids["company"] = run(sessions, commands.create_team, admin, "Company", None, None)
    ids["product"] = run(sessions, commands.create_team, admin, "Product", ids["company"], None)
    ids["sales"] = run(sessions, commands.create_team, admin, "Sales", ids["company"], None)
    people = [
        ("eve", "Eve Exec", "executive", "company"),
        ("lena", "Lena Lead", "lead", "product"),
        ("sam", "Sam Lead", "lead", "sales"),
        ("mia", "Mia Member", "member", "product"),
        ("max", "Max Member", "member", "product"),
        ("sue", "Sue Member", "member", "sales"),
    ]
    for username, name, role, team in people:
        ids[username] = run(
            sessions,
            commands.create_user,
            admin,
            commands.UserInput(
                username, name, f"{username}@example.com", role, ids[team], None, "en", PASSWORD
            ),
        )
    run(
        sessions,
        commands.update_team,
        admin,
        ids["product"],
        "Product",
        ids["company"],
        ids["lena"],
    )
    run(sessions, commands.update_team, admin, ids["sales"], "Sales", ids["company"], ids["sam"])
    ids["cycle"] = run(
        sessions,
        commands.create_cycle,
        admin,
        "Now",
        today - timedelta(days=30),
        today + timedelta(days=60),
    )
    run(sessions, commands.set_cycle_state, admin, ids["cycle"], "active")
    return Org(sessions, admin, ids)


def team_objective(org, lead: str, team: str, owner: str) -> int:
    """A published team objective with one key result owned by ``owner``; returns its KR."""
    objective_id = run(
        org.sessions,
        commands.create_objective,
        org.actor(lead),
        commands.ObjectiveInput(
            org.ids["cycle"],
            "team",
            f"{team} goal",
            org.ids[lead],
            org.ids[team],
            key_results=[
                commands.KRInput(f"{team} result", "increase", 0, 100, owner_id=org.ids[owner])
            ],
        ),
    )
    run(org.sessions, commands.set_objective_state, org.actor(lead), objective_id, 1, "active")
    with org.sessions() as session:
        return int(queries.okrs.krs_of_objectives(session, [objective_id]).iloc[0]["kr_id"])
